"""Monthly partitions of the interactions table (PostgreSQL) and the conversion of a plain table."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import IntegrityError
from django.utils import timezone

from marketing import partitioning
from marketing.models import Interaction, InteractionEventKey
from marketing.tasks import create_interaction_partitions
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'",
                                   reason="needs DATABASE_URL on PostgreSQL: partitions are a PostgreSQL feature")


def scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def at(year: int, month: int, day: int = 15) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_month_arithmetic_and_names():
    assert partitioning.add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert partitioning.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert partitioning.partition_name(date(2027, 2, 1)) == "marketing_interaction_p2027_02"


def test_an_event_id_is_stored_once_per_brand_through_the_model_too(brand):
    InteractionFactory(brand=brand, event_id="e-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        InteractionFactory(brand=brand, event_id="e-1")
    assert list(InteractionEventKey.objects.filter(brand=brand).values_list("event_id", flat=True)) == ["e-1"]
    assert Interaction.objects.filter(brand=brand).count() == 1


@pytest.mark.embedded
def test_sqlite_has_no_partitions_and_the_helpers_do_nothing():
    assert partitioning.is_partitioned() is False
    assert partitioning.ensure_partitions() == []
    assert partitioning.droppable_partitions(timezone.now()) == []
    assert create_interaction_partitions() == []
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("partition_interactions")


@postgres_only
def test_a_new_database_has_the_month_partitions_ahead_and_a_default(settings):
    assert partitioning.is_partitioned()
    names = [p.name for p in partitioning.partitions()]
    assert names[-1] == "marketing_interaction_default"
    first = partitioning.month_start(timezone.now().astimezone(UTC))
    expected = [partitioning.partition_name(partitioning.add_months(first, k))
                for k in range(settings.INTERACTION_PARTITIONS_AHEAD_MONTHS + 1)]
    assert set(expected) <= set(names)
    # the primary key includes the partition column; the per-partition indexes are the declared ones
    assert scalar("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                  "'marketing_interaction'::regclass AND contype = 'p'") == "PRIMARY KEY (id, occurred_at)"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = "
                       "'marketing_interaction'::regclass AND NOT indisprimary ORDER BY 1")
        assert [name for (name,) in cursor.fetchall()] == sorted(partitioning.INDEXES)
    assert scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = 'marketing_interaction'::regclass "
                  "AND contype = 'u'") == 0


@postgres_only
def test_rows_of_a_month_without_partition_wait_in_the_default_and_move_when_it_is_created(brand):
    far = at(2031, 5)
    InteractionFactory(brand=brand, event_id="far", occurred_at=far)
    assert scalar("SELECT count(*) FROM marketing_interaction_default") == 1
    created = partitioning.ensure_partitions(ahead=0, now=far)
    assert created == ["marketing_interaction_p2031_05"]
    assert scalar("SELECT count(*) FROM marketing_interaction_default") == 0
    assert scalar("SELECT count(*) FROM marketing_interaction_p2031_05") == 1
    assert list(Interaction.objects.filter(brand=brand).values_list("event_id", "occurred_at")) == [("far", far)]
    assert partitioning.ensure_partitions(ahead=0, now=far) == []  # idempotent
    storage = scalar("SELECT reloptions FROM pg_class WHERE relname = 'marketing_interaction_p2031_05'")
    assert "autovacuum_vacuum_insert_scale_factor=0.05" in storage


@postgres_only
def test_the_beat_task_creates_the_months_ahead(settings):
    settings.INTERACTION_PARTITIONS_AHEAD_MONTHS = 7
    first = partitioning.month_start(timezone.now().astimezone(UTC))
    missing = [partitioning.partition_name(partitioning.add_months(first, k)) for k in (4, 5, 6, 7)]
    assert not set(missing) & {p.name for p in partitioning.partitions()}
    assert create_interaction_partitions() == missing


@postgres_only
def test_droppable_partitions_end_before_the_horizon_and_drop_removes_only_their_rows(brand):
    for month in (1, 2, 3):
        partitioning.create_month_partition(date(2020, month, 1))
        InteractionFactory(brand=brand, event_id=f"m{month}", occurred_at=at(2020, month))
    InteractionFactory(brand=brand, event_id="last-instant", occurred_at=datetime(2020, 2, 29, 23, 59, tzinfo=UTC))
    horizon = datetime(2020, 3, 1, tzinfo=UTC)
    assert partitioning.droppable_partitions(horizon) == ["marketing_interaction_p2020_01",
                                                          "marketing_interaction_p2020_02"]
    assert partitioning.droppable_partitions(datetime(2020, 2, 29, tzinfo=UTC)) == ["marketing_interaction_p2020_01"]
    with connection.cursor() as cursor:  # the test's inserts are in the same transaction: check their keys now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    partitioning.drop_partition("marketing_interaction_p2020_01")
    assert sorted(Interaction.objects.filter(brand=brand).values_list("event_id", flat=True)) == [
        "last-instant", "m2", "m3"]
    assert "marketing_interaction_p2020_01" not in {p.name for p in partitioning.partitions()}
    # the keys stay: a redelivery of a dropped event is not stored again
    assert InteractionEventKey.objects.filter(brand=brand, event_id="m1").exists()
    for name in ("marketing_interaction_default", "marketing_interaction_p2020_01", "marketing_viewer"):
        with pytest.raises(ValueError, match="not a month partition"):
            partitioning.drop_partition(name)
    with pytest.raises(ValueError, match="aware"):
        partitioning.droppable_partitions(datetime(2020, 3, 1))


@postgres_only
def test_the_command_leaves_a_partitioned_table_alone(capsys):
    call_command("partition_interactions")
    assert "already partitioned" in capsys.readouterr().out


SCRATCH = "scratch_interaction"
COLUMNS = "id, brand_id, event_id, viewer_id, video_id, campaign_id, kind, occurred_at"


def scratch_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM {table} ORDER BY id")
        return cursor.fetchall()


@postgres_only
def test_a_plain_table_converts_in_resumable_batches_with_changes_during_the_copy(brand):
    """A plain table shaped like the old interactions table is converted: a first run stopped after one
    batch (a kill), rows inserted, deleted and updated meanwhile, then resumed and swapped."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {SCRATCH} (LIKE marketing_interaction INCLUDING DEFAULTS "
                       "INCLUDING IDENTITY INCLUDING CONSTRAINTS)")  # the old shape: its own keys
        cursor.execute(f"ALTER TABLE {SCRATCH} ADD PRIMARY KEY (id), ADD UNIQUE (brand_id, event_id)")
    made = [InteractionFactory.build(brand=brand, event_id=f"s{k}", occurred_at=at(2025, 1 + k % 3, 1 + k))
            for k in range(7)]
    viewer, video = InteractionFactory(brand=brand).viewer, InteractionFactory(brand=brand).video

    def insert(event_id: str, when: datetime) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {SCRATCH} (brand_id, event_id, viewer_id, video_id, kind, currency, "
                           f"occurred_at, ingested_at) VALUES (%s, %s, %s, %s, 'impression', '', %s, now())",
                           [brand.pk, event_id, viewer.pk, video.pk, when])

    for row in made:
        insert(row.event_id, row.occurred_at)
    assert partitioning.prepare_conversion(source=SCRATCH) is True
    assert partitioning.copy_batch(source=SCRATCH, batch_rows=3) == 3  # then "killed"
    insert("during", at(2025, 2, 20))  # the trigger copies it
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SCRATCH} WHERE event_id = 's0'")  # already copied: deleted there too
        cursor.execute(f"UPDATE {SCRATCH} SET campaign_id = NULL, kind = 'view' WHERE event_id = 's1'")
    expected = scratch_rows(SCRATCH)
    assert partitioning.prepare_conversion(source=SCRATCH) is False  # resumed, nothing recreated
    assert partitioning.conversion_progress(source=SCRATCH).copied == 2  # s1, s2 (s0 deleted)
    while partitioning.copy_batch(source=SCRATCH, batch_rows=3):
        pass
    partitioning.swap_tables(source=SCRATCH)

    assert partitioning.is_partitioned(SCRATCH)
    assert scratch_rows(SCRATCH) == expected
    assert scratch_rows(f"{SCRATCH}_unpartitioned") == expected
    assert {p.name for p in partitioning.partitions(SCRATCH)} >= {
        f"{SCRATCH}_p2025_01", f"{SCRATCH}_p2025_02", f"{SCRATCH}_p2025_03", f"{SCRATCH}_default"}
    assert scalar("SELECT to_regclass(%s) IS NULL", [f"{SCRATCH}_partitioned_progress"])
    assert scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s)",
                  [f"{SCRATCH}_unpartitioned"]) == 0
    keys = set(InteractionEventKey.objects.filter(brand=brand).values_list("event_id", flat=True))
    assert {f"s{k}" for k in range(1, 7)} <= keys
    insert("after", at(2025, 3, 2))  # the identity continues after the old table's ids
    assert scalar(f"SELECT id FROM {SCRATCH} WHERE event_id = 'after'") == max(r[0] for r in expected) + 1


@postgres_only
def test_the_rollup_tables_and_queues_have_their_autovacuum_settings():
    def options(table: str) -> set[str]:
        return set(scalar("SELECT reloptions FROM pg_class WHERE relname = %s", [table]) or [])

    assert "autovacuum_vacuum_scale_factor=0.02" in options("analytics_dailyviewerrollup")
    assert "autovacuum_vacuum_threshold=5000" in options("analytics_videoreachblock")
    assert options("analytics_pendingrollup") == {"autovacuum_vacuum_scale_factor=0",
                                                  "autovacuum_vacuum_threshold=1000"}


def test_every_server_setting_of_docker_compose_is_explained_in_the_operator_docs():
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    command = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]["postgres"]["command"]
    settings_given = dict(item.split("=", 1) for item in command if "=" in item)
    page = (root / "docs" / "operator" / "postgresql.md").read_text()
    rows = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 3:
            for name in cells[0].replace("`", "").split(" / "):
                rows[name] = cells[1]
    assert set(settings_given) <= set(rows)
    assert settings_given["shared_buffers"] in rows["shared_buffers"]
    assert settings_given["work_mem"] in rows["work_mem"]
    assert settings_given["max_wal_size"] in rows["max_wal_size"]


def test_deleting_a_brand_removes_its_event_keys_and_interactions(brand):
    from tests.factories import BrandFactory

    other = BrandFactory()
    InteractionFactory(brand=brand, event_id="a")
    InteractionFactory(brand=other, event_id="a")
    brand.delete()
    assert list(InteractionEventKey.objects.values_list("brand_id", "event_id")) == [(other.pk, "a")]
    assert list(Interaction.objects.values_list("brand_id", "event_id")) == [(other.pk, "a")]
