import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")
application = get_wsgi_application()

# Import the URLconf (and with it the GraphQL schema) now, then move everything loaded so far out of
# the garbage collector's sight: startup objects live for the whole process, and a full collection
# that traverses them showed up as 10-80 ms stalls in large KPI answers. With gunicorn each worker
# imports this module, so each freezes its own heap.
get_resolver().url_patterns  # noqa: B018
gc.freeze()
