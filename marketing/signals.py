"""Signals marketing sends for the apps above it (they connect in their ``AppConfig.ready``).

Marketing is the bottom app: it never imports analytics, recommendations or the others. Where one of them
must react to something marketing does, marketing sends one of these and the app above connects a receiver
in its ``AppConfig.ready`` (docs/architecture/index.md, "Seams between apps").
"""

from django.dispatch import Signal

# Sent by the ingest writers inside the write transaction, once per written chunk that inserted interactions,
# with ``brand_id``, ``cursor`` (the writer's DB-API cursor: a receiver writes through it, on the writer's
# thread and in its transaction, and uses ``%s`` placeholders), ``inserted`` (the name of a temporary table
# whose ``id`` column holds the ids of the interactions this chunk inserted) and ``ingested_at`` (the rows'
# ``ingested_at``, ready to bind as a parameter on that cursor). Receivers write set-based from ``inserted``
# (``INSERT ... SELECT``); an exception rolls the import back. analytics records the rollup work here.
interactions_stored = Signal()

# Sent inside a viewer's erasure transaction before the viewer row is deleted, with ``viewer``. A receiver
# returns the ``(start, end)`` instants whose KPIs it needs rebuilt beyond the viewer's raw interactions
# (e.g. days whose raw events retention already removed), or None; the erasure refreshes their union.
viewer_erasing = Signal()

# Sent while exporting a viewer's data (a data-subject access request), with ``viewer``. A receiver returns
# the sections it stores about the viewer, as JSON-ready data keyed by section name.
viewer_exporting = Signal()
