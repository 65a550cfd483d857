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
from django.utils.translation import gettext_lazy as _

from marketing.models import BrandScopedQuerySet, Campaign, Viewer


class PersonaModelStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    TRAINING = "training", _("Training")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class PersonaModel(models.Model):
    """One versioned clustering of a brand's viewers (MiniBatchKMeans over persona features)."""

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="persona_models", verbose_name=_("brand"))
    version = models.PositiveIntegerField(help_text=_("1, 2, 3… per brand, in training order."), verbose_name=_("version"))
    status = models.CharField(max_length=16, choices=PersonaModelStatus.choices, default=PersonaModelStatus.QUEUED, verbose_name=_("status"))
    is_active = models.BooleanField(default=False, help_text=_("The model used to assign and report personas."), verbose_name=_("active"))
    params = models.JSONField(default=dict, blank=True, help_text=_("k or k range, random_state, SVD size, window."), verbose_name=_("parameters"))
    window_start = models.DateTimeField(null=True, blank=True, help_text=_("Interactions from (inclusive)."), verbose_name=_("window start"))
    window_end = models.DateTimeField(null=True, blank=True, help_text=_("Interactions before (exclusive)."), verbose_name=_("window end"))
    k = models.PositiveIntegerField(null=True, blank=True, help_text=_("Personas after merging small clusters."), verbose_name=_("k"))
    n_viewers = models.PositiveIntegerField(default=0, verbose_name=_("viewers"))
    metrics = models.JSONField(default=dict, blank=True, help_text=_("silhouette, inertia, sizes, k search scores."), verbose_name=_("metrics"))
    feature_spec = models.JSONField(default=dict, blank=True, help_text=_("Vocabularies and block layout (JSON)."), verbose_name=_("feature spec"))
    artefacts = models.BinaryField(null=True, blank=True, editable=False, help_text=_("numpy .npz, no pickles."), verbose_name=_("artefacts"))
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
        verbose_name = _("persona model")
        verbose_name_plural = _("persona models")
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

    model = models.ForeignKey(PersonaModel, on_delete=models.CASCADE, related_name="personas", verbose_name=_("model"))
    index = models.PositiveIntegerField(help_text=_("Cluster index within the model (0..k-1)."), verbose_name=_("index"))
    label = models.CharField(max_length=300, verbose_name=_("label"))
    size = models.PositiveIntegerField(help_text=_("Viewers assigned at training time."), verbose_name=_("size"))
    share = models.FloatField(help_text=_("size / viewers in the model, 0 to 1."), verbose_name=_("share"))
    profile = models.JSONField(default=dict, help_text=_("top_tags, demographics, engagement, sample_videos."), verbose_name=_("profile"))
    tag_affinity = models.JSONField(default=dict, help_text=_("tag name -> mean TF-IDF weight (for cosine)."), verbose_name=_("tag affinity"))

    objects = PersonaQuerySet.as_manager()

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("personas")
        ordering = ["model", "-size", "index"]
        constraints = [
            models.UniqueConstraint(fields=["model", "index"], name="persona_unique_model_index"),
            models.CheckConstraint(condition=Q(share__gte=0) & Q(share__lte=1), name="persona_share_range"),
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The label in the active language (built again from the profile; ``label`` stores the English one)."""
        from analytics.personas.profiles import localized_label

        return localized_label(self.label, self.profile)


class PersonaAssignmentQuerySet(BrandScopedQuerySet):
    brand_path = "model__brand"


class PersonaAssignment(models.Model):
    """Viewer -> persona of one model; written in bulk at training and by assign_new_viewers."""

    model = models.ForeignKey(PersonaModel, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("model"))
    viewer = models.ForeignKey(Viewer, on_delete=models.CASCADE, related_name="persona_assignments", verbose_name=_("viewer"))
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("persona"))
    assigned_at = models.DateTimeField(auto_now_add=True, verbose_name=_("assigned at"))

    objects = PersonaAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("persona assignment")
        verbose_name_plural = _("persona assignments")
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

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="target_personas", verbose_name=_("campaign"))
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="targeted_by", verbose_name=_("persona"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = CampaignTargetPersonaQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign target persona")
        verbose_name_plural = _("campaign target personas")
        ordering = ["campaign", "persona"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "persona"], name="campaigntargetpersona_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} -> {self.persona}"
