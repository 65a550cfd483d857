"""Versioned recommender models: one training run per row, one active per brand.

The fitted estimator is stored as a numpy ``.npz`` file in Django storage (read back with
``allow_pickle=False``) plus its JSON state; nothing stored is ever unpickled.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from marketing.models import BrandScopedQuerySet


class RecommenderStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class RecommenderModel(models.Model):
    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="recommender_models")
    version = models.PositiveIntegerField(help_text="1, 2, 3… per brand, in training order.")
    algorithm = models.CharField(max_length=32, default="hybrid")
    status = models.CharField(max_length=16, choices=RecommenderStatus.choices, default=RecommenderStatus.QUEUED)
    is_active = models.BooleanField(default=False, help_text="The model that serves recommendations.")
    params = models.JSONField(default=dict, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True, help_text="Held-out evaluation of this version.")
    state = models.JSONField(default=dict, blank=True, help_text="Estimator kind, params and metadata.")
    artefact = models.FileField(upload_to="recommenders/", blank=True, help_text="numpy .npz, no pickles.")
    n_viewers = models.PositiveIntegerField(default=0)
    n_videos = models.PositiveIntegerField(default=0)
    n_interactions = models.PositiveIntegerField(default=0)
    training_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    trained_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
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
