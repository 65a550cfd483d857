from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketing.admin import BrandScopedAdmin
from marketing.admin_access import BrandRoleAdminMixin, role_action
from marketing.auth import principal_for_user
from marketing.models import AuditSource, Role
from marketing.services.errors import ServiceValidationError
from recommendations import experiments, services
from recommendations.models import RecommenderExperiment, RecommenderModel, RecommenderSettings, Verdict


@admin.register(RecommenderModel)
class RecommenderModelAdmin(BrandRoleAdminMixin, admin.ModelAdmin):
    list_display = ("brand", "version", "algorithm", "status", "is_active", "n_viewers", "n_videos",
                    "n_interactions", "training_seconds", "trained_at")
    list_filter = ("status", "is_active", "brand")
    search_fields = ("brand__name", "algorithm")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in RecommenderModel._meta.fields]
    actions = ["activate"]

    def has_add_permission(self, request):
        return False

    @role_action(Role.EDITOR, description=_("Make the selected version the brand's active recommender"))
    def activate(self, request, queryset):
        principal = principal_for_user(request.user)
        for model in queryset:
            try:
                services.activate_recommender(principal=principal, model_id=model.pk)
                self.message_user(request, gettext("%(model)s is now active.") % {"model": model}, messages.SUCCESS)
            except ServiceValidationError as exc:
                self.message_user(request, f"{model}: {exc}", messages.ERROR)


@admin.register(RecommenderExperiment)
class RecommenderExperimentAdmin(BrandRoleAdminMixin, admin.ModelAdmin):
    """Experiments are started through GraphQL (``startExperiment``); here they are read, stopped and promoted."""

    list_display = ("brand", "surface", "control", "candidate", "traffic_share", "status", "primary_metric",
                    "required_sample_size", "verdict", "started_at", "stopped_at")
    list_filter = ("status", "surface", "brand")
    search_fields = ("brand__name",)
    readonly_fields = [f.name for f in RecommenderExperiment._meta.fields]
    actions = ["stop", "promote"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):  # served lists keep their arm: an experiment stays
        return False

    @admin.display(description=_("verdict"))
    def verdict(self, obj):
        return Verdict(obj.result["verdict"]).label if obj.result.get("verdict") in Verdict.values else "—"

    @role_action(Role.EDITOR, description=_("Stop the selected experiments"))
    def stop(self, request, queryset):
        self._each(request, queryset, experiments.stop_experiment, gettext("%(experiment)s stopped."))

    @role_action(Role.EDITOR, description=_("Promote the candidate of the selected experiments (when better)"))
    def promote(self, request, queryset):
        self._each(request, queryset, services.promote_experiment, gettext("%(experiment)s promoted."))

    def _each(self, request, queryset, service, done: str):
        principal = principal_for_user(request.user)
        for experiment in queryset:
            try:
                service(principal=principal, experiment_id=experiment.pk, source=AuditSource.ADMIN)
                self.message_user(request, done % {"experiment": experiment}, messages.SUCCESS)
            except ServiceValidationError as exc:
                self.message_user(request, f"{experiment}: {exc}", messages.ERROR)
@admin.register(RecommenderSettings)
class RecommenderSettingsAdmin(BrandScopedAdmin):
    """A brand's re-ranking; set by its admins, as ``updateRecommenderSettings``."""

    list_display = ("brand", "rerank_enabled", "rerank_strength", "video_cap", "category_cap", "updated_at")
    list_filter = ("rerank_enabled", "brand")
    search_fields = ("brand__name",)
    change_role = Role.ADMIN
    readonly_fields = ("updated_at",)
