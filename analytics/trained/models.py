"""The abstract row of one training run, shared by ``PersonaModel`` and ``RecommenderModel``.

Lifecycle: a version is created ``queued`` (1, 2, 3… per brand), a worker moves it to ``training``,
then to ``ready`` or ``failed``. At most one version per brand is active, and only a ready one
(database constraints, named per concrete model). The fitted arrays live in one ``.npz`` file in the
model-artefact storage (see ``analytics.trained.artefacts``); what describes them is JSON on the row.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketing.models import BrandScopedQuerySet


class TrainingStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    TRAINING = "training", _("Training")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ArtefactStorage(Storage):
    """The storage alias ``settings.MODEL_ARTEFACT_STORAGE`` (a key of ``STORAGES``), looked up at each
    call, so every host of a deployment can point at one shared store (an S3-compatible bucket, an
    NFS mount) without a migration, and nothing is resolved while models are imported."""

    @staticmethod
    def target() -> Storage:
        return storages[settings.MODEL_ARTEFACT_STORAGE]


def _delegate(name: str):
    def method(self, *args, **kwargs):
        return getattr(self.target(), name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in ("open", "save", "get_valid_name", "get_alternative_name", "get_available_name", "generate_filename",
              "path", "delete", "exists", "listdir", "size", "url", "get_accessed_time", "get_created_time",
              "get_modified_time"):
    setattr(ArtefactStorage, _name, _delegate(_name))

artefact_storage = ArtefactStorage()


def get_artefact_storage() -> Storage:
    """Storage of the ``artefact`` file fields (a callable, so migrations do not freeze the alias)."""
    return artefact_storage


def artefact_upload_to(instance: TrainedModel, filename: str) -> str:
    """``<app label>/brand-<id>/v<version>.npz``; the storage adds a suffix if the name is taken."""
    return f"{instance._meta.app_label}/brand-{instance.brand_id}/v{instance.version}.npz"


class TrainedModel(models.Model):
    """One training run of a brand's model. Concrete models declare ``brand`` (their related name)
    and the fields that describe their own artefact; ``job_id_param`` names the model id in the
    job's parameters and the training task's keyword arguments."""

    job_id_param: ClassVar[str] = "model_id"

    version = models.PositiveIntegerField(help_text=_("1, 2, 3… per brand, in training order."), verbose_name=_("version"))
    status = models.CharField(max_length=16, choices=TrainingStatus.choices, default=TrainingStatus.QUEUED,
                              verbose_name=_("status"))
    is_active = models.BooleanField(default=False, help_text=_("The version in use; at most one per brand."),
                                    verbose_name=_("active"))
    params = models.JSONField(default=dict, blank=True, help_text=_("Parameters of the training run."),
                              verbose_name=_("parameters"))
    window_start = models.DateTimeField(null=True, blank=True, help_text=_("Interactions from (inclusive)."),
                                        verbose_name=_("window start"))
    window_end = models.DateTimeField(null=True, blank=True, help_text=_("Interactions before (exclusive)."),
                                      verbose_name=_("window end"))
    n_viewers = models.PositiveIntegerField(default=0, verbose_name=_("viewers"))
    metrics = models.JSONField(default=dict, blank=True, help_text=_("How good this version is (evaluation, sizes)."),
                               verbose_name=_("metrics"))
    artefact = models.FileField(upload_to=artefact_upload_to, storage=get_artefact_storage, blank=True,
                                help_text=_("numpy .npz, no pickles."), verbose_name=_("artefact"))
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
        abstract = True
        ordering = ["brand", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "version"], name="%(class)s_unique_brand_version"),
            models.UniqueConstraint(fields=["brand"], condition=Q(is_active=True), name="%(class)s_one_active_per_brand"),
            models.CheckConstraint(condition=Q(is_active=False) | Q(status=TrainingStatus.READY),
                                   name="%(class)s_active_is_ready"),
            models.CheckConstraint(condition=Q(status__in=TrainingStatus.values), name="%(class)s_status_valid"),
        ]
