"""Viewer personas: versioned clusterings of a brand's audience, their profiles and assignments.

A ``PersonaModel`` is one training run (one version per brand). Its fitted artefacts (feature
vocabularies, scaler statistics, IDF weights, SVD components, centroids) are stored as a numpy
``.npz`` blob loaded with ``allow_pickle=False`` plus JSON, never as a pickle, so serving can
assign new viewers without retraining and without executing stored code.
"""

from __future__ import annotations

import io

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import Q

from marketing.models import BrandScopedQuerySet, Campaign, Viewer


class PersonaModelStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class PersonaModel(models.Model):
    """One versioned clustering of a brand's viewers (MiniBatchKMeans over persona features)."""

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="persona_models")
    version = models.PositiveIntegerField(help_text="1, 2, 3… per brand, in training order.")
    status = models.CharField(max_length=16, choices=PersonaModelStatus.choices, default=PersonaModelStatus.QUEUED)
    is_active = models.BooleanField(default=False, help_text="The model used to assign and report personas.")
    params = models.JSONField(default=dict, blank=True, help_text="k or k range, random_state, SVD size, window.")
    window_start = models.DateTimeField(null=True, blank=True, help_text="Interactions from (inclusive).")
    window_end = models.DateTimeField(null=True, blank=True, help_text="Interactions before (exclusive).")
    k = models.PositiveIntegerField(null=True, blank=True, help_text="Personas after merging small clusters.")
    n_viewers = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True, help_text="silhouette, inertia, sizes, k search scores.")
    feature_spec = models.JSONField(default=dict, blank=True, help_text="Vocabularies and block layout (JSON).")
    artefacts = models.BinaryField(null=True, blank=True, editable=False, help_text="numpy .npz, no pickles.")
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
            models.UniqueConstraint(fields=["brand", "version"], name="personamodel_unique_brand_version"),
            models.UniqueConstraint(
                fields=["brand"], condition=Q(is_active=True), name="personamodel_one_active_per_brand"
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(status=PersonaModelStatus.READY),
                name="personamodel_active_is_ready",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PersonaModelStatus.values), name="personamodel_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} personas v{self.version} ({self.status}{', active' if self.is_active else ''})"

    # Arrays are stored with np.savez and read back with allow_pickle=False: data, never code.
    def set_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        self.artefacts = buffer.getvalue()

    def get_arrays(self) -> dict[str, np.ndarray]:
        if not self.artefacts:
            return {}
        with np.load(io.BytesIO(bytes(self.artefacts)), allow_pickle=False) as data:
            return {name: data[name] for name in data.files}


class PersonaQuerySet(BrandScopedQuerySet):
    brand_path = "model__brand"


class Persona(models.Model):
    """A cluster of viewers with a stored, privacy-safe profile computed at training time."""

    model = models.ForeignKey(PersonaModel, on_delete=models.CASCADE, related_name="personas")
    index = models.PositiveIntegerField(help_text="Cluster index within the model (0..k-1).")
    label = models.CharField(max_length=300)
    size = models.PositiveIntegerField(help_text="Viewers assigned at training time.")
    share = models.FloatField(help_text="size / viewers in the model, 0 to 1.")
    profile = models.JSONField(default=dict, help_text="top_tags, demographics, engagement, sample_videos.")
    tag_affinity = models.JSONField(default=dict, help_text="tag name -> mean TF-IDF weight (for cosine).")

    objects = PersonaQuerySet.as_manager()

    class Meta:
        ordering = ["model", "-size", "index"]
        constraints = [
            models.UniqueConstraint(fields=["model", "index"], name="persona_unique_model_index"),
            models.CheckConstraint(condition=Q(share__gte=0) & Q(share__lte=1), name="persona_share_range"),
        ]

    def __str__(self) -> str:
        return self.label


class PersonaAssignmentQuerySet(BrandScopedQuerySet):
    brand_path = "model__brand"


class PersonaAssignment(models.Model):
    """Viewer -> persona of one model; written in bulk at training and by assign_new_viewers."""

    model = models.ForeignKey(PersonaModel, on_delete=models.CASCADE, related_name="assignments")
    viewer = models.ForeignKey(Viewer, on_delete=models.CASCADE, related_name="persona_assignments")
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)

    objects = PersonaAssignmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "viewer"], name="personaassignment_unique_model_viewer"),
        ]
        indexes = [models.Index(fields=["persona", "viewer"], name="persona_assign_persona_idx")]

    def __str__(self) -> str:
        return f"{self.viewer_id} -> {self.persona_id}"


class CampaignTargetPersonaQuerySet(BrandScopedQuerySet):
    brand_path = "campaign__brand"


class CampaignTargetPersona(models.Model):
    """A persona a campaign is meant to reach (set through campaign_target_personas_set)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="target_personas")
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="targeted_by")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignTargetPersonaQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "persona"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "persona"], name="campaigntargetpersona_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} -> {self.persona}"
