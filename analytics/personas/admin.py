"""Admin: read-only views of persona models and personas; activation is an explicit action."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics.personas import services
from analytics.personas.models import CampaignTargetPersona, Persona, PersonaModel
from marketing.admin_access import BrandScopedAdmin, role_action
from marketing.auth import principal_for_user
from marketing.models import Role
from marketing.services.errors import ServiceValidationError


class PersonaInline(admin.TabularInline):
    model = Persona
    fields = ("index", "display_label", "size", "share")
    readonly_fields = fields

    @admin.display(description=_("label"))
    def display_label(self, obj) -> str:
        return obj.display_label
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(PersonaModel)
class PersonaModelAdmin(BrandScopedAdmin):
    list_display = ("brand", "version", "status", "is_active", "k", "n_viewers", "training_seconds", "trained_at")
    list_filter = ("status", "is_active")
    search_fields = ("brand__name",)
    exclude = ("artefact",)
    readonly_fields = [f.name for f in PersonaModel._meta.fields if f.name != "artefact"]
    inlines = [PersonaInline]
    actions = ["activate"]

    def has_add_permission(self, request):
        return False

    @role_action(Role.EDITOR, description=_("Make the selected model its brand's active persona model"))
    def activate(self, request, queryset):
        principal = principal_for_user(request.user)
        for pk in queryset.values_list("pk", flat=True):
            try:
                model = services.persona_model_activate(persona_model_id=pk, principal=principal)
            except ServiceValidationError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, gettext("%(model)s is now active.") % {"model": model}, messages.SUCCESS)


@admin.register(Persona)
class PersonaAdmin(BrandScopedAdmin):
    list_display = ("display_label", "model", "size", "share")
    list_select_related = ("model__brand",)
    readonly_fields = ("model", "index", "display_label", "size", "share", "profile", "tag_affinity")
    fields = readonly_fields

    @admin.display(description=_("label"))
    def display_label(self, obj) -> str:
        return obj.display_label

    def has_add_permission(self, request):
        return False


@admin.register(CampaignTargetPersona)
class CampaignTargetPersonaAdmin(BrandScopedAdmin):
    list_display = ("campaign", "persona", "created_by", "created_at")
    readonly_fields = ("campaign", "persona", "created_by", "created_at")

    def has_add_permission(self, request):
        return False
