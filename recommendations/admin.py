from django import forms
from django.contrib import admin, messages
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics.trained.models import TrainingStatus
from marketing.admin_access import BrandScopedAdmin, caller_may, principal_of, role_action
from marketing.auth import principal_for_user
from marketing.models import AuditSource, Brand, Role
from marketing.services.errors import ServiceValidationError
from recommendations import experiments, services
from recommendations.models import (
    ExperimentMetric,
    RecommenderExperiment,
    RecommenderModel,
    RecommenderSettings,
    Verdict,
)


@admin.register(RecommenderModel)
class RecommenderModelAdmin(BrandScopedAdmin):
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


class StartExperimentForm(forms.ModelForm):
    """Start an experiment from the admin: the fields of ``startExperiment``; the service validates and writes,
    its field errors are shown on the form's fields and nothing is written."""

    guardrail_metrics = forms.MultipleChoiceField(choices=ExperimentMetric.choices, required=False,
                                                  widget=forms.CheckboxSelectMultiple, label=capfirst(_("guardrail metrics")))
    principal = None  # set by the admin

    class Meta:
        model = RecommenderExperiment
        fields = ("brand", "surface", "control", "candidate", "traffic_share", "primary_metric", "guardrail_metrics",
                  "mde", "baseline", "alert_webhook_url", "alert_emails")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = Brand.objects.for_principal(self.principal, min_role=Role.EDITOR)
        ready = RecommenderModel.objects.for_principal(self.principal, min_role=Role.EDITOR).filter(
            status=TrainingStatus.READY).select_related("brand").order_by("brand__name", "-version")
        self.fields["control"].queryset = self.fields["candidate"].queryset = ready

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.instance = experiments.start_experiment(
                principal=self.principal, brand_id=data["brand"].pk, control_id=data["control"].pk,
                candidate_id=data["candidate"].pk, traffic_share=data["traffic_share"],
                primary_metric=data["primary_metric"], mde=data["mde"], baseline=data["baseline"],
                guardrail_metrics=data.get("guardrail_metrics") or [], surface=data["surface"],
                alert_webhook_url=data.get("alert_webhook_url") or "", alert_emails=data.get("alert_emails") or "",
                source=AuditSource.ADMIN)
        except ServiceValidationError as exc:
            for error in exc.errors:
                field = error.field if error.field in self.fields else None
                self.add_error(field, error.message)
        return data

    def _post_clean(self):
        """No model validation here: ``start_experiment`` validates (with the product's messages) and writes."""


@admin.register(RecommenderExperiment)
class RecommenderExperimentAdmin(BrandScopedAdmin):
    """Experiments: started here (or by ``startExperiment``), read, stopped and promoted."""

    list_display = ("brand", "surface", "control", "candidate", "traffic_share", "status", "primary_metric",
                    "required_sample_size", "verdict", "started_at", "stopped_at")
    list_filter = ("status", "surface", "brand")
    search_fields = ("brand__name",)
    actions = ["stop", "promote"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in RecommenderExperiment._meta.fields] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        return type("StartExperimentFormFor", (StartExperimentForm,), {"principal": principal_of(request)})

    def has_add_permission(self, request):
        return caller_may(request, Role.EDITOR) and request.user.has_perm("recommendations.change_recommenderexperiment")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        # a new experiment was written by the service in the form's clean()

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

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
