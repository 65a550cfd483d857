"""checkCopy (copy before upload, no video needed), viewerByPlatformUser (data-subject requests), brandRules.

The services' validation errors are answered by ``BadInputCodes`` like every query's (extensions.code and
extensions.field).
"""

from __future__ import annotations

import strawberry
import strawberry_django
from strawberry.types import Info

from compliance import privacy, services
from reelboard.graphql.compliance.mutations import ComplianceMutation as Mutation
from reelboard.graphql.compliance.types import BrandRuleType, ComplianceFlag
from reelboard.graphql.core.errors import decode_id
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.core.types import Connection
from reelboard.graphql.marketing.types import ViewerType


@strawberry.type
class Query:
    brand_rules: Connection[BrandRuleType] = strawberry_django.connection(
        extensions=authenticated(), description="Your brands' own compliance rules.")

    @strawberry.field(extensions=authenticated(), description=(
        "Screen a piece of copy against the built-in rule sets before upload; no video needed. platform is a "
        "platform code (douyin, kuaishou, taobao, wechat_channels, tiktok), language zh-hans or en, category "
        "optional (narrows the category rules); text 1 to 10,000 characters."))
    def check_copy(self, text: str, platform: str, language: str, category: str | None = None
                   ) -> list[ComplianceFlag]:
        return services.check_copy(text=text, platform=platform, language=language, category=category)

    @strawberry.field(extensions=authenticated(), description=(
        "The brand's viewer with this platform user id, or null (brand admins; the id is pseudonymised at once, "
        "never stored or logged; the lookup is audited). Use its id with exportViewerData / eraseViewer."))
    def viewer_by_platform_user(self, info: Info, brand: strawberry.ID, platform: str, platform_user_id: str
                                ) -> ViewerType | None:
        return privacy.viewer_by_platform_user(
            principal=principal_of(info), brand_id=decode_id(brand, expected="Brand", field="brand"),
            platform=platform, platform_user_id=platform_user_id)


__all__ = ["Mutation", "Query"]
