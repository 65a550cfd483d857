"""The served-list log: one row per list a recommender answered, written off the request path.

``log_served`` only appends a tuple to an in-process buffer (measured by ``benchmarks/served_log.py``);
a daemon thread writes the buffer with one ``bulk_create`` every
``RECOMMENDATION_SERVED_LOG_FLUSH_SECONDS`` or as soon as ``RECOMMENDATION_SERVED_LOG_BATCH`` lists
wait. Lists still in the buffer when a process dies are lost (seconds of traffic); attribution reads
interactions only after ``RECOMMENDATION_ATTRIBUTION_LAG_SECONDS`` so it does not run ahead of the
buffer. ``RECOMMENDATION_SERVED_LOG_SYNC`` writes each list at once (tests).

Served lists follow the brand's raw-event retention (``delete_served_before``) and viewer erasure
(the viewer foreign key cascades; ``marketing.services.privacy.viewer_erase`` deletes the viewer).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from recommendations.models import ServedList
from reelboard.observability import current_request_id

logger = logging.getLogger(__name__)

_buffer: deque[tuple] = deque()
_wakeup = threading.Event()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def log_served(*, brand_id: int, viewer_id: int | None, model_version: int | None, surface: str,
               video_ids: list[int], experiment_id: int | None = None, arm: str | None = None) -> None:
    """Record one served list (cheap: an append; the write happens in a background thread)."""
    row = (current_request_id.get()[:64], brand_id, viewer_id, model_version, experiment_id, arm, surface,
           video_ids, timezone.now())
    if settings.RECOMMENDATION_SERVED_LOG_SYNC:
        _write([row])
        return
    _buffer.append(row)
    _ensure_thread()
    if len(_buffer) >= settings.RECOMMENDATION_SERVED_LOG_BATCH:
        _wakeup.set()


def flush() -> int:
    """Write every buffered list now; returns how many were written."""
    rows = []
    while True:
        try:
            rows.append(_buffer.popleft())
        except IndexError:
            break
    if rows:
        _write(rows)
    return len(rows)


def _write(rows: list[tuple]) -> None:
    ServedList.objects.bulk_create([
        ServedList(request_id=rid if rid != "-" else "", brand_id=brand_id, viewer_id=viewer_id,
                   model_version=version, experiment_id=experiment_id, arm=arm, surface=surface,
                   video_ids=video_ids, n_items=len(video_ids), served_at=served_at)
        for rid, brand_id, viewer_id, version, experiment_id, arm, surface, video_ids, served_at in rows
    ], batch_size=500)


def _run() -> None:
    while True:
        _wakeup.wait(settings.RECOMMENDATION_SERVED_LOG_FLUSH_SECONDS)
        _wakeup.clear()
        try:
            close_old_connections()
            flush()
        except Exception:  # a failed batch must not kill the writer; the lists of that batch are lost
            logger.exception("served lists: a batch could not be written")
        finally:
            connection.close()


def _ensure_thread() -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="served-list-writer", daemon=True)
            _thread.start()


def delete_served_before(*, brand_id: int, before: datetime) -> int:
    """Delete a brand's served lists (and their attributions) served before ``before``; returns the lists deleted.

    Called with the brand's raw-event retention cut-off, like the raw interactions."""
    deleted, per_model = ServedList.objects.filter(brand_id=brand_id, served_at__lt=before).delete()
    return per_model.get(ServedList._meta.label, 0)


def on_raw_events_removed(sender, *, brand_id: int, before: datetime, **kwargs) -> dict[str, int]:
    """Receiver of ``analytics.signals.raw_events_removed``: the brand's served lists go with its raw events."""
    return {"served_lists": delete_served_before(brand_id=brand_id, before=before)}
