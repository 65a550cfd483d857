"""The synthetic demo world: planted segments (``spec``) and the generator (``world``).

``build_world(seed=..., viewers=..., videos=...)`` writes it; ``DemoSegment`` / ``DemoViewerSegment``
keep the truth (which segment each viewer was drawn from) for clustering and recommender checks.
"""

from marketing.demo.spec import BRANDS, CATEGORIES, DEMO_SLUGS, SEGMENTS, BrandSpec, SegmentSpec
from marketing.demo.world import KINDS, WorldSummary, build_world, is_seeded, reset_world

__all__ = ["BRANDS", "CATEGORIES", "DEMO_SLUGS", "KINDS", "SEGMENTS", "BrandSpec", "SegmentSpec", "WorldSummary",
           "build_world", "is_seeded", "reset_world"]
