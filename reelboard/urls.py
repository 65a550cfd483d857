from django.contrib import admin
from django.urls import include, path

from analytics.views import report_file
from reelboard import health, observability
from reelboard.views import graphql_view
from workspace import views as workspace_views

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask every host for /favicon.ico: answer with the product's icon rather than a 404.
    path("favicon.ico", workspace_views.favicon),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the admin's language switcher posts here
    path("graphql", graphql_view(), name="graphql"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", observability.metrics, name="metrics"),
    path("reports/<int:pk>/<str:kind>", report_file, name="report-file"),
]
