# Drops the four single-column foreign-key indexes of marketing_interaction. Each duplicates the leading
# column of a composite index that stays: brand_id -> interaction_unique_brand_event and
# interaction_brand_time_idx; viewer_id, video_id, campaign_id -> interaction_{viewer,video,campaign}_time_idx.
# Every ingested row paid an insertion into each of them.
#
# Only the indexes change: Django's AlterField(db_index=False) would also drop and re-add (re-validate) the
# foreign keys, a full scan of the table under lock. On PostgreSQL the indexes are dropped CONCURRENTLY, so
# ingest and reads go on meanwhile (hence atomic = False).

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {  # name -> column, as created by 0001_initial
    "marketing_interaction_brand_id_c3d93100": "brand_id",
    "marketing_interaction_campaign_id_716386aa": "campaign_id",
    "marketing_interaction_video_id_369d61f9": "video_id",
    "marketing_interaction_viewer_id_0ee89624": "viewer_id",
}


def drop_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX {concurrently}IF EXISTS "{name}"')


def create_indexes(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, column in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX {concurrently}IF NOT EXISTS "{name}" ON "marketing_interaction" ("{column}")')


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('marketing', '0004_audit_entry'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='interaction',
                    name='brand',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='interactions', to='marketing.brand'),
                ),
                migrations.AlterField(
                    model_name='interaction',
                    name='campaign',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='interactions', to='marketing.campaign'),
                ),
                migrations.AlterField(
                    model_name='interaction',
                    name='video',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='interactions', to='marketing.video'),
                ),
                migrations.AlterField(
                    model_name='interaction',
                    name='viewer',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='interactions', to='marketing.viewer'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
