"""The project package: settings, URLs, the Celery app, WSGI/ASGI entry points and the plumbing every app
shares (docs/architecture/index.md). The domain apps (marketing, analytics, ...) sit beside it."""

from .celery import app as celery_app

__all__ = ("celery_app",)
