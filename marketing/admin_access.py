"""Who may do what in the Django admin, for every app's admin: brand roles, as in the API.

Staff see the rows of their brands (``for_principal``); changing, deleting and running an action need
the same brand role as the matching GraphQL mutation, on the brand of every row concerned:

- ``BrandScopedAdmin`` is the one base of every app's brand-scoped ModelAdmin. Visibility and rights
  come from brand roles, not Django model permissions, as in the API: superusers see everything, other
  staff the rows of their brands. It narrows foreign-key choices and every brand sidebar filter to the
  caller's brands, records admin writes in the audit log, and offers ``has_brand_editor_permission`` /
  ``has_brand_admin_permission`` for actions' ``allowed_permissions``.
- ``role_action(role, ...)`` declares an admin action: hidden from staff without the role on any brand,
  and refused as a whole when a selected row belongs to a brand where the caller's role is lower.
"""

from __future__ import annotations

import functools

from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import ngettext

from marketing.auth import Principal, principal_for_user
from marketing.models import AuditSource, Brand, Campaign, Role, Tag, Video, Viewer
from marketing.services.audit import audit_record


def principal_of(request) -> Principal:
    """The request user's principal, built once per request."""
    if not hasattr(request, "_admin_principal"):
        request._admin_principal = principal_for_user(request.user)
    return request._admin_principal


def brand_path_of(model) -> str:
    """The lookup from a row of ``model`` to its brand's id ("pk" for a brand itself)."""
    if model is Brand:
        return "pk"
    return getattr(model._default_manager.get_queryset(), "brand_path", "brand")


def brand_ids_of(queryset) -> set[int]:
    return set(queryset.order_by().values_list(brand_path_of(queryset.model), flat=True).distinct())


def brand_id_of(obj) -> int:
    path = brand_path_of(type(obj))
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
    return getattr(obj, f"{last}_id")


def caller_may(request, role: str, brand_id: int | None = None) -> bool:
    """The caller has ``role`` on ``brand_id`` (None: on at least one brand); superusers always."""
    if not (request.user.is_active and request.user.is_staff):
        return False
    principal = principal_of(request)
    if principal.is_global:
        return True
    if brand_id is None:
        return bool(principal.brand_ids(min_role=role))
    return principal.has_role(brand_id, role)


class CallerBrandFilter(admin.RelatedFieldListFilter):
    """A brand sidebar filter listing only the caller's brands (never another tenant's name)."""

    def field_choices(self, field, request, model_admin):
        return [(brand.pk, str(brand)) for brand in Brand.objects.for_principal(principal_of(request)).order_by("name")]


def _is_brand_path(model, path: str) -> bool:
    try:
        return get_fields_from_path(model, path)[-1].related_model is Brand
    except (FieldDoesNotExist, AttributeError, IndexError):
        return False


# Foreign keys whose choices are narrowed to the caller's brands (with the role that changing needs).
SCOPED_CHOICES = (Brand, Video, Campaign, Viewer)

# Role -> the ``allowed_permissions`` name of actions needing it (``has_<name>_permission`` below).
ACTION_PERMISSION = {Role.EDITOR: "brand_editor", Role.ADMIN: "brand_admin"}


class BrandScopedAdmin(admin.ModelAdmin):
    """The base of every brand-scoped admin, in every app (see the module docstring).

    Rows of the caller's brands; viewing needs ``view_role``, adding and changing ``change_role``,
    deleting ``delete_role`` on the row's brand (``brand_id_of``, following the model's brand path);
    foreign-key choices are the caller's brands' rows; every admin write goes to the audit log beside
    Django's own history. The changelist joins the row's brand unless ``list_select_related`` says otherwise.
    """

    view_role = Role.VIEWER
    change_role = Role.EDITOR
    delete_role = Role.ADMIN

    def brand_id_of(self, obj) -> int:
        return brand_id_of(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).for_principal(principal_of(request))

    def get_list_select_related(self, request):
        if self.list_select_related is False:
            path = brand_path_of(self.model)
            return () if path == "pk" else (path,)
        return self.list_select_related

    def get_list_filter(self, request):
        return [(entry, CallerBrandFilter) if isinstance(entry, str) and _is_brand_path(self.model, entry) else entry
                for entry in super().get_list_filter(request)]

    def _allowed(self, request, obj, role: str) -> bool:
        return caller_may(request, role, None if obj is None else self.brand_id_of(obj))

    def has_module_permission(self, request):
        return self._allowed(request, None, self.view_role)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj, self.view_role)

    def has_add_permission(self, request):
        return self._allowed(request, None, self.change_role)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, obj, self.change_role)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, obj, self.delete_role)

    # For actions' ``allowed_permissions`` (``role_action``).
    def has_brand_editor_permission(self, request):
        return caller_may(request, Role.EDITOR)

    def has_brand_admin_permission(self, request):
        return caller_may(request, Role.ADMIN)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model in SCOPED_CHOICES:
            kwargs["queryset"] = db_field.related_model.objects.for_principal(principal_of(request),
                                                                              min_role=self.change_role)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model in (Video, Tag):
            kwargs["queryset"] = db_field.related_model.objects.for_principal(principal_of(request),
                                                                              min_role=self.change_role)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _audit(self, request, obj, action: str, message) -> None:
        audit_record(principal=principal_of(request), source=AuditSource.ADMIN, action=action,
                     brand_id=self.brand_id_of(obj), object_type=obj._meta.model_name, object_id=obj.pk,
                     details={"change": message})

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete", str(obj))
        return super().log_deletions(request, queryset)


def role_action(role: str, *, description):
    """An admin action that needs ``role`` on the brand of every selected row (the GraphQL mutation's role)."""

    def decorator(func):
        @functools.wraps(func)
        def action(modeladmin, request, queryset):
            principal = principal_of(request)
            if not principal.is_global:
                refused = [b for b in brand_ids_of(queryset) if not principal.has_role(b, role)]
                if refused:
                    modeladmin.message_user(request, ngettext(
                        "Nothing done: your role on %(count)d brand of the selection is below %(role)s.",
                        "Nothing done: your role on %(count)d brands of the selection is below %(role)s.",
                        len(refused)) % {"count": len(refused), "role": Role(role).label}, messages.ERROR)
                    return None
            return func(modeladmin, request, queryset)

        action.required_role = role
        return admin.action(description=description, permissions=[ACTION_PERMISSION[role]])(action)

    return decorator


__all__ = ["ACTION_PERMISSION", "BrandScopedAdmin", "CallerBrandFilter", "brand_id_of", "caller_may",
           "principal_of", "role_action"]
