"""Bulk ingestion of interactions: files (importer.py) and API batches (services.py)."""

from marketing.ingestion.importer import ImportSummary, import_file
from marketing.ingestion.services import EventError, IngestResult, ingest_events

__all__ = ["EventError", "ImportSummary", "IngestResult", "import_file", "ingest_events"]
