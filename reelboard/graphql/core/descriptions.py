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
    # Meanings of one type ("Type.field"), grouped by type.
    "Query.brands": "The brands you are a member of (any role), by name unless ordering says otherwise.",
    "Query.videos": "Videos of your brands in every moderation status (filter on moderationStatus for the "
                    "approved ones), latest publishedAt first unless ordering says otherwise.",
    "Query.campaigns": "Campaigns of your brands, latest startsAt first unless ordering says otherwise.",
    "Query.campaignSpend": "Spend rows of your brands' campaigns, hand-typed and synced (see Campaign.spend), by "
                           "campaign and day unless ordering says otherwise.",
    "Query.viewers": "Pseudonymous viewers of your brands (a keyed hash, never the platform's user id), in the "
                     "order they were stored unless ordering says otherwise.",
    "Query.interactions": "Raw interactions of your brands, newest first unless ordering says otherwise; those "
                          "older than a brand's rawEventRetentionDays are removed (KPIs keep their values).",
    "Query.node": "Any object by the ID this API returned, if it belongs to one of your brands; a missing ID or "
                  "another brand's answers NOT_FOUND.",
    "Query.nodes": "Objects by the IDs this API returned, in the order asked (types may be mixed); one missing or "
                   "hidden ID answers NOT_FOUND for the whole list.",
    "Job.id": "ID of the job (a Job ID): pass it to job(id:) to poll.",
    # Inputs that name the object they change: the error of a bad one names the field id.
    "UpdateBrandInput.id": "ID of the brand to change (a Brand ID); brand admins only.",
    "RevokeApiTokenInput.id": "ID of the token to revoke (an ApiToken ID from apiTokens); brand admins only.",
    "UpdateCampaignInput.id": "ID of the campaign to change (a Campaign ID); editors and admins of its brand.",
    "ChangeCampaignStatusInput.id": "ID of the campaign to move (a Campaign ID); editors and admins of its brand.",
    "UpdateVideoInput.id": "ID of the video to change (a Video ID); editors and admins of its brand.",
    "ModerateVideoInput.id": "ID of the video to moderate (a Video ID); editors and admins of its brand.",
    "UpdateAdAccountInput.id": "ID of the ad account to change (an AdAccount ID); brand admins only.",
    "DeleteAdAccountInput.id": "ID of the ad account to remove (an AdAccount ID); brand admins only.",
    "SyncAdAccountInput.id": "ID of the ad account to sync (an AdAccount ID); editors and admins of its brand.",
    "UpdateBrandRuleInput.id": "ID of the rule to change (a BrandRule ID); brand admins only.",
    # Videos and campaigns.
    "Video.moderationStatus": "Where the video is in moderation (moderateVideo, editors). Only APPROVED videos join "
                              "campaigns and are recommended; changing the reviewed copy (title, description, tags, "
                              "script, cover text) of an approved video sends it back to PENDING.",
    "Video.moderationReason": "The moderator's reason for the last decision, as typed (always present on a "
                              "rejection); empty when none was given or an edit sent the video back to PENDING.",
    "Video.moderatedAt": "When the last moderation decision was taken; null if never, or since an edit of the "
                         "reviewed copy sent the video back to PENDING.",
    "Campaign.statusChangedAt": "When status last changed (changeCampaignStatus); the creation time until then.",
    "Campaign.videos": "The campaign's videos, set with videoIds (each approved when attached). A video stays "
                       "attached when an edit sends it back to review: check its moderationStatus.",
    "Campaign.spend": "The campaign's spend rows: one per day typed by hand (recordSpend) and one per day and "
                      "ad account synced from the ad platforms. On a day with synced spend the "
                      "hand-typed row is ignored by KPIs and pacing (synced rows add up).",
    "CampaignPacing.elapsedShare": "Share of the flight elapsed now, 0 to 1 (6 decimals); null for an open-ended "
                                   "campaign (no endsAt).",
    # Ad accounts and their reports.
    "AdAccount.lastSyncedAt": "When a sync last stored at least one day of this account's reports; null until "
                              "then. A sync whose every day failed leaves it unchanged.",
    "AdAccount.lastSyncError": "The failures of the latest sync, one per failed day joined by '; ': the day (the "
                               "account's zone), the error kind, the platform's code and message (never a "
                               "credential), at most 2,000 characters. Empty when the latest sync had no failed "
                               "day: every sync overwrites it. A sync refused before it starts (paused, no access "
                               "token, another currency) leaves it as it was; its job's error says why.",
    "AdCredentialsInput.accessToken": "The ad platform's OAuth access token for the advertiser (TikTok for "
                                      "Business, Ocean Engine and Kuaishou alike); a sync is refused without one. "
                                      "Replaced by Reelboard when it refreshes the token. Write-only, encrypted "
                                      "at rest.",
    "AdCredentialsInput.refreshToken": "The OAuth refresh token: with appId and secret, Reelboard trades it for a new "
                                       "access token when the platform says the old one expired (and stores both). "
                                       "Without it an expired token fails the sync's days (the account turns "
                                       "AUTH_FAILED when no day succeeds). Write-only, encrypted at rest.",
    "AdCredentialsInput.appId": "The id of your developer app on the ad platform; used, with secret, only to "
                                "refresh the access token. Write-only, encrypted at rest.",
    "AdCredentialsInput.secret": "The secret of that developer app, sent with appId to refresh the access token. "
                                 "Write-only, encrypted at rest.",
    "CreateAdAccountInput.advertiserId": "The advertiser (account) id on the ad platform, as its console shows it; "
                                         "one Reelboard account per ad platform and advertiser id.",
    "PlatformDailyStat.spend": "What the ad platform charged for the row that day, in the account's currency (the "
                               "brand's: accounts in another currency are refused); null when not reported.",
    "PlatformDailyStat.plays": "Plays as the ad platform counts them (TikTok: video starts; Ocean Engine: plays "
                               "over 0 s; Kuaishou: material impressions, aclick): not comparable across platforms.",
    "PlatformDailyStat.plays2s": "Plays of at least 2 seconds (TikTok: or to the end of a shorter video).",
    "PlatformDailyStat.plays3s": "Plays of at least 3 seconds; Ocean Engine and Kuaishou, null on TikTok.",
    "PlatformDailyStat.plays6s": "Plays of at least 6 seconds (or to the end of a shorter video); TikTok only.",
    "PlatformDailyStat.plays10s": "Plays of at least 10 seconds; Ocean Engine and Kuaishou, null on TikTok.",
    "PlatformDailyStat.plays25": "Plays reaching 25 % of the video; TikTok and Ocean Engine, null on Kuaishou.",
    "PlatformDailyStat.plays50": "Plays reaching 50 % of the video; TikTok and Ocean Engine, null on Kuaishou.",
    "PlatformDailyStat.plays75": "Plays reaching 75 % of the video.",
    "PlatformDailyStat.plays100": "Plays reaching the end of the video (Kuaishou: its completion rate × plays, "
                                  "rounded).",
    "PlatformDailyStat.avgPlayTimeS": "Average play time per play, in seconds; TikTok and Ocean Engine, null on "
                                      "Kuaishou.",
    "PlatformDailyStat.profileVisits": "Visits to the advertiser's profile from the ads; TikTok and Ocean Engine, "
                                       "null on Kuaishou.",
    "PlatformDailyStat.fetchedAt": "When this row was last read from the ad platform (a sync or a report file "
                                   "import); a later read of the same day replaces the row.",
    # KPIs.
    "BrandOverview.totals": "KPIs of all the brand's interactions in the period, in a campaign or not (in the "
                            "order of the kpis argument; every KPI when omitted).",
    "BrandOverview.campaigns": "Every campaign of the brand, activity or not, latest start first, with the same "
                               "KPIs over the period.",
    "KpiBreakdown.by": "The dimension the groups are of (the by argument).",
    "KpiChange.absoluteChange": "value − previous, in the KPI's unit; null when either is null.",
    "KpiChange.relativeChange": "(value − previous) / previous as a fraction (0.25 = up 25 %, 6 decimals); null "
                                "when either is null or previous is 0.",
    "ReconciliationDay.platformImpressions": "Impressions the ad platforms report for the day (their campaign-level "
                                             "rows, summed over the ad platforms); null when none reported any.",
    "ReconciliationDay.firstPartyImpressions": "Impressions Reelboard counted from its own interactions that day.",
    "ReconciliationDay.impressionsDifference": "(platform − first party) / first party as a fraction (0.25: the "
                                               "platforms count 25 % more); null when the platform number is null "
                                               "or the first-party one is 0.",
    "ReconciliationDay.platformPlays": "Plays the ad platforms report for the day (each by its own definition, "
                                       "summed); null when none reported any.",
    "ReconciliationDay.playsDifference": "(platform plays − first-party views) / first-party views as a fraction; "
                                         "null when the platform number is null or the first-party one is 0.",
    "ReconciliationDay.platformClicks": "Clicks the ad platforms report for the day (summed over the ad platforms); "
                                        "null when none reported any.",
    "ReconciliationDay.firstPartyClicks": "Clicks Reelboard counted from its own interactions that day.",
    "ReconciliationDay.clicksDifference": "(platform − first party) / first party as a fraction; null when the "
                                          "platform number is null or the first-party one is 0.",
    # Pacing alerts: the figures as they were when the alert was raised, in its currency.
    "PacingAlert.expectedSpend": "Spend expected by the moment the alert was raised: the lifetime straight line "
                                 "when the campaign has one, else the daily budget line; null when neither applies.",
    "PacingAlert.pacingRatio": "spendToDate / expectedSpend when the alert was raised (6 decimals); null when "
                               "nothing was expected yet.",
    "PacingAlert.projectedSpend": "Spend at the end of the flight at the rate so far, as projected when the alert "
                                  "was raised; null for an open-ended campaign or before its start.",
    "PacingAlert.emailSentAt": "When the alert e-mail went to the recipients of the brand's alert endpoint; null "
                               "if not sent (no recipients, no active endpoint, or delivery still being retried).",
    "PacingAlert.webhookSentAt": "When the signed webhook to the brand's alert endpoint was delivered; null if not "
                                 "(no webhook URL, no active endpoint, or delivery still being retried).",
    "PacingAlert.condition": "Why it was raised; at most one alert per campaign, condition and brand day.",
    # Compliance.
    "BrandRule.kind": "What the rule looks for; set when the rule is created and not changeable after.",
    "CreateBrandRuleInput.kind": "What the rule looks for (default BANNED_WORD); updateBrandRule cannot change it.",
    "ComplianceFlag.ruleId": "The rule that matched: a built-in rule's id (e.g. adlaw.superlative) or "
                             "brand.<n>.<code> for a brand's own rule (code: BrandRule.code).",
    "ComplianceFlag.ruleSet": "The rule's set: a built-in one (e.g. ad-law-absolute, efficacy-claims) or "
                              "brand-<n> for a brand's own rules.",
    "ComplianceFlag.start": "Offset of the first matched character in field's text, 0-based, in Unicode code points "
                            "(not UTF-16 units); 0 for a missing disclosure.",
    "ComplianceFlag.end": "Offset just after the last matched character (exclusive), in code points; equal to start "
                          "(0) for a missing disclosure.",
    # Personas.
    "PersonaAudienceEntry.isTarget": "Whether the campaign targets this persona (setCampaignTargetPersonas).",
    "PersonaAudienceEntry.basis": "What the rank rests on: OBSERVED when at least PRIVACY_MIN_GROUP_SIZE of the persona's "
                                  "viewers interacted with the campaign's videos; PREDICTED otherwise, and then "
                                  "viewers, views, the rates and observedScore are null.",
    "PersonaCampaignKpis.campaignName": "The campaign's current name.",
    "PersonaKpis.campaigns": "One entry per campaign with at least PRIVACY_MIN_GROUP_SIZE of the persona's viewers, most "
                             "views first.",
    "TrainPersonasInput.randomState": "Seed of the feature reduction and the clustering: the same data, parameters "
                                      "and seed give the same personas.",
    # Recommendations.
    "RecommendationMetricsRow.servedLists": "Lists served in the group over the period (each logged answer "
                                            "of recommendations or similarVideos).",
    "RecommendationMetricsRow.itemsServed": "Videos served over those lists (the sum of their lengths).",
    "RecommendationMetricsRow.watchSecondsPer1000": "Watch time attributed to the served items, in seconds per "
                                                    "1,000 items served; 0 when none were served.",
    "RecommendationMetricsRow.conversionsPer1000": "Conversions and purchases attributed to the served items, per "
                                                   "1,000 items served; 0 when none were served.",
    "RecommendationMetricsRow.videosServed": "Distinct videos served in the group.",
    "RecommenderExperiment.surface": "Where the split applies: the feed (recommendations) or similarVideos; at most "
                                     "one running experiment per brand and surface.",
    "RecommenderExperiment.primaryMetric": "The per-viewer metric the verdict is about; mde and baseline are in its "
                                           "unit.",
    "RecommenderSettings.rerankEnabled": "Whether served lists are re-ranked by default, at rerankStrength; off (the "
                                         "default): relevance order unless a request passes rerankStrength.",
    "UpdateRecommenderSettingsInput.rerankEnabled": "Turn the brand's default re-ranking on or off; null: unchanged.",
    "StartExperimentInput.candidateId": "The RecommenderModel to test: a ready version of the same brand other "
                                        "than the control; it serves trafficShare of the viewers.",
    "StartExperimentInput.primaryMetric": "The per-viewer metric the verdict is about; with mde and baseline it "
                                          "sets requiredSampleSize.",
    "StartExperimentInput.guardrailMetrics": "Metrics that must not get worse for the candidate: a breach stops "
                                             "the experiment and sends the alerts. Default: none.",
    "StartExperimentInput.surface": "Where the split applies (default FEED); another experiment running on it for "
                                    "the brand is refused.",
    "StartExperimentInput.alertWebhookUrl": "URL sent a JSON POST (event experiment.stopped, the breached metrics, "
                                            "the result) when a guardrail stops the experiment; default: none.",
    "StartExperimentInput.alertEmails": "E-mail addresses, comma separated, told when a guardrail stops the "
                                        "experiment; default: none.",
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
