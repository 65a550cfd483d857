"""createBrandRule, updateBrandRule: a brand's own compliance rules (brand admins)."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from compliance import services
from reelboard.graphql.compliance.types import BrandRuleKindEnum, BrandRuleType, ComplianceSeverity
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.mutations import enum_value, given
from reelboard.graphql.core.permissions import authenticated, principal_of


@strawberry.input
class CreateBrandRuleInput:
    brand_id: strawberry.ID
    code: str
    terms: list[str]
    reason: str
    kind: BrandRuleKindEnum = BrandRuleKindEnum.BANNED_WORD  # type: ignore[valid-type]
    severity: ComplianceSeverity = ComplianceSeverity.WARN  # type: ignore[valid-type]
    allow: list[str] | None = None
    platforms: list[str] | None = None
    categories: list[str] | None = None
    suggestion: str = ""


@strawberry.input(description="Only the fields you send change.")
class UpdateBrandRuleInput:
    id: strawberry.ID
    terms: list[str] | None = UNSET
    reason: str | None = UNSET
    severity: ComplianceSeverity | None = UNSET  # type: ignore[valid-type]
    allow: list[str] | None = UNSET
    platforms: list[str] | None = UNSET
    categories: list[str] | None = UNSET
    suggestion: str | None = UNSET
    is_active: bool | None = UNSET


@strawberry.type
class BrandRulePayload:
    brand_rule: BrandRuleType | None = None
    errors: list[UserError]


def _lines(values):
    if values is UNSET:
        return UNSET
    return "\n".join(values or ())


@strawberry.type
class BrandRuleMutation:
    @strawberry.mutation(extensions=authenticated(), description="Add a brand's own rule (brand admins).")
    def create_brand_rule(self, info: Info, input: CreateBrandRuleInput) -> BrandRulePayload:
        return run_service(BrandRulePayload, "brand_rule", lambda: services.brand_rule_create(
            principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brandId"),
            code=input.code, kind=enum_value(input.kind), severity=enum_value(input.severity),
            terms=_lines(input.terms), allow=_lines(input.allow), platforms=",".join(input.platforms or ()),
            categories=",".join(input.categories or ()), reason=input.reason, suggestion=input.suggestion,
        ))

    @strawberry.mutation(extensions=authenticated(), description="Change a brand rule (brand admins).")
    def update_brand_rule(self, info: Info, input: UpdateBrandRuleInput) -> BrandRulePayload:
        return run_service(BrandRulePayload, "brand_rule", lambda: services.brand_rule_update(
            principal=principal_of(info), rule_id=decode_id(input.id, expected="BrandRule", field="id"),
            **given(terms=_lines(input.terms), allow=_lines(input.allow), reason=input.reason,
                    severity=enum_value(input.severity) if input.severity else input.severity,
                    platforms=",".join(input.platforms or ()) if input.platforms is not UNSET else UNSET,
                    categories=",".join(input.categories or ()) if input.categories is not UNSET else UNSET,
                    suggestion="" if input.suggestion is None else input.suggestion, is_active=input.is_active),
        ))
