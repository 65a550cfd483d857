"""Persona profiles and labels, computed once at training time (pure: numpy / scipy).

Privacy rules applied here (min_size = settings.PRIVACY_MIN_GROUP_SIZE):
* a demographic value is reported inside a persona only if at least min_size of its viewers have
  it; shares are over the persona's viewers whose value is known;
* top tags are ranked by lift: the tag's share of the persona's engagement weight divided by its
  share of everyone's engagement weight;
* a tag or a sample video is reported only if at least min_size of the persona's viewers engaged
  with it;
* only aggregates are stored: no viewer id, key or single-viewer value leaves this module.

Labels are built from translatable pieces (``persona_label``): the stored ``Persona.label`` is the
English one; ``Persona.display_label`` builds it again from the stored profile in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from analytics.personas.features import BEHAVIOUR_COLUMNS, DEMOGRAPHIC_COLUMNS, ViewerArrays

GENDER_WORDS = {"female": _("Women"), "male": _("Men"), "other": _("Other-gender viewers")}
# Behaviour phrases for the label, in the product's words; the first matching column wins.
BEHAVIOUR_PHRASES = {
    "completion_rate": _("finish videos"),
    "avg_watch_ratio": _("finish videos"),
    "conversion_rate": _("buy"),
    "purchase_value": _("buy"),
    "click_rate": _("click through"),
    "like_rate": _("like"),
    "comment_rate": _("comment"),
    "share_rate": _("share"),
    "follow_rate": _("follow"),
    "activity": _("very active"),
}
LABEL_LANGUAGE = "en"  # the language of the stored Persona.label
LABEL_MIN_LIFT = 1.25  # a behaviour or tag names a persona only when clearly above the population
DOMINANT_LIFT = 1.1  # "share above the population" with a margin, so 73 % men among 71 % is not a trait
DOMINANT_SHARE = {"gender": 0.6, "age_band": 0.5, "region": 0.5, "platform": 0.6}
# A second region joins the label ("in Jiangsu and Zhejiang") when the first is dominant and the second
# also holds this share, above the population's: a segment split over two provinces reads as such.
SECOND_REGION_SHARE = 0.3


@dataclass
class PersonaProfile:
    index: int
    size: int
    share: float
    label: str
    profile: dict
    tag_affinity: dict[str, float]


def _membership(labels: np.ndarray, k: int) -> sp.csr_matrix:
    n = len(labels)
    return sp.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))


def _round(x: float, digits: int = 4) -> float:
    return float(round(float(x), digits))


@dataclass
class _Totals:
    """Per-persona sums (rows 0..k-1) and the population's, computed once in sparse products."""

    sizes: np.ndarray
    tag_counts: np.ndarray  # viewers of each persona who engaged with each tag
    tag_mix: np.ndarray  # each persona's engagement weight over tags, as shares
    pop_mix: np.ndarray
    pop_tag_share: np.ndarray
    affinity: np.ndarray  # mean tag TF-IDF of each persona's viewers
    persona_means: np.ndarray  # nan-aware behaviour means
    pop_means: np.ndarray
    demo_counts: list[np.ndarray]  # per demographic column: persona x value counts
    pop_demo: list[np.ndarray]
    video_weights: np.ndarray | None
    video_viewers: np.ndarray | None


def _totals(data: ViewerArrays, labels: np.ndarray, k: int, tag_tfidf: sp.csr_matrix) -> _Totals:
    n = data.n
    members = _membership(labels, k)  # k x n
    sizes = np.asarray(members.sum(axis=1)).ravel()

    # Tags: lift = the tag's share of the persona's engagement weight over its share in the population;
    # the share of the persona's viewers who engaged with the tag gates what may be shown.
    engaged = (data.tag_weights > 0).astype(np.float64)
    tag_mass = np.asarray((members @ data.tag_weights).todense())
    pop_mass = np.asarray(data.tag_weights.sum(axis=0)).ravel()

    # Behaviour: nan-aware means per persona and over everyone.
    behaviour = np.asarray(data.behaviour, dtype=np.float64)
    known = ~np.isnan(behaviour)
    sums = members @ np.where(known, behaviour, 0.0)
    known_counts = members @ known.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        persona_means = np.where(known_counts > 0, sums / known_counts, np.nan)
        pop_means = np.where(known.sum(axis=0) > 0, np.nansum(behaviour, axis=0) / known.sum(axis=0), np.nan)

    # Demographics: counts per (persona, value) in one sparse product per column.
    demo_counts, pop_demo = [], []
    for j, vocab in enumerate(data.demographic_vocab):
        codes = data.demographics[:, j]
        ok = codes >= 0
        onehot = sp.csr_matrix((np.ones(ok.sum()), (np.where(ok)[0], codes[ok])), shape=(n, max(len(vocab), 1)))
        demo_counts.append(np.asarray((members @ onehot).todense()))
        pop_demo.append(np.bincount(codes[ok], minlength=max(len(vocab), 1)).astype(np.float64))

    video_weights = video_viewers = None
    if data.engagement is not None and data.engagement.shape[1]:
        video_weights = np.asarray((members @ data.engagement).todense())
        video_viewers = np.asarray((members @ (data.engagement > 0).astype(np.float64)).todense())

    return _Totals(
        sizes=sizes,
        tag_counts=np.asarray((members @ engaged).todense()),
        tag_mix=tag_mass / np.maximum(tag_mass.sum(axis=1, keepdims=True), 1e-12),
        pop_mix=pop_mass / max(pop_mass.sum(), 1e-12),
        pop_tag_share=np.asarray(engaged.sum(axis=0)).ravel() / max(n, 1),
        affinity=np.asarray((members @ tag_tfidf).todense()) / np.maximum(sizes, 1)[:, None],
        persona_means=persona_means, pop_means=pop_means, demo_counts=demo_counts, pop_demo=pop_demo,
        video_weights=video_weights, video_viewers=video_viewers,
    )


def build_profiles(
    *, data: ViewerArrays, labels: np.ndarray, k: int, tag_tfidf: sp.csr_matrix, min_size: int,
    n_top_tags: int = 5, n_sample_videos: int = 5, n_affinity_tags: int = 100,
) -> list[PersonaProfile]:
    """One profile per persona index 0..k-1 from the training arrays and final labels."""
    totals = _totals(data, labels, k, tag_tfidf)
    profiles = []
    for p in range(k):
        size = int(totals.sizes[p])
        profile = {
            "top_tags": _top_tags(data, totals, p, size, min_size, n_top_tags),
            "demographics": _demographics(data, totals, p, min_size),
            "engagement": _engagement(totals, p),
            "sample_videos": _sample_videos(data, totals, p, min_size, n_sample_videos),
        }
        top_affinity = np.argsort(-totals.affinity[p], kind="stable")[:n_affinity_tags]
        tag_affinity = {data.tag_vocab[t]: _round(totals.affinity[p][t], 5)
                        for t in top_affinity if totals.affinity[p][t] > 0}
        with translation.override(LABEL_LANGUAGE):
            label = persona_label(profile)
        profiles.append(PersonaProfile(index=p, size=size, share=_round(size / max(data.n, 1), 6),
                                       label=label, profile=profile, tag_affinity=tag_affinity))
    _dedupe_labels(profiles)
    return profiles


def _top_tags(data: ViewerArrays, totals: _Totals, p: int, size: int, min_size: int, n_top: int) -> list[dict]:
    """Tags with lift above 1 that at least min_size (and a tenth) of the persona engaged with, by lift."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share_p = totals.tag_counts[p] / max(size, 1)
        lift = np.where(totals.pop_mix > 0, totals.tag_mix[p] / totals.pop_mix, 0.0)
    eligible = np.where((totals.tag_counts[p] >= min_size) & (share_p >= 0.1) & (lift > 1.0))[0]
    order = eligible[np.lexsort((-share_p[eligible], -lift[eligible]))][:n_top]
    return [
        {"tag": data.tag_vocab[t], "share": _round(share_p[t]), "population_share": _round(totals.pop_tag_share[t]),
         "engagement_share": _round(totals.tag_mix[p][t]), "population_engagement_share": _round(totals.pop_mix[t]),
         "lift": _round(lift[t], 3)}
        for t in order
    ]


def _demographics(data: ViewerArrays, totals: _Totals, p: int, min_size: int) -> dict[str, list[dict]]:
    """Per column, the values held by at least min_size of the persona, most common first."""
    demographics = {}
    for j, column in enumerate(DEMOGRAPHIC_COLUMNS):
        counts, pop = totals.demo_counts[j][p], totals.pop_demo[j]
        known_p, known_pop = counts.sum(), pop.sum()
        rows = []
        if known_p >= min_size:
            for code in np.argsort(-counts, kind="stable"):
                if counts[code] < min_size:
                    break
                share = counts[code] / known_p
                pop_share = pop[code] / known_pop if known_pop else 0.0
                rows.append({
                    "value": data.demographic_vocab[j][code], "share": _round(share),
                    "population_share": _round(pop_share),
                    "lift": _round(share / pop_share, 3) if pop_share else None,
                    "dominant": bool(share >= DOMINANT_SHARE[column] and share >= DOMINANT_LIFT * pop_share),
                })
        demographics[column] = rows
    return demographics


def _engagement(totals: _Totals, p: int) -> dict[str, dict]:
    """Each behaviour's persona mean, the population's and their ratio (None where unknown)."""
    means, pop_means = totals.persona_means, totals.pop_means
    return {
        name: {
            "value": None if np.isnan(means[p, j]) else _round(means[p, j]),
            "population": None if np.isnan(pop_means[j]) else _round(pop_means[j]),
            "ratio": None if np.isnan(means[p, j]) or not pop_means[j] else _round(means[p, j] / pop_means[j], 3),
        }
        for j, name in enumerate(BEHAVIOUR_COLUMNS)
    }


def _sample_videos(data: ViewerArrays, totals: _Totals, p: int, min_size: int, n_sample: int) -> list[dict]:
    """The persona's most engaged videos among those at least min_size of its viewers engaged with."""
    if totals.video_weights is None:
        return []
    weights, viewers = totals.video_weights[p], totals.video_viewers[p]
    eligible = np.where(viewers >= min_size)[0]
    return [{"video_id": int(data.video_ids[v]), "viewers": int(viewers[v]), "engagement": _round(weights[v], 2)}
            for v in eligible[np.argsort(-weights[eligible], kind="stable")][:n_sample]]


def _dominant(profile: dict, column: str) -> str | None:
    rows = [r for r in profile["demographics"].get(column, []) if r["dominant"]]
    return rows[0]["value"] if rows else None


def _regions(profile: dict) -> str | None:
    rows = profile["demographics"].get("region", [])
    if not rows or not rows[0]["dominant"]:
        return None
    second = rows[1] if len(rows) > 1 else None
    if second and second["share"] >= SECOND_REGION_SHARE and second["share"] >= DOMINANT_LIFT * second[
            "population_share"]:
        return _both(rows[0]["value"], second["value"])
    return rows[0]["value"]


def _both(first: str, second: str) -> str:
    return gettext("%(first)s and %(second)s") % {"first": first, "second": second}


def persona_label(profile: dict) -> str:
    """'Women 18–24 in Guangdong · beauty, skincare · finish videos and buy' from a stored profile,
    in the active language ('18–24岁女性（Guangdong） · beauty、skincare · 完播和购买' in zh-hans; tags and
    regions are the brand's data and stay as they are)."""
    gender, age = (_dominant(profile, c) for c in ("gender", "age_band"))
    region = _regions(profile)
    if gender is None and not age and not region:
        who = gettext("Mixed audience")
    else:
        who = str(GENDER_WORDS.get(gender or "", gettext("People") if gender is None else gender.capitalize()))
        if age:
            who = gettext("%(who)s %(age)s") % {"who": who, "age": age.replace("-", "–")}
        if region:
            who = gettext("%(who)s in %(region)s") % {"who": who, "region": region}
    tags = [t["tag"] for t in profile["top_tags"] if t["lift"] >= LABEL_MIN_LIFT][:2]
    ranked = sorted(
        ((stats["ratio"], name) for name, stats in profile["engagement"].items()
         if name in BEHAVIOUR_PHRASES and stats["ratio"] is not None and stats["ratio"] >= LABEL_MIN_LIFT),
        reverse=True,
    )
    phrases: list[str] = []
    for _ratio, name in ranked:
        if str(BEHAVIOUR_PHRASES[name]) not in phrases:
            phrases.append(str(BEHAVIOUR_PHRASES[name]))
    activity = profile["engagement"].get("activity", {}).get("ratio")
    if not phrases and activity is not None and activity <= 0.6:
        phrases.append(gettext("occasional viewers"))
    behaviour = _both(*phrases[:2]) if len(phrases) > 1 else (phrases[0] if phrases else gettext("average engagement"))
    parts = [who, pgettext("between the tags of a persona label", ", ").join(tags) or gettext("broad interests"),
             behaviour]
    return " · ".join(parts)


def localized_label(stored_label: str, profile: dict) -> str:
    """A stored persona label in the active language, built again from its profile.

    The stored label is the English one with, for a repeated label, a " (2)" suffix that is kept.
    A stored label that the profile does not produce (an older generator) is shown as stored."""
    if not profile or "top_tags" not in profile:
        return stored_label
    with translation.override(LABEL_LANGUAGE):
        english = persona_label(profile)
    if not stored_label.startswith(english):
        return stored_label
    return persona_label(profile) + stored_label[len(english):]


def _dedupe_labels(profiles: list[PersonaProfile]) -> None:
    seen: dict[str, int] = {}
    for profile in profiles:
        seen[profile.label] = seen.get(profile.label, 0) + 1
        if seen[profile.label] > 1:
            profile.label = f"{profile.label} ({seen[profile.label]})"
