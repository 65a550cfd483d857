"""GraphQL types of compliance: one flag shape for checkCopy results and a video's stored flags."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.utils import translation

from compliance.matching import EN, LANGUAGES, ZH
from compliance.models import BrandRule, BrandRuleKind, Severity
from reelboard.graphql.core.enums import choices_enum
from reelboard.graphql.core.types import BrandScoped

ComplianceSeverity = choices_enum(
    Severity, name="ComplianceSeverity", description="How serious a compliance flag is.",
    values={"BLOCK": "The video cannot be approved without an override reason.",
            "WARN": "For the reviewer's attention; approval is not blocked."})
BrandRuleKindEnum = choices_enum(
    BrandRuleKind, name="BrandRuleKind", description="What a brand's own compliance rule looks for.",
    values={"BANNED_WORD": "Terms the brand never uses in its copy.",
            "COMPETITOR": "Competitors' names, flagged wherever they appear.",
            "REQUIRED_DISCLOSURE": "Terms the copy must contain (e.g. #ad); flagged when missing."})


def _in_language(texts: dict, language: str | None) -> str:
    if language not in LANGUAGES:
        language = ZH if (translation.get_language() or "").startswith("zh") else EN
    return texts.get(language) or texts.get(EN) or texts.get(ZH) or ""


@strawberry.type(name="ComplianceFlag", description=(
    "A rule hit in a piece of copy: the span (start inclusive, end exclusive, in characters of the field's "
    "text), the rule, and why."))
class ComplianceFlag:
    rule_id: str
    rule_set: str
    field: str = strawberry.field(description="title, description, tags (joined by ', '), script, cover_text, "
                                              "all (a missing disclosure), or text for checkCopy.")
    start: int
    end: int
    text: str = strawberry.field(description="The matched characters as written in the copy.")
    source: str = strawberry.field(description="The law and article, or the platform rule.")

    @strawberry.field
    def severity(self) -> ComplianceSeverity:  # type: ignore[valid-type]
        return ComplianceSeverity(self.severity)

    @strawberry.field(description="What the reviewer reads; language zh-hans or en (default: the request's).")
    def reason(self, language: str | None = None) -> str:
        return _in_language(self.reason, language)

    @strawberry.field(description="A suggested rewrite, where the rule has one.")
    def suggestion(self, language: str | None = None) -> str | None:
        return _in_language(self.suggestion, language) or None

    @strawberry.field(description="An approver overrode this block flag (on the record).")
    def overridden(self) -> bool:
        return getattr(self, "override_id", None) is not None


@strawberry_django.type(BrandRule, name="BrandRule")
class BrandRuleType(BrandScoped):
    code: strawberry.auto
    terms: strawberry.auto
    allow: strawberry.auto
    platforms: strawberry.auto
    categories: strawberry.auto
    reason: strawberry.auto
    suggestion: strawberry.auto
    is_active: strawberry.auto

    @strawberry_django.field(only=["kind"])  # the optimizer loads the column with the page (no query per row)
    def kind(self) -> BrandRuleKindEnum:  # type: ignore[valid-type]
        return BrandRuleKindEnum(self.kind)

    @strawberry_django.field(only=["severity"])
    def severity(self) -> ComplianceSeverity:  # type: ignore[valid-type]
        return ComplianceSeverity(self.severity)
