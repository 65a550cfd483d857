"""Versioned recommender models: one training run per row, one active per brand.

A ``RecommenderModel`` is a ``TrainedModel`` with the shared lifecycle (``analytics.trained``): the
fitted estimator is a numpy ``.npz`` artefact (read back with ``allow_pickle=False``) plus its JSON
state; nothing stored is ever unpickled.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from analytics.trained.models import TrainedModel
from marketing.models import BrandScopedQuerySet
from recommendations.fields import IntegerListField


class RecommenderModel(TrainedModel):
    """One trained recommender version of a brand: the estimator's arrays in the artefact, its kind,
    parameters and metadata in ``state``."""

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="recommender_models", verbose_name=_("brand"))
    algorithm = models.CharField(max_length=32, default="hybrid", verbose_name=_("algorithm"))
    state = models.JSONField(default=dict, blank=True, help_text=_("Estimator kind, params and metadata."), verbose_name=_("state"))
    n_videos = models.PositiveIntegerField(default=0, verbose_name=_("videos"))
    n_interactions = models.PositiveIntegerField(default=0, verbose_name=_("interactions"))

    class Meta(TrainedModel.Meta):
        verbose_name = _("recommender model")
        verbose_name_plural = _("recommender models")

    def __str__(self) -> str:
        return f"{self.brand} {self.algorithm} v{self.version} ({self.status}{', active' if self.is_active else ''})"


# --- Served lists, attribution, experiments (recommendations in the loop) --------------------


class Surface(models.TextChoices):
    FEED = "feed", _("Feed (recommendations)")
    SIMILAR = "similar", _("Similar videos")


class Arm(models.TextChoices):
    CONTROL = "control", _("Control")
    CANDIDATE = "candidate", _("Candidate")


class ServedList(models.Model):
    """One list of videos a recommender answered, in order: what a viewer was shown, by which version."""

    request_id = models.CharField(max_length=64, blank=True, verbose_name=_("request ID"))
    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", db_index=False,
                              verbose_name=_("brand"))
    viewer = models.ForeignKey("marketing.Viewer", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               db_index=False, help_text=_("Empty for similar videos asked without a viewer."),
                               verbose_name=_("viewer"))
    model_version = models.PositiveIntegerField(null=True, blank=True,
                                                help_text=_("Empty when no model was active (popularity)."),
                                                verbose_name=_("model version"))
    experiment = models.ForeignKey("recommendations.RecommenderExperiment", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="served_lists", db_index=False,
                                   verbose_name=_("experiment"))
    # NULL, not '': "no experiment" is absent, and metrics group it apart from every arm.
    arm = models.CharField(max_length=16, choices=Arm.choices, null=True, blank=True, verbose_name=_("arm"))  # noqa: DJ001
    surface = models.CharField(max_length=16, choices=Surface.choices, verbose_name=_("surface"))
    video_ids = IntegerListField(help_text=_("The videos served, in order."), verbose_name=_("videos"))
    n_items = models.PositiveSmallIntegerField(verbose_name=_("items"))
    served_at = models.DateTimeField(verbose_name=_("served at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("served list")
        verbose_name_plural = _("served lists")
        constraints = [
            models.CheckConstraint(condition=Q(surface__in=Surface.values), name="servedlist_surface_valid"),
            models.CheckConstraint(condition=Q(arm__isnull=True) | Q(arm__in=Arm.values), name="servedlist_arm_valid"),
            models.CheckConstraint(condition=Q(arm__isnull=True) | Q(experiment__isnull=False),
                                   name="servedlist_arm_has_experiment"),
        ]
        indexes = [
            # attribution: the lists served to a viewer before an interaction; retention and erasure.
            models.Index(fields=["viewer", "served_at"], name="servedlist_viewer_time_idx"),
            # metrics over a period and retention by brand.
            models.Index(fields=["brand", "served_at"], name="servedlist_brand_time_idx"),
            models.Index(fields=["experiment", "viewer"], name="servedlist_experiment_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.surface} list {self.pk} ({self.n_items} videos)"


class ServedAttribution(models.Model):
    """An interaction credited to the earliest list that served its video to its viewer within the window.

    ``interaction_id`` is not a foreign key on purpose: raw-event retention deletes interactions in bulk
    and must not be slowed or blocked by this table; the served list's deletion (retention, erasure)
    removes its attributions.
    """

    interaction_id = models.BigIntegerField(unique=True, verbose_name=_("interaction"))
    served_list = models.ForeignKey(ServedList, on_delete=models.CASCADE, related_name="attributions",
                                    verbose_name=_("served list"))
    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", db_index=False,
                              verbose_name=_("brand"))
    position = models.PositiveSmallIntegerField(help_text=_("0 is the top of the list."), verbose_name=_("position"))
    video_id = models.BigIntegerField(verbose_name=_("video"))
    kind = models.CharField(max_length=16, verbose_name=_("kind"))
    watch_ms = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("watch time (ms)"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("served-list attribution")
        verbose_name_plural = _("served-list attributions")

    def __str__(self) -> str:
        return f"interaction {self.interaction_id} -> list {self.served_list_id} #{self.position}"


class AttributionWatermark(models.Model):
    """How far attribution has read a brand's interactions (by id): each run reads only newer ones."""

    brand = models.OneToOneField("marketing.Brand", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("brand"))
    last_interaction_id = models.BigIntegerField(default=0, verbose_name=_("last interaction"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("attribution watermark")
        verbose_name_plural = _("attribution watermarks")

    def __str__(self) -> str:
        return f"brand {self.brand_id}: interactions up to {self.last_interaction_id}"


class ExperimentStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    STOPPED = "stopped", _("Stopped")
    PROMOTED = "promoted", _("Promoted")


class ExperimentMetric(models.TextChoices):
    """Per-viewer outcomes (the viewer is the unit the split randomises)."""

    ENGAGED_VIEWERS = "engaged_viewers", _("Share of viewers who engaged")
    CONVERTED_VIEWERS = "converted_viewers", _("Share of viewers who converted")
    CTR_PER_VIEWER = "ctr_per_viewer", _("Click-through rate per viewer")
    WATCH_SECONDS_PER_VIEWER = "watch_seconds_per_viewer", _("Watch seconds per viewer")


class Verdict(models.TextChoices):
    NOT_ENOUGH_DATA = "not_enough_data", _("Not enough data")
    NO_DIFFERENCE = "no_difference", _("No difference")
    CANDIDATE_BETTER = "candidate_better", _("Candidate better")
    CANDIDATE_WORSE = "candidate_worse", _("Candidate worse")


class RecommenderExperiment(models.Model):
    """A fixed-horizon A/B test of a candidate version against the control on one surface of a brand."""

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("brand"))
    surface = models.CharField(max_length=16, choices=Surface.choices, default=Surface.FEED,
                               verbose_name=_("surface"))
    control = models.ForeignKey(RecommenderModel, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("control version"))
    candidate = models.ForeignKey(RecommenderModel, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("candidate version"))
    traffic_share = models.FloatField(help_text=_("Share of viewers who get the candidate, between 0 and 1."),
                                      verbose_name=_("traffic share"))
    status = models.CharField(max_length=16, choices=ExperimentStatus.choices, default=ExperimentStatus.RUNNING,
                              verbose_name=_("status"))
    primary_metric = models.CharField(max_length=32, choices=ExperimentMetric.choices,
                                      verbose_name=_("primary metric"))
    guardrail_metrics = models.JSONField(default=list, blank=True, verbose_name=_("guardrail metrics"))
    mde = models.FloatField(help_text=_("Minimum detectable effect: absolute difference of the primary metric."),
                            verbose_name=_("minimum detectable effect"))
    baseline = models.FloatField(help_text=_("The control's current rate (rates) or per-viewer standard deviation "
                                             "(means) that the sample size is computed from."),
                                 verbose_name=_("baseline"))
    alpha = models.FloatField(default=0.05, verbose_name=_("alpha"))
    power = models.FloatField(default=0.8, verbose_name=_("power"))
    required_sample_size = models.PositiveIntegerField(help_text=_("Viewers needed in each arm."),
                                                       verbose_name=_("required sample size"))
    alert_webhook_url = models.URLField(blank=True, verbose_name=_("alert webhook URL"))
    alert_emails = models.TextField(blank=True, help_text=_("Comma-separated addresses alerted on a guardrail "
                                                            "breach."), verbose_name=_("alert e-mails"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    stopped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("stopped at"))
    stop_reason = models.CharField(max_length=200, blank=True, verbose_name=_("stop reason"))
    result = models.JSONField(default=dict, blank=True, help_text=_("The last evaluation."), verbose_name=_("result"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommender experiment")
        verbose_name_plural = _("recommender experiments")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "surface"], condition=Q(status="running"),
                                    name="experiment_one_running_per_surface"),
            models.CheckConstraint(condition=Q(traffic_share__gt=0) & Q(traffic_share__lt=1),
                                   name="experiment_share_between_0_and_1"),
            models.CheckConstraint(condition=~Q(control=models.F("candidate")), name="experiment_two_versions"),
            models.CheckConstraint(condition=Q(status__in=ExperimentStatus.values), name="experiment_status_valid"),
            models.CheckConstraint(condition=Q(surface__in=Surface.values), name="experiment_surface_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.surface}: v{self.control.version} vs v{self.candidate.version}"

    @property
    def alert_email_list(self) -> list[str]:
        return [a.strip() for a in self.alert_emails.split(",") if a.strip()]
class RecommenderSettings(models.Model):
    """A brand's re-ranking of served recommendations (see ``recommendations.reranking``).

    Without a row, or with re-ranking off, lists are served in the model's relevance order; a request's
    ``rerankStrength`` overrides the brand's strength for that request.
    """

    brand = models.OneToOneField("marketing.Brand", on_delete=models.CASCADE, related_name="recommender_settings",
                                 verbose_name=_("brand"))
    rerank_enabled = models.BooleanField(default=False, verbose_name=_("re-ranking on"),
                                         help_text=_("Re-rank served lists for diversity and fair exposure."))
    rerank_strength = models.FloatField(default=0.5, verbose_name=_("re-ranking strength"),
                                        help_text=_("0 = relevance order only, 1 = strongest re-ranking."))
    video_cap = models.FloatField(default=0.005, verbose_name=_("video exposure cap"),
                                  help_text=_("Share of recent served slots above which a video is pushed down."))
    category_cap = models.FloatField(default=0.3, verbose_name=_("category exposure cap"),
                                     help_text=_("Share of recent served slots (and of one list) above which a "
                                                 "category is pushed down."))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommender settings")
        verbose_name_plural = _("recommender settings")
        constraints = [
            models.CheckConstraint(condition=Q(rerank_strength__gte=0.0) & Q(rerank_strength__lte=1.0),
                                   name="recommender_settings_strength_0_1"),
            models.CheckConstraint(condition=Q(video_cap__gt=0.0) & Q(video_cap__lte=1.0),
                                   name="recommender_settings_video_cap_0_1"),
            models.CheckConstraint(condition=Q(category_cap__gt=0.0) & Q(category_cap__lte=1.0),
                                   name="recommender_settings_category_cap_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.brand}: re-ranking {'on' if self.rerank_enabled else 'off'} ({self.rerank_strength:g})"
