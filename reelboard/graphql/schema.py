"""The root GraphQL schema: each domain package of reelboard/graphql/ contributes the ``Query`` and ``Mutation``
classes of its ``schema.py`` to the lists below.

To add a domain's API, add its package (types.py, schema.py, mutations) and append its ``Query``/``Mutation``
here; ``merge_types`` builds the roots (the order of the lists is the order of the root fields).
"""

from __future__ import annotations

import logging

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from reelboard.graphql.adplatforms.schema import Mutation as AdPlatformsMutation
from reelboard.graphql.adplatforms.schema import Query as AdPlatformsQuery
from reelboard.graphql.analytics.schema import Mutation as AnalyticsMutation
from reelboard.graphql.analytics.schema import Query as AnalyticsQuery
from reelboard.graphql.analytics.types import SCALARS as ANALYTICS_SCALARS
from reelboard.graphql.compliance.schema import Mutation as ComplianceMutation
from reelboard.graphql.compliance.schema import Query as ComplianceQuery
from reelboard.graphql.core.audit import audited
from reelboard.graphql.core.descriptions import describe_recurring_fields
from reelboard.graphql.core.execution import PlainLeafExecutor
from reelboard.graphql.core.extensions import (
    BadInputCodes,
    MaskUnexpectedErrors,
    ModelFieldsOptimizer,
    client_error_summary,
    is_unexpected,
    optimize_model_fields,
)
from reelboard.graphql.core.limits import (
    IntrospectionPolicy,
    QueryCostLimiter,
    ReadStatementTimeout,
    RememberValidOperations,
)
from reelboard.graphql.core.scalars import SCALARS as CORE_SCALARS
from reelboard.graphql.jobs.schema import Query as JobsQuery
from reelboard.graphql.marketing.schema import Mutation as MarketingMutation
from reelboard.graphql.marketing.schema import Query as MarketingQuery
from reelboard.graphql.personas.schema import Mutation as PersonasMutation
from reelboard.graphql.personas.schema import Query as PersonasQuery
from reelboard.graphql.recommendations.schema import Mutation as RecommendationsMutation
from reelboard.graphql.recommendations.schema import Query as RecommendationsQuery

QUERIES: tuple[type, ...] = (
    MarketingQuery,
    JobsQuery,
    AnalyticsQuery,
    PersonasQuery,
    RecommendationsQuery,
    ComplianceQuery,
    AdPlatformsQuery,
)
MUTATIONS: tuple[type, ...] = (
    MarketingMutation,
    AnalyticsMutation,
    PersonasMutation,
    RecommendationsMutation,
    ComplianceMutation,
    AdPlatformsMutation,
)

Query = merge_types("Query", QUERIES)
Query.__strawberry_definition__.description = (
    "Everything a client can read: node lookups, one connection per brand-scoped model, KPIs, personas, "
    "recommendations, compliance and ad-platform data. Every field needs authentication.")
Mutation = audited(merge_types("Mutation", MUTATIONS))
Mutation.__strawberry_definition__.description = (
    "Every write. Each mutation takes one input and answers a payload whose errors list what was refused "
    "(nothing is written then); every write is recorded in the audit log.")

logger = logging.getLogger("reelboard.graphql")


class ReelboardSchema(strawberry.Schema):
    """The API's schema. Field execution is wired for many small fields (reelboard/graphql/core/execution.py):
    no extension hooks every field (the optimizer hooks the fields returning model types only) and
    plain leaf fields are read in one step."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, execution_context_class=PlainLeafExecutor, **kwargs)
        optimize_model_fields(self._schema)
        describe_recurring_fields(self._schema)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log unexpected errors with their traceback; the client's own mistakes (bad input, no
        authentication, limits) are answered in the response and only noted at INFO."""
        for error in errors:
            if is_unexpected(error):
                StrawberryLogger.error(error, execution_context)
            else:
                logger.info("GraphQL client error: %s", client_error_summary(error))


schema = ReelboardSchema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(relay_max_results=settings.GRAPHQL_MAX_PAGE_SIZE,
                            batching_config={"max_operations": settings.GRAPHQL_MAX_BATCH},
                            scalar_map={**ANALYTICS_SCALARS, **CORE_SCALARS}),
    extensions=[
        ModelFieldsOptimizer,
        BadInputCodes,
        MaskUnexpectedErrors,
        lambda: QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        QueryCostLimiter,
        IntrospectionPolicy,
        RememberValidOperations,
        ReadStatementTimeout,
    ],
)
