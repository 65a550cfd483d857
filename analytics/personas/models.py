"""Viewer personas: versioned clusterings of a brand's audience, their profiles and assignments.

A ``PersonaModel`` is one training run (one version per brand), a ``TrainedModel`` with the shared
lifecycle (``analytics.trained``). Its fitted arrays (scaler statistics, IDF weights, SVD components,
centroids) are one ``.npz`` artefact and its vocabularies are JSON (``feature_spec``), never a pickle,
so serving can assign new viewers without retraining and without executing stored code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from analytics.trained.models import TrainedModel
from marketing.models import BrandScopedQuerySet, Campaign, Viewer


class PersonaModel(TrainedModel):
    """One versioned clustering of a brand's viewers (MiniBatchKMeans over persona features)."""

    job_id_param = "persona_model_id"

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="persona_models", verbose_name=_("brand"))
    k = models.PositiveIntegerField(null=True, blank=True, help_text=_("Personas after merging small clusters."), verbose_name=_("k"))
    feature_spec = models.JSONField(default=dict, blank=True, help_text=_("Vocabularies and block layout (JSON)."), verbose_name=_("feature spec"))

    class Meta(TrainedModel.Meta):
        verbose_name = _("persona model")
        verbose_name_plural = _("persona models")

    def __str__(self) -> str:
        return f"{self.brand} personas v{self.version} ({self.status}{', active' if self.is_active else ''})"


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
