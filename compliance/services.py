"""Compliance services: check copy, screen videos (one or many, set-based), overrides on the record,
brand rules, and the campaign activation guard.

Screening is called by the video services on create and update (not by signals) and by the re-screen
task when a rule set changes. A video's flags are replaced as a whole by each screening; overrides
carry over to a new flag with the same rule, field and matched text, so a re-screen under a new
rule-set version does not undo a decision already on the record. An approved video that ends up with a
block flag nobody overrode goes back to pending, and its brand gets an alert naming its campaigns.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.matching import EN, LANGUAGES, ZH, Hit, Rule, RuleBook, rule_from_data
from compliance.models import (
    BrandRule,
    BrandRuleKind,
    ComplianceAlert,
    ComplianceFlag,
    ComplianceOverride,
    CopyField,
    Severity,
    VideoScreening,
)
from compliance.rulesets import builtin
from marketing.auth import Principal
from marketing.models import AuditSource, Brand, Campaign, ModerationStatus, Platform, Role, Video
from marketing.services.access import get_for_role
from marketing.services.audit import audit_record
from marketing.services.errors import Collector, ErrorCode, ServiceValidationError, full_clean_or_raise

logger = logging.getLogger(__name__)

MAX_COPY_CHARS = 10_000
SYSTEM = Principal(is_global=True)  # re-screens run by the task: no person acted
SCREENED_FIELDS = (CopyField.TITLE, CopyField.DESCRIPTION, CopyField.TAGS, CopyField.SCRIPT, CopyField.COVER_TEXT)


@dataclass(frozen=True)
class CopyFlag:
    """A rule hit in one piece of copy: the span indexes the field's text (``end`` exclusive)."""

    rule_id: str
    rule_set: str
    severity: str
    field: str
    start: int
    end: int
    text: str
    reason: Mapping[str, str]
    source: str
    suggestion: Mapping[str, str]

    @classmethod
    def from_hit(cls, hit: Hit, field: str, *, offset: int = 0) -> CopyFlag:
        """The flag of a hit in ``field``, whose text starts at ``offset`` of the checked text."""
        rule = hit.rule
        # the rule's own (never mutated) dicts: shared by every flag of the rule
        return cls(rule.id, rule.rule_set, rule.severity, field, hit.start - offset, hit.end - offset, hit.text[:300],
                   rule.reason, rule.source[:300], rule.suggestion)

    @property
    def key(self) -> tuple[str, str, str]:
        """What an override is about: the same rule matching the same words in the same field."""
        return (self.rule_id, self.field, self.text)


def copy_language(text: str) -> str:
    """zh-hans when the text has any Chinese character, else en (a video has no language of its own)."""
    return ZH if any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text) else EN


# --- Brand rules ------------------------------------------------------------------------------


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").replace(",", "\n").replace("，", "\n").splitlines()
            if line.strip()]


def _brand_rule(row: BrandRule) -> Rule:
    return rule_from_data({
        "id": row.rule_id, "severity": row.severity, "terms": _lines(row.terms), "allow": _lines(row.allow),
        "platforms": _lines(row.platforms), "categories": _lines(row.categories),
        "reason": {ZH: row.reason, EN: row.reason}, "source": str(_("Brand rule")),
        "suggestion": {ZH: row.suggestion, EN: row.suggestion} if row.suggestion else {},
        "required": row.kind == BrandRuleKind.REQUIRED_DISCLOSURE,
    }, rule_set=f"brand-{row.brand_id}")


_brand_books: dict[int, tuple[str, RuleBook]] = {}


def brand_rules_version(brand_id: int) -> str:
    """A token that changes whenever the brand's active rules change ('' when it has none)."""
    found = BrandRule.objects.filter(brand_id=brand_id, is_active=True).aggregate(n=Count("id"),
                                                                                   last=Max("updated_at"))
    if not found["n"]:
        return ""
    return f"brand-{brand_id}:{found['n']}:{found['last'].timestamp():.6f}"


def brand_book(brand_id: int, version: str | None = None) -> tuple[str, RuleBook | None]:
    """The brand's compiled rules and their version, compiled once per version in this process."""
    version = brand_rules_version(brand_id) if version is None else version
    if not version:
        return "", None
    cached = _brand_books.get(brand_id)
    if cached is None or cached[0] != version:
        rules = [_brand_rule(r) for r in BrandRule.objects.filter(brand_id=brand_id, is_active=True)]
        cached = _brand_books[brand_id] = (version, RuleBook(rules))
    return cached


def ruleset_version_for(brand_version: str) -> str:
    return builtin().version + (f"|{brand_version}" if brand_version else "")


# --- Checking copy ----------------------------------------------------------------------------


def check_copy(*, text: str, platform: str, language: str, category: str | None = None) -> list[CopyFlag]:
    """Flags of the built-in rules in a piece of copy, before any video exists (marketing tools).

    ``platform`` is a platform code, ``language`` ``zh-hans`` or ``en``; ``category`` narrows the
    category-specific rules (efficacy claims). Raises ``ServiceValidationError`` naming the argument
    for an empty text, a text over ``MAX_COPY_CHARS`` characters, an unknown platform or language.
    """
    errors = Collector()
    if not (text or "").strip():
        errors.add("text", ErrorCode.REQUIRED, _("The text to check is empty."))
    elif len(text) > MAX_COPY_CHARS:
        errors.add("text", ErrorCode.TOO_LONG,
                   _("The text is longer than %(max)d characters.") % {"max": MAX_COPY_CHARS})
    if not Platform.objects.filter(code=platform).exists():
        errors.add("platform", ErrorCode.INVALID_CHOICE, _("Unknown platform %(code)r.") % {"code": platform})
    if language not in LANGUAGES:
        errors.add("language", ErrorCode.INVALID_CHOICE,
                   _("Language must be one of %(languages)s.") % {"languages": ", ".join(LANGUAGES)})
    errors.raise_if_any()
    hits = builtin().book.check(text, platform=platform, category=category or None, language=language)
    return [CopyFlag.from_hit(h, "text") for h in hits]


_FIELD_SEPARATOR = "\u2029"  # a paragraph separator: no term or pattern matches across it


def flags_for_copy(copy: Mapping[str, str], *, platform: str, category: str,
                   books: Iterable[RuleBook]) -> list[CopyFlag]:
    """Flags of a video's copy (field -> text) under the given rule books.

    The fields of one language are checked as one text (joined by a separator no rule matches across),
    which costs one pass per language instead of one per field; each hit is mapped back to its field.
    """
    flags: list[CopyFlag] = []
    books = [b for b in books if b is not None]
    by_language: dict[str, list[tuple[str, str]]] = {}
    for field, text in copy.items():
        if text:
            by_language.setdefault(copy_language(text), []).append((field, text))
    for language, parts in by_language.items():
        joined = _FIELD_SEPARATOR.join(text for _, text in parts)
        starts, at = [], 0
        for field, text in parts:
            starts.append((at, at + len(text), field))
            at += len(text) + 1
        for book in books:
            for hit in book.check(joined, platform=platform, category=category, language=language, required=False):
                for begin, end, field in starts:
                    if begin <= hit.start < end:
                        flags.append(CopyFlag.from_hit(hit, field, offset=begin))
                        break
    flags.sort(key=lambda f: (f.field, f.start, f.rule_id))
    whole = "\n".join(t for t in copy.values() if t)
    for book in books:
        if any(r.required for r in book.rules):
            flags += [CopyFlag.from_hit(h, CopyField.ALL) for h in book.check(
                whole, platform=platform, category=category, required=True) if h.rule.required]
    return flags


# --- Screening videos -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningResult:
    videos: int
    flags: int
    sent_back: list[int]  # approved videos that went back to pending


def screen_video(*, video: Video, principal: Principal = SYSTEM, source: str = AuditSource.API) -> VideoScreening:
    """Screen one video now (the video services call this after every create and update)."""
    screen_videos(video_ids=[video.pk], principal=principal, source=source)
    video.refresh_from_db(fields=["moderation_status", "moderation_reason", "moderated_at", "moderated_by"])
    return VideoScreening.objects.get(pk=video.pk)


def screen_videos(*, video_ids: Iterable[int], principal: Principal = SYSTEM,
                  source: str = AuditSource.COMMAND) -> ScreeningResult:
    """Screen many videos set-based: read their copy in one query per kind, match, then replace their
    flags (delete + bulk insert) and upsert their screening rows in one transaction."""
    ids = sorted(set(video_ids))
    rows = list(Video.objects.filter(pk__in=ids).values(
        "id", "brand_id", "title", "description", "script", "cover_text", "category", "platform__code",
        "moderation_status"))
    if not rows:
        return ScreeningResult(0, 0, [])
    tags: dict[int, list[str]] = {}
    for video_id, name in Video.tags.through.objects.filter(video_id__in=ids).order_by("id").values_list(
            "video_id", "tag__name"):
        tags.setdefault(video_id, []).append(name)
    carried = {(video_id, rule_id, field, text): override_id
               for video_id, rule_id, field, text, override_id in ComplianceFlag.objects.filter(
                   video_id__in=ids, override__isnull=False).values_list(
                   "video_id", "rule_id", "field", "text", "override_id")}
    books = {brand_id: brand_book(brand_id) for brand_id in {r["brand_id"] for r in rows}}
    core = builtin().book
    now = timezone.now()
    new_flags: list[tuple] = []
    screenings: list[VideoScreening] = []
    to_pending: dict[int, list[str]] = {}
    for row in rows:
        brand_version, book = books[row["brand_id"]]
        version = ruleset_version_for(brand_version)
        copy = {CopyField.TITLE: row["title"], CopyField.DESCRIPTION: row["description"],
                CopyField.TAGS: ", ".join(tags.get(row["id"], ())), CopyField.SCRIPT: row["script"],
                CopyField.COVER_TEXT: row["cover_text"]}
        flags = flags_for_copy(copy, platform=row["platform__code"], category=row["category"], books=(core, book))
        blocks = unresolved = warns = 0
        for f in flags:
            override_id = carried.get((row["id"], *f.key)) if f.severity == Severity.BLOCK else None
            new_flags.append((row["id"], f.rule_id, f.rule_set, f.severity, f.field, f.start, f.end, f.text,
                              f.reason, f.source, f.suggestion, version, override_id))
            if f.severity == Severity.BLOCK:
                blocks += 1
                unresolved += override_id is None
            else:
                warns += 1
        screenings.append(VideoScreening(video_id=row["id"], ruleset_version=version, block_count=blocks,
                                         warn_count=warns, unresolved_blocks=unresolved, screened_at=now))
        if unresolved and row["moderation_status"] == ModerationStatus.APPROVED:
            to_pending[row["id"]] = sorted({f.rule_id for f in flags if f.severity == Severity.BLOCK})
    with transaction.atomic():
        ComplianceFlag.objects.filter(video_id__in=ids).delete()
        _insert_flags(new_flags)
        VideoScreening.objects.bulk_create(
            screenings, batch_size=5000, update_conflicts=True, unique_fields=["video"],
            update_fields=["ruleset_version", "block_count", "warn_count", "unresolved_blocks", "screened_at"])
        if to_pending:
            _send_back_to_review(to_pending, rows, principal=principal, source=source)
    return ScreeningResult(len(rows), len(new_flags), sorted(to_pending))


_FLAG_COLUMNS = ("video_id", "rule_id", "rule_set", "severity", "field", "start", "end", "text", "reason", "source",
                 "suggestion", "ruleset_version", "override_id")
_JSON_COLUMNS = frozenset({"reason", "suggestion"})


def _insert_flags(rows: list[tuple]) -> None:
    """Insert flag rows: ``COPY ... FROM STDIN`` on PostgreSQL (no model instance per row; the reasons'
    JSON is encoded once per rule), ``bulk_create`` elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        ComplianceFlag.objects.bulk_create([ComplianceFlag(**dict(zip(_FLAG_COLUMNS, r, strict=True))) for r in rows],
                                           batch_size=2000)
        return
    meta = ComplianceFlag._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(c).column) for c in _FLAG_COLUMNS)
    encoded: dict[int, str] = {}

    def as_json(value) -> str:
        key = id(value)  # rules' reason dicts are shared by every flag of the rule
        if key not in encoded:
            encoded[key] = json.dumps(value, ensure_ascii=False)
        return encoded[key]

    json_at = [i for i, c in enumerate(_FLAG_COLUMNS) if c in _JSON_COLUMNS]
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = list(row)
            for i in json_at:
                values[i] = as_json(values[i])
            copy.write_row(values)


def _send_back_to_review(to_pending: dict[int, list[str]], rows: list[dict[str, Any]], *, principal: Principal,
                         source: str) -> None:
    """Approved videos that gained block flags: back to pending, and an alert naming their campaigns."""
    now = timezone.now()
    brand_of = {r["id"]: r["brand_id"] for r in rows}
    for video_id, rule_ids in to_pending.items():
        Video.objects.filter(pk=video_id).update(
            moderation_status=ModerationStatus.PENDING, moderated_at=now, moderated_by=None, updated_at=now,
            moderation_reason=_("Compliance screening found block flags: %(rules)s.") % {"rules": ", ".join(rule_ids)})
    campaigns: dict[int, list[dict[str, Any]]] = {}
    for video_id, campaign_id, name in Campaign.videos.through.objects.filter(
            video_id__in=list(to_pending)).order_by("campaign_id").values_list(
            "video_id", "campaign_id", "campaign__name"):
        campaigns.setdefault(video_id, []).append({"id": campaign_id, "name": name})
    version = builtin().version
    ComplianceAlert.objects.bulk_create([
        ComplianceAlert(brand_id=brand_of[video_id], video_id=video_id, campaigns=campaigns.get(video_id, []),
                        rule_ids=rule_ids, ruleset_version=version)
        for video_id, rule_ids in to_pending.items()])
    for video_id, rule_ids in to_pending.items():
        audit_record(principal=principal, source=source, action="complianceSentBack", brand_id=brand_of[video_id],
                     object_type="video", object_id=video_id,
                     details={"rules": rule_ids, "campaigns": [c["id"] for c in campaigns.get(video_id, [])]})
        logger.warning("approved video %s went back to review: block flags %s; campaigns %s", video_id,
                       ", ".join(rule_ids), [c["id"] for c in campaigns.get(video_id, [])])


def stale_video_ids(*, brand_id: int | None = None, limit: int | None = None) -> list[int]:
    """Videos never screened or screened under another rule-set version than the current one."""
    videos = Video.objects.all() if brand_id is None else Video.objects.filter(brand_id=brand_id)
    brand_ids = [brand_id] if brand_id is not None else list(
        videos.order_by().values_list("brand_id", flat=True).distinct())
    stale: list[int] = []
    for b in brand_ids:
        current = ruleset_version_for(brand_rules_version(b))
        ids = (videos.filter(brand_id=b).exclude(screening__ruleset_version=current)
               .order_by("pk").values_list("pk", flat=True))
        stale += list(ids[:limit] if limit else ids)
    return stale


# --- Moderation -------------------------------------------------------------------------------


def unresolved_block_flags(video_id: int) -> list[ComplianceFlag]:
    return list(ComplianceFlag.objects.filter(video_id=video_id, severity=Severity.BLOCK, override__isnull=True))


def check_approval(errors: Collector, *, video: Video, override_reason: str) -> list[ComplianceFlag]:
    """Before approving: a video with block flags needs an override reason (added to ``errors`` if
    missing). Returns the flags the approval would override."""
    flags = unresolved_block_flags(video.pk)
    if flags and not (override_reason or "").strip():
        rules = ", ".join(sorted({f.rule_id for f in flags}))
        errors.add("override_reason", ErrorCode.REQUIRED,
                   _("This video has block flags (%(rules)s): approving it needs an override reason.")
                   % {"rules": rules})
    return flags


def record_override(*, video: Video, flags: list[ComplianceFlag], reason: str, principal: Principal,
                    source: str) -> ComplianceOverride | None:
    """Put an approval despite block flags on the record (call inside the approval's transaction)."""
    if not flags:
        return None
    snapshot = [{"rule_id": f.rule_id, "field": f.field, "start": f.start, "end": f.end, "text": f.text}
                for f in flags]
    override = ComplianceOverride.objects.create(video=video, reason=reason.strip(), overridden_by=principal.actor,
                                                 flags=snapshot)
    ComplianceFlag.objects.filter(pk__in=[f.pk for f in flags]).update(override=override)
    VideoScreening.objects.filter(pk=video.pk).update(unresolved_blocks=0)
    audit_record(principal=principal, source=source, action="complianceOverride", brand_id=video.brand_id,
                 object_type="video", object_id=video.pk,
                 details={"override": override.pk, "reason": override.reason, "flags": snapshot})
    return override


def campaign_videos_blocked(campaign: Campaign) -> list[int]:
    """Ids of the campaign's videos that have block flags nobody overrode (they stop activation)."""
    return sorted(VideoScreening.objects.filter(video__campaigns=campaign, unresolved_blocks__gt=0)
                  .values_list("video_id", flat=True))


def check_campaign_activation(campaign: Campaign) -> None:
    """Refuse to activate a campaign while one of its videos has a block flag nobody overrode."""
    blocked = campaign_videos_blocked(campaign)
    if blocked:
        raise ServiceValidationError.single(
            "status", ErrorCode.FORBIDDEN_TRANSITION,
            _("Videos %(ids)s have compliance block flags nobody overrode: fix their copy or approve them "
              "with an override first.") % {"ids": ", ".join(map(str, blocked))})


# --- Brand rules (admin and API) ------------------------------------------------------------


_BRAND_RULE_FIELDS = ("code", "kind", "terms", "allow", "severity", "platforms", "categories", "reason",
                      "suggestion", "is_active")


def _brand_rule_write(*, principal: Principal, rule: BrandRule, source: str) -> BrandRule:
    errors = Collector()
    if not _lines(rule.terms):
        errors.add("terms", ErrorCode.REQUIRED, _("A rule needs at least one term."))
    if not (rule.reason or "").strip():
        errors.add("reason", ErrorCode.REQUIRED, _("Say why: the reviewer reads it."))
    if rule.code and BrandRule.objects.filter(brand_id=rule.brand_id, code=rule.code).exclude(pk=rule.pk).exists():
        errors.add("code", ErrorCode.DUPLICATE, _("The brand already has a rule %(code)r.") % {"code": rule.code})
    errors.raise_if_any()
    full_clean_or_raise(rule, exclude=["brand"])
    with transaction.atomic():
        rule.save()
        audit_record(principal=principal, source=source, action="saveBrandRule", brand_id=rule.brand_id,
                     object_type="brandrule", object_id=rule.pk, details={"code": rule.code})
        brand_id = rule.brand_id
        transaction.on_commit(lambda: enqueue_rescreen(brand_id=brand_id))
    return rule


def brand_rule_create(*, principal: Principal, brand_id, source: str = AuditSource.API, **fields) -> BrandRule:
    """Add a brand rule (brand admins); the brand's videos are re-screened once it is committed."""
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.ADMIN)
    rule = BrandRule(brand=brand, **{k: v for k, v in fields.items() if k in _BRAND_RULE_FIELDS})
    return _brand_rule_write(principal=principal, rule=rule, source=source)


def brand_rule_update(*, principal: Principal, rule_id, source: str = AuditSource.API, **fields) -> BrandRule:
    """Change a brand rule (brand admins; only the given fields); then re-screen the brand's videos."""
    rule = get_for_role(BrandRule.objects, principal=principal, pk=rule_id, field="id", min_role=Role.ADMIN)
    for name, value in fields.items():
        if name in _BRAND_RULE_FIELDS:
            setattr(rule, name, value)
    return _brand_rule_write(principal=principal, rule=rule, source=source)


def enqueue_rescreen(*, brand_id: int | None = None) -> None:
    # By its registered name: compliance.tasks builds on this module.
    current_app.signature("compliance.rescreen_stale_videos").delay(brand_id)
