"""Descriptions of the schema's recurring fields, written once instead of on every type that has them.

A type's own description (``strawberry.field(description=...)``, a model field's ``help_text``, a model's
docstring) always wins; :func:`describe_recurring_fields` only fills a field that has none, and only for
the names below, whose meaning is the same on every type: a payload's ``errors``, a row's ``createdAt``, a
filter's ``AND``/``OR``, a connection's ``filters`` argument. Filter and ordering inputs (declared in each
app's ``filters.py`` / ``orderings.py``) name model fields; they and their fields are described from
those names (strawberry-django would give them the model's docstring, which describes rows, not filters).
A mutation's payload and input types are described by the mutation they belong to.

tests/marketing/test_schema_contract.py walks the schema and fails on any type, field, root-field
argument, enum or enum value left without a description.
"""

from __future__ import annotations

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)
from strawberry.utils.str_converters import to_snake_case

# Object and input fields, by GraphQL name ("Type.field" for a meaning of one type, looked up first).
FIELDS: dict[str, str] = {
    "errors": "Why the input was refused, all problems at once (see UserError). Non-empty: nothing was "
              "written and the other fields are null. Empty: the mutation succeeded.",
    "createdAt": "When the row was created (ISO 8601 with offset).",
    "updatedAt": "When the row was last changed (ISO 8601 with offset).",
    "currency": "ISO 4217 code of the amounts (e.g. CNY); always the brand's currency.",
    "brandId": "ID of the brand (a Brand ID returned by this API).",
    "campaignId": "ID of the campaign (a Campaign ID returned by this API).",
    "brand": "The brand this belongs to.",
    "campaign": "The campaign this belongs to.",
    "totalCount": "Rows matching the filters, over all pages.",
    # Names with one meaning on every type that has them (rows and the inputs that write them).
    "name": "Display name, as people see it in the product.",
    "slug": "Short unique name used in URLs (lower-case letters, digits, hyphens).",
    "reportingTimezone": "IANA time zone of the brand's reporting days (e.g. Asia/Shanghai): KPIs, spend and "
                         "reports count days in it.",
    "title": "The video's title as published.",
    "description": "The video's description text as published.",
    "KpiDefinition.description": "What the KPI counts, in a sentence.",
    "PlatformKpiDefinition.description": "What the KPI counts, in a sentence.",
    "KpiDefinition.name": "The KPI (its KpiName value).",
    "PlatformKpiDefinition.name": "The KPI (its PlatformKpiName value).",
    "KpiDefinition.formula": "How it is computed from the counts (a ratio of zero is null, never 0).",
    "PlatformKpiDefinition.formula": "How it is computed from the platform's fields.",
    "KpiDefinition.unit": "count, ratio, currency or seconds.",
    "PlatformKpiDefinition.unit": "count, ratio, currency or seconds.",
    "KpiDefinition.higherIsBetter": "Whether a higher value is the better one (the ranking direction).",
    "PlatformKpiDefinition.higherIsBetter": "Whether a higher value is the better one.",
    "KpiDefinition.kinds": "The interaction kinds it counts (lower case).",
    "Interaction.kind": "What the viewer did.",
    "InteractionEventInput.kind": "What the viewer did.",
    "Job.kind": "What the job does (e.g. personas.train, recommendations.train, adplatforms.sync).",
    "Job.message": "What it is doing now, or why it failed.",
    "Job.result": "What it produced, when it succeeded (e.g. the new model's id and version); null before.",
    "Job.finishedAt": "When it succeeded or failed; null while queued or running.",
    "category": "The video's category (the brand's own vocabulary, e.g. beauty).",
    "tags": "The brand's tags of the video.",
    "durationMs": "Length of the video in milliseconds.",
    "publishedAt": "When the video was published on its platform.",
    "externalId": "The id the platform gives this object.",
    "videoExternalId": "The platform's id of the video (with platform, identifies the brand's video).",
    "platform": "The video platform (douyin, kuaishou, taobao, wechat_channels, tiktok).",
    "objective": "What the campaign is optimised for.",
    "startsAt": "When the campaign's flight starts.",
    "endsAt": "When the campaign's flight ends; null: open-ended.",
    "budgetLifetime": "Budget for the whole flight, in the brand's currency; null: none.",
    "budgetDaily": "Budget per reporting day, in the brand's currency; null: none.",
    "videoIds": "IDs of the brand's approved videos in the campaign.",
    "spendToDate": "Spend from the flight's start to now, in the campaign's currency.",
    "spendToday": "Spend on the brand's current day so far.",
    "amount": "The amount spent, a decimal in the brand's currency.",
    "date": "The reporting day (in the brand's time zone).",
    "day": "The reporting day (in the brand's time zone).",
    "dateFrom": "First day of the period (inclusive), in the brand's reporting time zone.",
    "dateTo": "Last day of the period (inclusive), in the brand's reporting time zone.",
    "occurredAt": "When the interaction happened (ISO 8601 with offset).",
    "watchMs": "Watch time of a view in milliseconds; only on VIEW.",
    "value": "The value: a decimal (a purchase's amount, a KPI's value), null when undefined.",
    "values": "The KPI values, as (kpi, value) pairs.",
    "kpi": "Which KPI of the dictionary.",
    "label": "Readable name, in the request's language.",
    "videoId": "ID of the video (a Video ID).",
    "role": "The role on the brand (VIEWER, EDITOR or ADMIN).",
    "isActive": "Whether it is in force now.",
    "lastUsedAt": "When it was last used; null if never.",
    "revokedAt": "When it was revoked; null while valid.",
    "message": "A sentence for a person.",
    "code": "A stable code to branch on.",
    "field": "The input field at fault (camelCase).",
    "reason": "Why, in a sentence a person reads (shown to the brand's users).",
    "severity": "How serious a hit is: BLOCK or WARN.",
    "suggestion": "What to write instead, when there is a suggestion.",
    "terms": "The words or phrases the rule looks for (any one matches).",
    "allow": "Phrases that look like a hit but are fine (exempt from this rule).",
    "platforms": "Video platform codes the rule applies to; empty: every platform.",
    "categories": "Video categories the rule applies to; empty: every category.",
    "timeZone": "IANA time zone the ad platform reports the account's days in.",
    "credentials": "The ad platform's credentials for this account: stored encrypted, never returned.",
    "adPlatform": "The ad platform (the seller of the ads).",
    "level": "The level of the platform's report row (campaign, ad group, ad).",
    "adAccount": "The ad account it was read from.",
    "video": "The video it concerns.",
    "viewer": "The pseudonymous viewer.",
    "status": "Where it stands.",
    "progress": "Share done, 0 to 1.",
    "persona": "The persona.",
    "viewerId": "ID of the viewer (a Viewer ID).",
    "views": "Views (plays) counted.",
    "reach": "Distinct viewers.",
    "impressions": "Times shown.",
    "clicks": "Clicks through to the brand's page.",
    "conversions": "Conversions (goals other than purchases).",
    "purchases": "Purchases.",
    "revenue": "Sum of purchase values, in the brand's currency.",
    "engagementRate": "Engagements (likes, comments, shares, follows) / views; null when there are no views.",
    "ctr": "Clicks / impressions; null when there are no impressions.",
    "cvr": "Conversions / clicks; null when there are no clicks.",
    "firstSeenAt": "When the viewer's first interaction happened.",
    "lastSeenAt": "When the viewer's latest interaction happened.",
    "region": "The viewer's region (province or city), as the platform reports it.",
    "gender": "The viewer's gender; null when unknown.",
    "ageBand": "The viewer's age band; null when unknown.",
    "score": "Relevance score of the recommender (higher is better; comparable within one list only).",
}

# Fields of the filter inputs generated by strawberry-django (boolean logic over the other fields).
FILTER_LOGIC: dict[str, str] = {
    "AND": "Rows matching this filter as well.",
    "OR": "Rows matching this filter instead (either one).",
    "NOT": "Rows not matching this filter.",
    "DISTINCT": "Each row once, even when a filter on a to-many relation matches it several times.",
}

# Arguments of root fields, by GraphQL name.
ARGUMENTS: dict[str, str] = {
    "filters": "Only the rows matching these filters (every filter given must match).",
    "ordering": "Sort order: one or more fields, the first listed sorts first; without it, the list's "
                "default order.",
    "brand": "ID of the brand (a Brand ID returned by this API); another brand's answers NOT_FOUND.",
    "campaign": "ID of the campaign (a Campaign ID returned by this API).",
    "dateFrom": "First day of the period (inclusive), in the brand's reporting time zone.",
    "dateTo": "Last day of the period (inclusive), at most 731 days after dateFrom.",
    "input": "The mutation's input; problems with it come back in the payload's errors.",
    "id": "The ID of the object, as returned by this API.",
    "brandId": "ID of the brand (a Brand ID returned by this API).",
    "viewer": "ID of the viewer (a Viewer ID returned by this API).",
    "video": "ID of the video (a Video ID returned by this API).",
    "persona": "ID of a persona (a Persona ID returned by this API).",
    "first": "How many to return, 1 to 100.",
    "kpis": "The KPIs to return, in this order; default: every KPI, in kpiDefinitions order.",
    "kpi": "The KPI to rank by: best first by its higherIsBetter, undefined values last.",
    "platform": "A video platform's code (douyin, kuaishou, taobao, wechat_channels, tiktok).",
    "platformUserId": "The viewer's user id on that platform as the platform gives it: pseudonymised at once, "
                      "never stored or logged.",
    "excludeSeen": "Leave out videos the viewer already interacted with.",
    "by": "What the rows are grouped by.",
    "text": "The copy to screen, 1 to 10,000 characters.",
    "language": "Language of the rules and messages: zh-hans or en.",
    "category": "The video's category; optional, narrows the category rules.",
    "events": "The interactions to store, at most INGEST_MAX_EVENTS per call; each is validated on its own.",
}


def _filter_field(name: str) -> str:
    return f"Only rows whose {to_snake_case(name).replace('_', ' ')} matches this lookup."


def _order_field(name: str) -> str:
    return f"Sort by {to_snake_case(name).replace('_', ' ')} (ASC or DESC; NULLS FIRST / LAST variants)."


def _mutations_by_type(schema: GraphQLSchema) -> dict[str, list[str]]:
    """Payload and input type name -> the mutations answering / taking it."""
    found: dict[str, list[str]] = {}
    for name, field in (schema.mutation_type.fields if schema.mutation_type else {}).items():
        found.setdefault(get_named_type(field.type).name, []).append(name)
        for argument in field.args.values():
            found.setdefault(get_named_type(argument.type).name, []).append(name)
    return found


def _mutation_io(graphql_type, mutations: dict[str, list[str]]) -> None:
    """Payloads and inputs: what they are is which mutation answers or takes them."""
    found = mutations.get(graphql_type.name, [])
    if not found:
        return
    names = ", ".join(found)
    if isinstance(graphql_type, GraphQLObjectType) and graphql_type.name.endswith("Payload"):
        if not graphql_type.description:
            graphql_type.description = (f"What {names} {'answers' if len(found) == 1 else 'answer'}: the result "
                                        "when errors is empty; otherwise errors lists every problem and nothing "
                                        "was written.")
        for name, field in graphql_type.fields.items():
            if not field.description and name != "errors":
                field.description = (f"The {to_snake_case(name).replace('_', ' ')} as the mutation left it; null "
                                     "when errors is not empty.")
    elif isinstance(graphql_type, GraphQLInputObjectType) and not graphql_type.description:
        graphql_type.description = (f"The input of {names}. A problem with a field comes back in the payload's "
                                    "errors, naming that field.")


def describe_recurring_fields(schema: GraphQLSchema) -> None:
    """Fill the descriptions the types leave out for the recurring names above (in place)."""
    mutations = _mutations_by_type(schema)
    for graphql_type in schema.type_map.values():
        if graphql_type.name.startswith("__"):
            continue
        if not isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            continue
        _mutation_io(graphql_type, mutations)
        is_filter = isinstance(graphql_type, GraphQLInputObjectType) and graphql_type.name.endswith("Filter")
        is_order = isinstance(graphql_type, GraphQLInputObjectType) and graphql_type.name.endswith("Order")
        subject = to_snake_case(graphql_type.name.removesuffix("Filter").removesuffix("Order")).replace("_", " ")
        if is_filter:  # not the model's docstring: it describes the rows, not the filter
            graphql_type.description = (f"Which {subject} rows to return: every field given must match; "
                                        "combine with AND, OR and NOT.")
        elif is_order:
            graphql_type.description = f"How to sort {subject} rows: the first field given sorts first."
        for name, field in graphql_type.fields.items():
            if not field.description:
                if is_filter:
                    field.description = FILTER_LOGIC.get(name) or _filter_field(name)
                elif is_order:
                    field.description = _order_field(name)
                else:
                    field.description = FIELDS.get(f"{graphql_type.name}.{name}") or FIELDS.get(name)
            if graphql_type.name in ("Query", "Mutation") and isinstance(graphql_type, GraphQLObjectType):
                for argument_name, argument in field.args.items():
                    if not argument.description:
                        argument.description = ARGUMENTS.get(argument_name)
