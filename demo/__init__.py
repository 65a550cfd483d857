"""The demo world of ``make run``, an app above every domain app (nothing of the product imports it).

``spec`` holds the planted segments and brands (plain data); ``world.build_world(seed=..., viewers=...,
videos=...)`` writes the world, ``DemoSegment`` / ``DemoViewerSegment`` keep the truth (which segment each
viewer was drawn from) for clustering and recommender checks; ``ad_accounts`` gives the demo brands their ad
accounts. The package itself imports nothing, so Django can load the app before the models.
"""
