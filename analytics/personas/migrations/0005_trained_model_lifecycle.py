"""PersonaModel joins the shared trained-model lifecycle: its artefact moves from a BinaryField blob
to an ``.npz`` file in the model-artefact storage (``settings.MODEL_ARTEFACT_STORAGE``).

Stored blobs are already ``.npz`` archives written without pickles: each is checked to load with
``allow_pickle=False`` and written to storage byte for byte (the arrays stay exactly as trained). A
blob that only loads with pickles is not converted: that version is marked failed (and inactive)
with an error asking for a retrain, since unpickling it could run stored code.
"""

import io

import numpy as np
from django.core.files.base import ContentFile
from django.db import migrations, models

import analytics.trained.models

PICKLED_ERROR = ("The stored artefact holds pickled arrays and was not converted; train a new version "
                 "(the active model was switched off).")


def blob_to_file(row) -> bool:
    """Move one row's ``artefacts`` blob to its ``artefact`` file; False when it had to be given up."""
    data = bytes(row.artefacts or b"")
    if not data:
        return True
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            for name in npz.files:
                npz[name]
    except ValueError:
        row.status, row.is_active, row.error = "failed", False, PICKLED_ERROR
        row.save(update_fields=["status", "is_active", "error"])
        return False
    row.artefact.save("artefact.npz", ContentFile(data), save=False)
    row.save(update_fields=["artefact"])
    return True


def artefacts_to_files(apps, schema_editor):
    PersonaModel = apps.get_model("personas", "PersonaModel")
    for row in PersonaModel.objects.exclude(artefacts=None).order_by("pk").iterator(chunk_size=20):
        blob_to_file(row)


def files_to_artefacts(apps, schema_editor):
    PersonaModel = apps.get_model("personas", "PersonaModel")
    for row in PersonaModel.objects.exclude(artefact="").order_by("pk").iterator(chunk_size=20):
        with row.artefact.open("rb") as handle:
            row.artefacts = handle.read()
        row.save(update_fields=["artefacts"])


class Migration(migrations.Migration):

    dependencies = [
        ('personas', '0004_translatable_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='personamodel',
            name='artefact',
            field=models.FileField(blank=True, help_text='numpy .npz, no pickles.', storage=analytics.trained.models.get_artefact_storage, upload_to=analytics.trained.models.artefact_upload_to, verbose_name='artefact'),
        ),
        migrations.RunPython(artefacts_to_files, files_to_artefacts),
        migrations.RemoveField(
            model_name='personamodel',
            name='artefacts',
        ),
        migrations.AlterField(
            model_name='personamodel',
            name='is_active',
            field=models.BooleanField(default=False, help_text='The version in use; at most one per brand.', verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='personamodel',
            name='metrics',
            field=models.JSONField(blank=True, default=dict, help_text='How good this version is (evaluation, sizes).', verbose_name='metrics'),
        ),
        migrations.AlterField(
            model_name='personamodel',
            name='params',
            field=models.JSONField(blank=True, default=dict, help_text='Parameters of the training run.', verbose_name='parameters'),
        ),
    ]
