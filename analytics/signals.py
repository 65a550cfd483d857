"""Signals analytics sends for the apps above it (they connect in their ``AppConfig.ready``)."""

from django.dispatch import Signal

# Sent after a brand's raw interactions before ``before`` (an aware datetime) were removed by retention,
# with ``brand_id`` and ``before``. A receiver removes its own per-viewer data of that period and returns
# how many rows it removed, keyed by what they are (e.g. ``{"served_lists": 12}``).
raw_events_removed = Signal()
