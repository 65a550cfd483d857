"""RecommenderModel joins the shared trained-model lifecycle (``analytics.trained``): constraints named
after the model like every trained model's, artefacts in the model-artefact storage.

Existing artefacts are already ``.npz`` files (no pickles) in the default storage. When
``MODEL_ARTEFACT_STORAGE`` names another alias, each file is copied there under the same name.
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import migrations, models

import analytics.trained.models


def copy_to_artefact_storage(apps, schema_editor):
    if settings.MODEL_ARTEFACT_STORAGE == "default":
        return
    source, target = storages["default"], storages[settings.MODEL_ARTEFACT_STORAGE]
    RecommenderModel = apps.get_model("recommendations", "RecommenderModel")
    for row in RecommenderModel.objects.exclude(artefact="").order_by("pk").iterator(chunk_size=100):
        name = row.artefact.name
        if target.exists(name) or not source.exists(name):
            continue
        with source.open(name, "rb") as handle:
            saved = target.save(name, handle)
        if saved != name:
            RecommenderModel.objects.filter(pk=row.pk).update(artefact=saved)


class Migration(migrations.Migration):

    dependencies = [
        ('marketing', '0015_merge_20261205_0826'),
        ('recommendations', '0006_merge_20261205_0826'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='recommendermodel',
            name='recommender_unique_brand_version',
        ),
        migrations.RemoveConstraint(
            model_name='recommendermodel',
            name='recommender_one_active_per_brand',
        ),
        migrations.RemoveConstraint(
            model_name='recommendermodel',
            name='recommender_active_is_ready',
        ),
        migrations.RemoveConstraint(
            model_name='recommendermodel',
            name='recommender_status_valid',
        ),
        migrations.AlterField(
            model_name='recommendermodel',
            name='artefact',
            field=models.FileField(blank=True, help_text='numpy .npz, no pickles.', storage=analytics.trained.models.get_artefact_storage, upload_to=analytics.trained.models.artefact_upload_to, verbose_name='artefact'),
        ),
        migrations.AlterField(
            model_name='recommendermodel',
            name='is_active',
            field=models.BooleanField(default=False, help_text='The version in use; at most one per brand.', verbose_name='active'),
        ),
        migrations.AlterField(
            model_name='recommendermodel',
            name='metrics',
            field=models.JSONField(blank=True, default=dict, help_text='How good this version is (evaluation, sizes).', verbose_name='metrics'),
        ),
        migrations.AlterField(
            model_name='recommendermodel',
            name='params',
            field=models.JSONField(blank=True, default=dict, help_text='Parameters of the training run.', verbose_name='parameters'),
        ),
        migrations.AlterField(
            model_name='recommendermodel',
            name='window_end',
            field=models.DateTimeField(blank=True, help_text='Interactions before (exclusive).', null=True, verbose_name='window end'),
        ),
        migrations.AlterField(
            model_name='recommendermodel',
            name='window_start',
            field=models.DateTimeField(blank=True, help_text='Interactions from (inclusive).', null=True, verbose_name='window start'),
        ),
        migrations.RunPython(copy_to_artefact_storage, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='recommendermodel',
            constraint=models.UniqueConstraint(fields=('brand', 'version'), name='recommendermodel_unique_brand_version'),
        ),
        migrations.AddConstraint(
            model_name='recommendermodel',
            constraint=models.UniqueConstraint(condition=models.Q(('is_active', True)), fields=('brand',), name='recommendermodel_one_active_per_brand'),
        ),
        migrations.AddConstraint(
            model_name='recommendermodel',
            constraint=models.CheckConstraint(condition=models.Q(('is_active', False), ('status', 'ready'), _connector='OR'), name='recommendermodel_active_is_ready'),
        ),
        migrations.AddConstraint(
            model_name='recommendermodel',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['queued', 'training', 'ready', 'failed'])), name='recommendermodel_status_valid'),
        ),
    ]
