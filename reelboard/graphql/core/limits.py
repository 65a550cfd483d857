"""Limits on what one GraphQL request may ask for, beyond strawberry's depth/alias/token limiters.

- ``QueryCostLimiter``: refuses an operation whose estimated cost exceeds ``GRAPHQL_MAX_COST``, or one
  with a list argument longer than ``GRAPHQL_MAX_LIST_ARGUMENT``, before it is validated or executed
  (checked on every request: both read the variables). Cost model (``_Walk``): every selected field
  costs 1, multiplied by the page sizes of the lists it sits in. A field with a ``first``/``last``
  argument, or one that returns a Relay connection, multiplies everything below it by its page size
  (``GRAPHQL_MAX_PAGE_SIZE`` when the argument is absent); a field with an ``ids`` list (``nodes(ids:)``)
  by the number of ids; other lists count once. Fields that read KPI rows (``PERIOD_FIELDS``) cost the
  days of the enclosing ``dateFrom``..``dateTo`` times the groups they read per day. Fragments are
  expanded where they are spread. A batch is refused as a whole when the sum of its operations' costs
  exceeds the limit (the view sets ``BATCH_COST_ATTRIBUTE`` on the request; no operation of it runs).
- ``ReadStatementTimeout``: on PostgreSQL, every statement of a query operation (not mutations, not
  Celery) runs under a ``statement_timeout`` of ``DB_STATEMENT_TIMEOUT_MS``.
- ``IntrospectionPolicy``: turns introspection off unless ``GRAPHQL_INTROSPECTION`` is on (off by
  default in production settings), and then strips graphql-core's "Did you mean ...?" suggestions.
- ``RememberValidOperations``: validation (graphql-core's rules plus the limiters) was 15-36% of the
  server time of the load suite's operations, each of which sends the same few query texts again and
  again. An operation that passed validation is remembered, per process, under everything its validation
  depends on: the query text, the limits' settings and the integer variables. The next request with the
  same key skips validation; one that failed is validated again (errors are never cached, so their
  messages and codes stay exactly as validation makes them). strawberry's own ``ValidationCache`` cannot
  be used: it keys on the rule classes, which the limiters create per request.

All read settings per request, so tests can change them with ``override_settings``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    parse,
    value_from_ast_untyped,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from marketing.models import AgeBand, Gender

PAGE_ARGUMENTS = ("first", "last")
SUGGESTION = re.compile(r" Did you mean [^?]*\?")  # graphql-core's did_you_mean(), at the end of a message


class QueryCostLimiter(SchemaExtension):
    """Refuses an operation over the cost or list-size limits, before validation and execution."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            request = getattr(context.context, "request", None)
            errors = request_limit_errors(context.schema._schema, context.graphql_document, context.operation_name,
                                          context.variables or {},
                                          batch_cost=getattr(request, BATCH_COST_ATTRIBUTE, None))
            if errors:
                context.pre_execution_errors = errors  # strawberry answers them instead of validating
        yield


class ReadStatementTimeout(SchemaExtension):
    """Bounds each SQL statement of a query operation on PostgreSQL (``DB_STATEMENT_TIMEOUT_MS``; 0: off).

    The setting is transaction-local (``set_config(..., true)``, i.e. ``SET LOCAL``) in a transaction opened
    around the execution, so the pooled connection never keeps it. Mutations (ingest included) and Celery
    tasks are not bounded: they write, and a write cut short helps nobody. A statement cancelled by the
    timeout fails its field (logged as unexpected; the client sees INTERNAL_SERVER_ERROR) and the read's
    transaction is rolled back.
    """

    def on_execute(self) -> Iterator[None]:
        timeout = settings.DB_STATEMENT_TIMEOUT_MS
        if (timeout <= 0 or connection.vendor != "postgresql"
                or self.execution_context.operation_type != OperationType.QUERY):
            yield
            return
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                               [f"{int(timeout)}ms"])
                previous = cursor.fetchone()[0]
            try:
                yield
            finally:
                _restore_statement_timeout(previous)


def _restore_statement_timeout(previous: str) -> None:
    # Inside an enclosing transaction (ATOMIC_REQUESTS, tests) the local setting would outlive ours.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
    except DatabaseError:  # a statement was cancelled and the transaction aborted: roll back this read
        transaction.set_rollback(True)


class IntrospectionPolicy(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        if not settings.GRAPHQL_INTROSPECTION:
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules, NoSchemaIntrospectionCustomRule)
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        if settings.GRAPHQL_INTROSPECTION:
            return
        # graphql-core's "Did you mean 'brands'?" would spell out the schema that introspection hides.
        context = self.execution_context
        for error in (*(getattr(context.result, "errors", None) or ()), *(context.pre_execution_errors or ())):
            error.message = SUGGESTION.sub("", error.message)


# Everything validation reads besides the document and the variables (MAX_TOKENS is checked when parsing).
VALIDATION_SETTINGS = ("GRAPHQL_MAX_DEPTH", "GRAPHQL_MAX_ALIASES", "GRAPHQL_MAX_COST", "GRAPHQL_MAX_PAGE_SIZE",
                       "GRAPHQL_INTROSPECTION")
VALIDATION_CACHE = "graphql-validation"  # a per-process (local memory) cache of settings.CACHES


def validation_key(query: str, variables: Mapping[str, Any] | None) -> str:
    """What one operation's validation outcome depends on, as a cache key."""
    limits = [getattr(settings, name) for name in VALIDATION_SETTINGS]
    # The cost rule reads top-level integer variables only (``first: $n``); bool is an int too: kept.
    sizes = sorted((name, value) for name, value in (variables or {}).items() if isinstance(value, int))
    return "valid:" + hashlib.sha256(repr((query, limits, sizes)).encode()).hexdigest()


class RememberValidOperations(SchemaExtension):
    """Skip validating an operation that already passed with the same key (see the module docstring)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        cache = caches[VALIDATION_CACHE]
        key = validation_key(context.query or "", context.variables) if context.query else None
        # Errors set before validation (QueryCostLimiter) stand: the operation is refused either way.
        known = key is not None and context.pre_execution_errors is None and cache.get(key) is not None
        if known:
            context.pre_execution_errors = []  # strawberry runs validation only while this is None
        yield
        if key is not None and not known and context.pre_execution_errors == []:
            cache.set(key, True, None)


# --- cost ---------------------------------------------------------------------------------------

BATCH_COST_ATTRIBUTE = "graphql_batch_cost"  # set on the request by the view for a batch: the sum of its costs
# KPI ranges longer than this are refused by the KPI fields themselves (reelboard.graphql.analytics.types.MAX_RANGE_DAYS).
MAX_PERIOD_DAYS = 731
# Groups a breakdown reads per day. Demographic breakdowns read one group per choice (plus "other");
# the others depend on the brand's data, unknown before execution: a nominal count, the same for all.
NOMINAL_GROUPS = 20
BREAKDOWN_GROUPS = {"DAY": 1, "GENDER": len(Gender.choices) + 1, "AGE_BAND": len(AgeBand.choices) + 1,
                    "REGION": NOMINAL_GROUPS, "PLATFORM": NOMINAL_GROUPS, "VIDEO": NOMINAL_GROUPS,
                    "PERSONA": NOMINAL_GROUPS}
# Fields that read KPI rows for every day of the enclosing period, and how many groups per day they read
# (a number, or a function of the field's arguments). Their cost is days x groups (instead of 1).
PERIOD_FIELDS: dict[tuple[str, str], int | Callable[[Mapping[str, Any]], int]] = {
    ("KpiSet", "totals"): 1,
    ("KpiSet", "series"): 1,  # every granularity reads the daily rows
    ("KpiSet", "comparison"): 2,  # this period and the previous one
    ("KpiSet", "breakdown"): lambda arguments: BREAKDOWN_GROUPS.get(str(arguments.get("by")), NOMINAL_GROUPS),
    ("Query", "brandOverview"): 1 + NOMINAL_GROUPS,  # the brand, then each campaign
    ("Query", "topVideos"): NOMINAL_GROUPS,  # every video of the brand is ranked
}
# List arguments not capped by GRAPHQL_MAX_LIST_ARGUMENT: ingestion has its own limit (INGEST_MAX_EVENTS).
UNCAPPED_LISTS = frozenset({("Mutation", "ingestInteractions", "events")})


def request_limit_errors(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                         variables: Mapping[str, Any], *, batch_cost: int | None = None) -> list[GraphQLError]:
    """The errors refusing this operation under the list-size and cost limits ([] when it may run)."""
    operation = _operation(document, operation_name)
    if operation is None:  # graphql-core reports a missing or ambiguous operation
        return []
    walk = _Walk(schema, document, operation, variables)
    cost = walk.cost()
    if walk.too_long is not None:
        return [walk.too_long]
    limit = settings.GRAPHQL_MAX_COST
    if batch_cost is not None and batch_cost > limit:
        return [GraphQLError(f"The batch's cost {batch_cost:,} exceeds the limit of {limit:,}: send fewer or "
                             f"smaller operations.", operation,
                             extensions={"code": "QUERY_TOO_COSTLY", "cost": batch_cost, "limit": limit})]
    if cost > limit:
        return [GraphQLError(f"Query cost {cost:,} exceeds the limit of {limit:,}: ask for smaller pages "
                             f"(first/last), shorter periods or fewer nested lists.", operation,
                             extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit})]
    return []


def operation_cost(schema: GraphQLSchema, query: str, operation_name: str | None,
                   variables: Mapping[str, Any] | None) -> int:
    """The cost of one operation of a request (0 when it does not parse: it will be refused anyway)."""
    try:
        document = parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except (GraphQLError, TypeError):
        return 0
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    return _Walk(schema, document, operation, variables if isinstance(variables, Mapping) else {}).cost()


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class _Walk:
    """One pass over an operation: its cost, and the first list argument over the size limit."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
                 variables: Mapping[str, Any]) -> None:
        self.schema, self.operation = schema, operation
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        defaults = {d.variable.name.value: value_from_ast_untyped(d.default_value)
                    for d in operation.variable_definitions or () if d.default_value is not None}
        self.variables = {**defaults, **variables}
        self.max_list = settings.GRAPHQL_MAX_LIST_ARGUMENT
        self.too_long: GraphQLError | None = None

    def cost(self) -> int:
        root = self.schema.get_root_type(self.operation.operation)
        return self._selection(self.operation.selection_set, root, days=MAX_PERIOD_DAYS, seen=frozenset())

    def _selection(self, selection_set: SelectionSetNode | None, parent: Any, *, days: int,
                   seen: frozenset[str]) -> int:
        if selection_set is None or parent is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, days=days, seen=seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self._selection(selection.selection_set, target, days=days, seen=seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: validation reports it
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self._selection(fragment.selection_set, target, days=days, seen=seen | {name})
        return total

    def _field(self, node: FieldNode, parent: Any, *, days: int, seen: frozenset[str]) -> int:
        definition = (getattr(parent, "fields", None) or {}).get(node.name.value)
        if definition is None:  # __typename, introspection or an unknown field (reported by validation)
            return 1
        arguments = self._arguments(node, definition)
        self._check_lists(parent.name, node.name.value, definition, arguments)
        if "dateFrom" in definition.args and "dateTo" in definition.args:
            days = _period_days(arguments.get("dateFrom"), arguments.get("dateTo"))
        groups = PERIOD_FIELDS.get((parent.name, node.name.value))
        own = 1 if groups is None else days * (groups(arguments) if callable(groups) else groups)
        child = self._selection(node.selection_set, get_named_type(definition.type), days=days, seen=seen)
        return own + self._multiplier(arguments, definition.type) * child

    def _arguments(self, node: FieldNode, definition: Any) -> dict[str, Any]:
        given = {a.name.value: value_from_ast_untyped(a.value, self.variables) for a in node.arguments or ()}
        for name, argument in definition.args.items():
            if name not in given and argument.default_value is not Undefined:
                given[name] = argument.default_value
        return given

    def _multiplier(self, arguments: Mapping[str, Any], field_type: Any) -> int:
        # A page larger than GRAPHQL_MAX_PAGE_SIZE is refused with its own error; count it as a full page.
        largest = settings.GRAPHQL_MAX_PAGE_SIZE
        for name in PAGE_ARGUMENTS:
            if name in arguments:
                value = arguments[name]
                return min(max(value, 1), largest) if isinstance(value, int) else largest
        if isinstance(arguments.get("ids"), list):
            return max(len(arguments["ids"]), 1)
        return largest if get_named_type(field_type).name.endswith("Connection") else 1

    def _check_lists(self, type_name: str, field_name: str, definition: Any, arguments: Mapping[str, Any]) -> None:
        if self.too_long is not None:
            return
        for name, value in arguments.items():
            argument = definition.args.get(name)
            if argument is None or (type_name, field_name, name) in UNCAPPED_LISTS:
                continue
            found = _longest_list(value, argument.type, name)
            if found is not None and found[0] > self.max_list:
                size, where = found
                self.too_long = GraphQLError(
                    f"{where} holds {size:,} items; lists are limited to {self.max_list:,} per argument.",
                    extensions={"code": "LIST_TOO_LONG", "field": where, "size": size, "limit": self.max_list})
                return


def _longest_list(value: Any, input_type: Any, name: str) -> tuple[int, str] | None:
    """The longest list in an argument's value (its size and the input field holding it), by its GraphQL type."""
    while isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    longest = None
    if isinstance(input_type, GraphQLList) and isinstance(value, list):
        longest = (len(value), name)
        for item in value:
            found = _longest_list(item, input_type.of_type, name)
            if found is not None and found[0] > longest[0]:
                longest = found
    elif isinstance(input_type, GraphQLInputObjectType) and isinstance(value, Mapping):
        for key, item in value.items():
            field = input_type.fields.get(key)
            found = _longest_list(item, field.type, key) if field is not None else None
            if found is not None and (longest is None or found[0] > longest[0]):
                longest = found
    return longest


def _period_days(date_from: Any, date_to: Any) -> int:
    """Days of dateFrom..dateTo; a range the KPI fields refuse (reversed, too long, not dates) counts as
    the longest accepted, so the cost never decides for them."""
    try:
        days = (_as_date(date_to) - _as_date(date_from)).days + 1
    except (TypeError, ValueError):
        return MAX_PERIOD_DAYS
    return days if 1 <= days <= MAX_PERIOD_DAYS else MAX_PERIOD_DAYS


def _as_date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
