"""Reads of the recommendations app for the API: brand-scoped querysets of versions and experiments."""

from __future__ import annotations

from django.db.models import QuerySet

from marketing.auth import Principal
from recommendations.models import RecommenderExperiment, RecommenderModel


def recommender_models(*, principal: Principal, brand_id: int | None = None) -> QuerySet[RecommenderModel]:
    """Recommender versions the principal may read (of one brand, or of all theirs), newest first per brand."""
    rows = RecommenderModel.objects.for_principal(principal).order_by("brand_id", "-version")
    return rows if brand_id is None else rows.filter(brand_id=brand_id)


def experiments(*, principal: Principal, brand_id: int | None = None) -> QuerySet[RecommenderExperiment]:
    """Recommender experiments the principal may read (of one brand, or of all theirs), newest first."""
    rows = RecommenderExperiment.objects.for_principal(principal).order_by("-started_at", "-id")
    return rows if brand_id is None else rows.filter(brand_id=brand_id)
