"""Limits on what one GraphQL request may ask for, beyond strawberry's depth/alias/token limiters.

- ``QueryCostLimiter``: rejects an operation whose estimated cost exceeds ``GRAPHQL_MAX_COST``
  before anything executes. Cost model: every selected field costs 1, multiplied by the page sizes
  of the lists it sits in. A field with a ``first``/``last`` argument, or one that returns a
  Relay connection, multiplies everything below it by its page size (``GRAPHQL_MAX_PAGE_SIZE`` when
  the argument is absent); other lists count once. Fragments are expanded where they are spread.
- ``IntrospectionPolicy``: turns introspection off unless ``GRAPHQL_INTROSPECTION`` is on (off by
  default in production settings).

Both read settings per request, so tests can change them with ``override_settings``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
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
