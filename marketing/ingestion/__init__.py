"""Bulk ingestion of interactions (files and API batches); see services.py for the entry points."""

from marketing.ingestion.services import (
    EventError,
    ImportSummary,
    IngestResult,
    import_file,
    ingest_events,
)

__all__ = ["EventError", "ImportSummary", "IngestResult", "import_file", "ingest_events"]
