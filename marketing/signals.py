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
