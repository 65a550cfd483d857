"""Limits on what one GraphQL request may ask for, beyond strawberry's depth/alias/token limiters.

- ``QueryCostLimiter``: rejects an operation whose estimated cost exceeds ``GRAPHQL_MAX_COST``
  before anything executes. Cost model: every selected field costs 1, multiplied by the page sizes
  of the lists it sits in. A field with a ``first``/``last`` argument, or one that returns a
  Relay connection, multiplies everything below it by its page size (``GRAPHQL_MAX_PAGE_SIZE`` when
  the argument is absent); other lists count once. Fragments are expanded where they are spread.
- ``IntrospectionPolicy``: turns introspection off unless ``GRAPHQL_INTROSPECTION`` is on (off by
  default in production settings).
- ``RememberValidOperations``: validation (graphql-core's rules plus the limits above) was 15-36% of the
  server time of the load suite's operations, each of which sends the same few query texts again and
  again. An operation that passed validation is remembered, per process, under everything its validation
  depends on: the query text, the limits' settings and the integer variables (the page sizes the cost
  rule reads). The next request with the same key skips validation; one that failed is validated again
  (errors are never cached, so their messages and codes stay exactly as validation makes them).
  strawberry's own ``ValidationCache`` cannot be used: it keys on the rule classes, which the limiters
  create per request, and it would not see the variables the cost depends on.

All read settings per request, so tests can change them with ``override_settings``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import caches
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

PAGE_ARGUMENTS = ("first", "last")
SUGGESTION = re.compile(r" Did you mean [^?]*\?")  # graphql-core's did_you_mean(), at the end of a message


class QueryCostLimiter(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        limit = settings.GRAPHQL_MAX_COST
        variables = self.execution_context.variables or {}
        self.execution_context.validation_rules = (
            *self.execution_context.validation_rules, _cost_rule(limit=limit, variables=variables))
        yield


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
        known = key is not None and cache.get(key) is not None
        if known:
            context.pre_execution_errors = []  # strawberry runs validation only while this is None
        yield
        if key is not None and not known and context.pre_execution_errors == []:
            cache.set(key, True, None)


def _cost_rule(*, limit: int, variables: Mapping[str, Any]) -> type[ValidationRule]:
    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
            schema = self.context.schema
            root = schema.get_root_type(node.operation)
            if root is None:
                return
            cost = _selection_cost(node.selection_set, root, schema, self.context, variables, seen=frozenset())
            if cost > limit:
                self.report_error(GraphQLError(
                    f"Query cost {cost:,} exceeds the limit of {limit:,}: ask for smaller pages "
                    f"(first/last) or fewer nested lists.",
                    node, extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit}))

    return QueryCostRule


def _selection_cost(selection_set: SelectionSetNode | None, parent: Any, schema: GraphQLSchema, context,
                    variables: Mapping[str, Any], *, seen: frozenset[str]) -> int:
    if selection_set is None or parent is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(selection, parent, schema, context, variables, seen=seen)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = schema.get_type(condition.name.value) if condition else parent
            total += _selection_cost(selection.selection_set, target, schema, context, variables, seen=seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = context.get_fragment(name)
            if fragment is None or name in seen:  # unknown or cyclic: other rules report it
                continue
            target = schema.get_type(fragment.type_condition.name.value)
            total += _selection_cost(fragment.selection_set, target, schema, context, variables,
                                     seen=seen | {name})
    return total


def _field_cost(node: FieldNode, parent: Any, schema: GraphQLSchema, context, variables: Mapping[str, Any], *,
                seen: frozenset[str]) -> int:
    fields = getattr(parent, "fields", None) or {}
    definition = fields.get(node.name.value)
    if definition is None:  # __typename, introspection or an unknown field (reported elsewhere)
        return 1
    named = get_named_type(definition.type)
    child = _selection_cost(node.selection_set, named, schema, context, variables, seen=seen)
    return 1 + _page_size(node, definition.type, variables) * child


def _page_size(node: FieldNode, field_type: Any, variables: Mapping[str, Any]) -> int:
    # A page larger than GRAPHQL_MAX_PAGE_SIZE is refused with its own error; count it as a full page.
    largest = settings.GRAPHQL_MAX_PAGE_SIZE
    for argument in node.arguments or ():
        if argument.name.value in PAGE_ARGUMENTS:
            value = argument.value
            if isinstance(value, IntValueNode):
                return min(max(int(value.value), 1), largest)
            if isinstance(value, VariableNode) and isinstance(variables.get(value.name.value), int):
                return min(max(variables[value.name.value], 1), largest)
            return largest
    return settings.GRAPHQL_MAX_PAGE_SIZE if get_named_type(field_type).name.endswith("Connection") else 1
