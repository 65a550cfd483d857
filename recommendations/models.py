"""Versioned recommender models: one training run per row, one active per brand.

The fitted estimator is stored as a numpy ``.npz`` file in Django storage (read back with
``allow_pickle=False``) plus its JSON state; nothing stored is ever unpickled.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketing.models import BrandScopedQuerySet


class RecommenderStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    TRAINING = "training", _("Training")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class RecommenderModel(models.Model):
    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="recommender_models", verbose_name=_("brand"))
    version = models.PositiveIntegerField(help_text=_("1, 2, 3… per brand, in training order."), verbose_name=_("version"))
    algorithm = models.CharField(max_length=32, default="hybrid", verbose_name=_("algorithm"))
    status = models.CharField(max_length=16, choices=RecommenderStatus.choices, default=RecommenderStatus.QUEUED, verbose_name=_("status"))
    is_active = models.BooleanField(default=False, help_text=_("The model that serves recommendations."), verbose_name=_("active"))
    params = models.JSONField(default=dict, blank=True, verbose_name=_("parameters"))
    window_start = models.DateTimeField(null=True, blank=True, verbose_name=_("window start"))
    window_end = models.DateTimeField(null=True, blank=True, verbose_name=_("window end"))
    metrics = models.JSONField(default=dict, blank=True, help_text=_("Held-out evaluation of this version."), verbose_name=_("metrics"))
    state = models.JSONField(default=dict, blank=True, help_text=_("Estimator kind, params and metadata."), verbose_name=_("state"))
    artefact = models.FileField(upload_to="recommenders/", blank=True, help_text=_("numpy .npz, no pickles."), verbose_name=_("artefact"))
    n_viewers = models.PositiveIntegerField(default=0, verbose_name=_("viewers"))
    n_videos = models.PositiveIntegerField(default=0, verbose_name=_("videos"))
    n_interactions = models.PositiveIntegerField(default=0, verbose_name=_("interactions"))
    training_seconds = models.FloatField(null=True, blank=True, verbose_name=_("training seconds"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    trained_at = models.DateTimeField(null=True, blank=True, verbose_name=_("trained at"))
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("activated at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommender model")
        verbose_name_plural = _("recommender models")
        ordering = ["brand", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "version"], name="recommender_unique_brand_version"),
            models.UniqueConstraint(
                fields=["brand"], condition=Q(is_active=True), name="recommender_one_active_per_brand"
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(status=RecommenderStatus.READY), name="recommender_active_is_ready"
            ),
            models.CheckConstraint(condition=Q(status__in=RecommenderStatus.values), name="recommender_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.algorithm} v{self.version} ({self.status}{', active' if self.is_active else ''})"


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
