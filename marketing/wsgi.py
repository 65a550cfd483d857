import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing.settings")
application = get_wsgi_application()

# Import the URL conf (and with it the GraphQL schema and the apps' modules) now, then move every
# object created so far out of the garbage collector's reach: they live as long as the process, and
# without this each full collection walks them all (scikit-learn, scipy, the schema...), which made
# allocation-heavy requests (thousands of KPI values) 2-3x slower. Forked workers share these pages.
import marketing.urls  # noqa: E402, F401

gc.freeze()
