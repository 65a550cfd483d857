"""PostgreSQL: per-table autovacuum of the rollup tables (docs/operator/postgresql.md gives the reasons).

The rollups are rewritten in place by every delta (``INSERT ... ON CONFLICT DO UPDATE``) and by every
rebuild (delete + insert of a slice), so they collect dead rows all day; at the default scale factor (20%
of the table) a large rollup table waits for millions of dead rows before a vacuum, and reads slow down
in between. The queues (pending rollups, stale blocks) are small tables emptied continuously: vacuum
them after a fixed number of dead rows, whatever their size. SQLite: nothing to do.
"""

from django.db import migrations

ROLLUPS = ("analytics_dailyrollup", "analytics_dailyviewerrollup", "analytics_dailyreach",
           "analytics_videoreachblock")
QUEUES = ("analytics_pendingrollup", "analytics_stalereachblock")
ROLLUP_STORAGE = ("autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 5000, "
                  "autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 1000")
QUEUE_STORAGE = "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000"
RESET = ("autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor, "
         "autovacuum_vacuum_cost_limit")


def set_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ROLLUPS:
        schema_editor.execute(f"ALTER TABLE {table} SET ({ROLLUP_STORAGE})")
    for table in QUEUES:
        schema_editor.execute(f"ALTER TABLE {table} SET ({QUEUE_STORAGE})")


def reset_storage(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ROLLUPS + QUEUES:
        schema_editor.execute(f"ALTER TABLE {table} RESET ({RESET})")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0019_merged_field_names")]

    operations = [migrations.RunPython(set_storage, reset_storage)]
