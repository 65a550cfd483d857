"""Platform-level Celery tasks."""

from celery import shared_task
from django.db import connection


@shared_task(name="marketing.health_check", acks_late=True)
def health_check() -> dict:
    """Proves a worker is alive and reaches the database; used by readiness checks and CI."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        db_ok = cursor.fetchone()[0] == 1
    return {"worker": "ok", "database": "ok" if db_ok else "error", "vendor": connection.vendor}


@shared_task(name="marketing.create_interaction_partitions", acks_late=True)
def create_interaction_partitions() -> list[str]:
    """Create the interactions' monthly partitions ahead (INTERACTION_PARTITIONS_AHEAD_MONTHS); daily in beat.

    Idempotent: existing months are skipped. A no-op on SQLite and before the table is converted.
    """
    from marketing import partitioning

    return partitioning.ensure_partitions()
