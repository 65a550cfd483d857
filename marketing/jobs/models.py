from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketing.models import Brand, BrandScopedQuerySet


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """A long-running piece of work started through the API; its Celery task reports progress here."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("brand"))
    kind = models.CharField(max_length=64, help_text=_("What the job does, e.g. personas.train."), verbose_name=_("kind"))
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, verbose_name=_("status"))
    progress = models.FloatField(default=0.0, help_text=_("0 to 1."), verbose_name=_("progress"))
    message = models.CharField(max_length=300, blank=True, verbose_name=_("message"))
    params = models.JSONField(default=dict, blank=True, verbose_name=_("parameters"))
    result = models.JSONField(null=True, blank=True, verbose_name=_("result"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    task_id = models.CharField(max_length=64, blank=True, verbose_name=_("task ID"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="job_progress_range"),
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="job_status_valid"),
        ]
        indexes = [models.Index(fields=["brand", "kind", "-created_at"], name="job_brand_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
