"""Who may do what in the Django admin, for every app's admin: brand roles, as in the API.

Staff see the rows of their brands (``for_principal``); changing, deleting and running an action need
the same brand role as the matching GraphQL mutation, on the brand of every row concerned:

- ``BrandRoleAdminMixin`` adds the role checks to a ModelAdmin (on top of Django's model permissions,
  where the admin uses them), narrows every brand sidebar filter to the caller's brands, and offers
  ``has_brand_editor_permission`` / ``has_brand_admin_permission`` for actions' ``allowed_permissions``.
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
from marketing.models import Brand, Role


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


# Role -> the ``allowed_permissions`` name of actions needing it (``has_<name>_permission`` below).
ACTION_PERMISSION = {Role.EDITOR: "brand_editor", Role.ADMIN: "brand_admin"}


class BrandRoleAdminMixin:
    """Role checks per row's brand for a brand-scoped ModelAdmin (see the module docstring)."""

    change_role = Role.EDITOR
    delete_role = Role.ADMIN

    def get_queryset(self, request):
        return super().get_queryset(request).for_principal(principal_of(request))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and caller_may(
            request, self.change_role, None if obj is None else brand_id_of(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and caller_may(
            request, self.delete_role, None if obj is None else brand_id_of(obj))

    def has_brand_editor_permission(self, request):
        return caller_may(request, Role.EDITOR)

    def has_brand_admin_permission(self, request):
        return caller_may(request, Role.ADMIN)

    def get_list_filter(self, request):
        return [(entry, CallerBrandFilter) if isinstance(entry, str) and _is_brand_path(self.model, entry) else entry
                for entry in super().get_list_filter(request)]


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


__all__ = ["ACTION_PERMISSION", "BrandRoleAdminMixin", "CallerBrandFilter", "brand_id_of", "caller_may",
           "principal_of", "role_action"]
