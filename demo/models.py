"""The demo world's planted truth: which hidden segment each demo viewer was drawn from.

``seed_demo`` writes it next to the world and the demo's tests check the world against it; the product never
reads it (personas are trained from interactions alone). Superusers see it read-only in the admin.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from marketing.models import Viewer


class DemoSegment(models.Model):
    """A hidden audience segment of the synthetic demo world: the truth personas should recover."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    tag_affinity = models.JSONField(default=dict, help_text=_("tag -> affinity weight"), verbose_name=_("tag affinity"))
    demographics = models.JSONField(default=dict, help_text=_("attribute -> value -> share"), verbose_name=_("demographics"))

    class Meta:
        verbose_name = _("demo segment")
        verbose_name_plural = _("demo segments")

    def __str__(self) -> str:
        return self.name


class DemoViewerSegment(models.Model):
    viewer = models.OneToOneField(Viewer, on_delete=models.CASCADE, related_name="demo_segment", verbose_name=_("viewer"))
    segment = models.ForeignKey(DemoSegment, on_delete=models.CASCADE, related_name="viewers", verbose_name=_("segment"))

    class Meta:
        verbose_name = _("demo viewer segment")
        verbose_name_plural = _("demo viewer segments")

    def __str__(self) -> str:
        return f"{self.viewer_id} -> {self.segment}"
