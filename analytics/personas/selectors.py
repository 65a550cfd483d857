"""Persona selectors (reads). Everything is brand-scoped through ``for_principal`` and set-based.

Privacy: a persona has at least settings.PRIVACY_MIN_GROUP_SIZE viewers (small clusters are merged at
training); per-campaign figures of a persona are shown only when at least that many of its viewers
took part, otherwise the row is left out (counted in ``suppressed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext

from analytics import kpis
from analytics.personas.models import (
    CampaignTargetPersona,
    Persona,
    PersonaAssignment,
    PersonaModel,
)
from analytics.privacy import privacy_min_group_size
from analytics.trained.artefacts import load_artefact
from analytics.trained.models import TrainingStatus
from marketing.auth import Principal
from marketing.models import Campaign, Interaction, InteractionKind, Video, Viewer
from marketing.services.errors import ErrorCode, ServiceValidationError
from reelboard.db_router import lag_tolerant


def _kpi_aggregates() -> dict:
    """The additive sums of analytics.kpis (plus exact reach) for a set of interactions, in one aggregate."""
    count = {name: Count("id", filter=Q(kind=kind)) for name, kind in (
        ("impressions", InteractionKind.IMPRESSION), ("views", InteractionKind.VIEW), ("likes", InteractionKind.LIKE),
        ("comments", InteractionKind.COMMENT), ("shares", InteractionKind.SHARE), ("follows", InteractionKind.FOLLOW),
        ("clicks", InteractionKind.CLICK), ("conversions", InteractionKind.CONVERSION),
        ("purchases", InteractionKind.PURCHASE))}
    return {"reach": Count("viewer_id", distinct=True), **count,
            "revenue": Sum("value", filter=Q(kind=InteractionKind.PURCHASE))}


PERSONA_KPIS = ("reach", "impressions", "views", "engagement_rate", "clicks", "ctr", "conversions", "cvr",
                "purchases", "revenue")


def _kpis(sums: dict) -> dict:
    """Persona KPIs with the KPI dictionary's formulas (analytics.kpis): one source of truth."""
    values = kpis.compute_all({**sums, "revenue": sums["revenue"] or Decimal("0.00"), "spend": None})
    return {name: values[name] for name in PERSONA_KPIS}


def persona_models(*, principal: Principal, brand_id: int) -> QuerySet[PersonaModel]:
    return PersonaModel.objects.for_principal(principal).filter(brand_id=brand_id)


def personas_for_brand(*, principal: Principal, brand_id: int, version: int | None = None) -> QuerySet[Persona]:
    """Personas of the brand's active model, or of a given version (if READY). Largest first.

    A ``version`` that is not a ready model of the brand raises ``ServiceValidationError`` (``not_found`` on
    ``version``); no active model is no personas (an empty queryset).
    """
    qs = Persona.objects.for_principal(principal).filter(model__brand_id=brand_id,
                                                          model__status=TrainingStatus.READY)
    if version is not None:
        if not persona_models(principal=principal, brand_id=brand_id).filter(
                version=version, status=TrainingStatus.READY).exists():
            raise ServiceValidationError.single("version", ErrorCode.NOT_FOUND,
                                                gettext("No ready persona model of that version."))
        qs = qs.filter(model__version=version)
    else:
        qs = qs.filter(model__is_active=True)
    return qs.order_by("-size", "index")


def persona_get(*, principal: Principal, persona_id: int) -> Persona | None:
    return Persona.objects.for_principal(principal).select_related("model").filter(pk=persona_id).first()


@lag_tolerant
def viewer_persona(*, principal: Principal, viewer_id: int) -> Persona | None:
    """The viewer's persona in its brand's active model (None if not assigned yet)."""
    viewer = Viewer.objects.for_principal(principal).filter(pk=viewer_id).only("id", "brand_id").first()
    if viewer is None:
        return None
    return Persona.objects.select_related("model").filter(model__brand_id=viewer.brand_id, model__is_active=True,
                                                          assignments__viewer_id=viewer.pk).first()


@lag_tolerant
def personas_for_viewers(*, principal: Principal, viewer_ids: list[int]) -> dict[int, Persona]:
    """viewer id -> persona in the active model of the viewer's brand, in one query (GraphQL dataloader)."""
    visible = Viewer.objects.for_principal(principal).filter(pk__in=viewer_ids).values("pk")
    rows = (PersonaAssignment.objects.filter(viewer_id__in=visible, model__is_active=True)
            .select_related("persona__model"))
    return {row.viewer_id: row.persona for row in rows}


# Where active_persona_prefetch puts a viewer's assignment in the active model (a list of 0 or 1 rows).
ACTIVE_ASSIGNMENT_ATTR = "active_persona_assignments"


def active_persona_prefetch() -> Prefetch:
    """Prefetch of viewers' assignments in their brand's active model (with persona and model): lets a
    list of viewers show their personas in one extra query (the GraphQL optimizer applies it)."""
    return Prefetch("persona_assignments", to_attr=ACTIVE_ASSIGNMENT_ATTR,
                    queryset=PersonaAssignment.objects.filter(model__is_active=True).select_related("persona__model"))


def persona_of_loaded_viewer(*, principal: Principal, viewer) -> Persona | None:
    """The persona of a viewer row already scoped to the principal: from the prefetch when it ran."""
    rows = getattr(viewer, ACTIVE_ASSIGNMENT_ATTR, None)
    if rows is None:
        return viewer_persona(principal=principal, viewer_id=viewer.pk)
    return rows[0].persona if rows else None


@dataclass
class PersonaCampaignKpis:
    rows: list[dict]  # per campaign: campaign_id, campaign_name and the PERSONA_KPIS (analytics.kpis formulas)
    suppressed: int  # campaigns left out because fewer than PRIVACY_MIN_GROUP_SIZE of the persona's viewers took part


@lag_tolerant
def persona_campaign_kpis(*, principal: Principal, persona_id: int) -> PersonaCampaignKpis | None:
    """A persona's KPIs in each of the brand's campaigns: one aggregate query over its viewers' interactions."""
    persona = persona_get(principal=principal, persona_id=persona_id)
    if persona is None:
        return None
    rows = list(
        Interaction.objects.filter(brand_id=persona.model.brand_id, campaign__isnull=False,
                                   viewer__persona_assignments__persona_id=persona.pk)
        .order_by().values("campaign_id").annotate(**_kpi_aggregates())
    )
    shown = [r for r in rows if r["reach"] >= privacy_min_group_size()]
    names = dict(Campaign.objects.filter(pk__in=[r["campaign_id"] for r in shown]).values_list("id", "name"))
    out = [{"campaign_id": r["campaign_id"], "campaign_name": names.get(r["campaign_id"], ""), **_kpis(r)}
           for r in shown]
    out.sort(key=lambda r: (-r["views"], r["campaign_id"]))
    return PersonaCampaignKpis(rows=out, suppressed=len(rows) - len(shown))


@dataclass
class AudienceEntry:
    persona: Persona
    basis: str  # "observed" (enough of its viewers saw the campaign's videos) or "predicted"
    viewers: int | None  # persona viewers who interacted with the campaign's videos (None if suppressed)
    views: int | None
    engagement_rate: Decimal | None  # analytics.kpis engagement_rate: (likes+comments+shares+follows) / views
    conversion_rate: Decimal | None  # (conversions + purchases) / views: conversion per view of the campaign's videos
    observed_score: float | None  # mean of engagement and conversion lifts over the campaign's average
    predicted_affinity: float  # cosine(campaign TF-IDF tag profile, persona tag affinity), 0..1
    is_target: bool


_ADDITIVE = ("views", "likes", "comments", "shares", "follows", "conversions", "purchases")


def _engagement_rate(sums: dict) -> Decimal | None:
    return kpis.BY_NAME["engagement_rate"].compute(sums)


def _conversion_per_view(sums: dict) -> Decimal | None:
    return kpis.ratio(sums["conversions"] + sums["purchases"], sums["views"])


def campaign_tag_vector(*, model: PersonaModel, video_ids) -> np.ndarray:
    """TF-IDF (the model's IDF, sublinear tf, L2) profile of the tags of a set of videos."""
    vocab = {t: i for i, t in enumerate(model.feature_spec.get("tag_vocab", []))}
    counts = np.zeros(len(vocab))
    for tag in Video.tags.through.objects.filter(video_id__in=video_ids).values_list("tag__name", flat=True):
        if tag in vocab:
            counts[vocab[tag]] += 1
    idf = load_artefact(model).get("tag_idf", np.ones(len(vocab)))
    vector = np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0.0) * idf
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


def _affinity(persona: Persona, vocab: dict[str, int], campaign_vector: np.ndarray) -> float:
    vector = np.zeros(len(vocab))
    for tag, weight in persona.tag_affinity.items():
        if tag in vocab:
            vector[vocab[tag]] = weight
    norm = np.linalg.norm(vector)
    return round(float(vector @ campaign_vector / norm), 6) if norm else 0.0


def campaign_audience(*, principal: Principal, campaign_id: int) -> list[AudienceEntry]:
    """Personas of the active model ranked for a campaign.

    Personas with at least PRIVACY_MIN_GROUP_SIZE viewers who interacted with the campaign's videos come
    first, by observed score (mean of their engagement-rate and conversion-rate lifts over the
    campaign's average); the others follow by predicted affinity (cosine between the campaign's
    TF-IDF tag profile and the persona's tag affinity vector), so a campaign with no data yet is
    ranked entirely by prediction. Two queries plus the personas and tags.
    """
    campaign = Campaign.objects.for_principal(principal).filter(pk=campaign_id).first()
    if campaign is None:
        return []
    model = PersonaModel.objects.filter(brand_id=campaign.brand_id, is_active=True).first()
    if model is None:
        return []
    personas = list(model.personas.all())
    video_ids = list(campaign.videos.values_list("id", flat=True))
    observed = {
        r["persona_id"]: r for r in
        Interaction.objects.filter(brand_id=campaign.brand_id, video_id__in=video_ids,
                                   viewer__persona_assignments__model=model)
        .order_by().values(persona_id=F("viewer__persona_assignments__persona_id"))
        .annotate(**_kpi_aggregates())
    }
    totals = {key: sum(r[key] for r in observed.values()) for key in _ADDITIVE}
    base_er, base_cvr = _engagement_rate(totals), _conversion_per_view(totals)
    vocab = {t: i for i, t in enumerate(model.feature_spec.get("tag_vocab", []))}
    campaign_vector = campaign_tag_vector(model=model, video_ids=video_ids)
    targets = set(CampaignTargetPersona.objects.filter(campaign=campaign).values_list("persona_id", flat=True))

    entries = []
    for persona in personas:
        row = observed.get(persona.pk)
        enough = row is not None and row["reach"] >= privacy_min_group_size()
        er = _engagement_rate(row) if enough else None
        cvr = _conversion_per_view(row) if enough else None
        lifts = [float(x / base) for x, base in ((er, base_er), (cvr, base_cvr)) if x is not None and base]
        entries.append(AudienceEntry(
            persona=persona, basis="observed" if enough else "predicted",
            viewers=row["reach"] if enough else None, views=row["views"] if enough else None,
            engagement_rate=er, conversion_rate=cvr,
            observed_score=round(sum(lifts) / len(lifts), 6) if lifts else None,
            predicted_affinity=_affinity(persona, vocab, campaign_vector), is_target=persona.pk in targets,
        ))
    entries.sort(key=lambda e: (e.basis != "observed", -(e.observed_score or 0.0), -e.predicted_affinity,
                                e.persona.index))
    return entries


def viewer_export_sections(sender=None, *, viewer: Viewer, **_signal) -> dict[str, list[dict]]:
    """Receiver of ``marketing.signals.viewer_exporting``: the viewer's persona assignments, oldest model first."""
    return {"persona_assignments": [
        {"model_version": row["model__version"], "persona": row["persona__label"],
         "assigned_at": row["assigned_at"].isoformat()}
        for row in PersonaAssignment.objects.filter(viewer=viewer).order_by("model__version").values(
            "model__version", "persona__label", "assigned_at")
    ]}
