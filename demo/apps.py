from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world of ``make run`` (seed_demo, seed_ad_platforms, bootstrap_demo): above every domain app,
    nothing of the product imports it."""

    name = "demo"
    verbose_name = "Demo world"
