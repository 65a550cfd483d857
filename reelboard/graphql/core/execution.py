"""How the API executes an operation: graphql-core's executor, with plain leaf fields read in one step.

graphql-core executes every field alike: it looks the field up, builds a resolve-info object, calls
the field's resolver (for strawberry, through its argument parsing and field-extension chain) and
completes the value through its non-null / list / leaf dispatch, about 10 µs per field on this
machine. That is most of the time of a query asking for many small objects: a KPI breakdown as
``{kpi value}`` objects is ~17,000 fields, a page of 100 videos with 10 fields is 1,000.

For a *plain leaf field* all of that comes down to reading one attribute and serialising it:
a scalar or enum field without arguments, resolver, field extensions (so no permission classes)
that strawberry answers with ``getattr(source, python_name)``, or a strawberry-django field that
reads a model column already loaded on the instance. ``PlainLeafExecutor`` does exactly that, and
hands everything else to graphql-core's own ``execute_field``: other fields, and any plain field
whose read or serialisation raises or gives null for a non-null type (a deferred column, a bad
value), so errors, their paths and null propagation stay graphql-core's.

The shortcut is off for an operation when a schema extension wraps field resolvers (a ``resolve``
hook is graphql-core middleware and must see every field), see ``schema_wraps_fields``.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from django.db.models.query_utils import DeferredAttribute
from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry_django.fields.field import StrawberryDjangoField


class PlainLeaf(NamedTuple):
    read: Callable[[Any], Any]
    type: GraphQLLeafType
    nullable: bool


def _column(model: type, attname: str) -> Callable[[Any], Any]:
    """A loaded column of a model instance, as strawberry-django's ``get_result`` reads it; a deferred
    column raises KeyError, and strawberry-django then loads it."""

    def read(source: Any) -> Any:
        if not isinstance(source, model):
            raise KeyError(attname)
        return source.__dict__[attname]

    return read


def _reader(field: GraphQLField) -> Callable[[Any], Any] | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or field.args or definition.extensions:
        return None
    if not is_leaf_type(get_nullable_type(field.type)) or definition.base_resolver is not None:
        return None
    if isinstance(definition, StrawberryDjangoField):
        if type(definition).get_result is not StrawberryDjangoField.get_result or definition.origin_django_type is None:
            return None
        model = definition.origin_django_type.model
        attname = definition.django_name or definition.python_name
        # Exactly a column (not a file, relation, property or custom descriptor): its value is the one in __dict__.
        return _column(model, attname) if type(getattr(model, attname, None)) is DeferredAttribute else None
    # strawberry's "basic field": no resolver, no extensions, answered with the config's default resolver.
    if (definition.is_basic_field and type(definition).get_result is StrawberryField.get_result
            and definition.default_resolver is getattr):
        return operator.attrgetter(definition.python_name)
    return None


@functools.cache
def plain_leaves(schema: GraphQLSchema) -> dict[GraphQLObjectType, dict[str, PlainLeaf]]:
    """The plain leaf fields of each object type of the schema, by field name (computed once per schema)."""
    found: dict[GraphQLObjectType, dict[str, PlainLeaf]] = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        leaves = {}
        for name, field in graphql_type.fields.items():
            read = _reader(field)
            if read is not None:
                leaves[name] = PlainLeaf(read, get_nullable_type(field.type), not is_non_null_type(field.type))
        if leaves:
            found[graphql_type] = leaves
    return found


def _probe(*_args: Any, **_kwargs: Any) -> None:  # pragma: no cover - never called
    return None


def schema_wraps_fields(middleware_manager: Any) -> bool:
    """Whether some middleware (a schema extension's ``resolve``) wraps field resolvers."""
    return middleware_manager is not None and middleware_manager.get_field_resolver(_probe) is not _probe


class _Fallback(Exception):
    """A plain object that cannot be completed in one step: graphql-core completes it (and reports why)."""


class _PlainObject:
    """Completes an object whose selection is plain leaves only into its response dict, in one step."""

    __slots__ = ("fields", "is_type_of", "nullable")

    def __init__(self, fields: list[tuple[str, Callable[[Any], Any], GraphQLLeafType | None, bool]],
                 is_type_of: Callable | None, nullable: bool) -> None:
        self.fields = fields  # (response key, read, leaf type or None for __typename's constant, nullable)
        self.is_type_of = is_type_of
        self.nullable = nullable

    def complete(self, source: Any, info: Any) -> dict[str, Any] | None:
        if source is None:
            if self.nullable:
                return None
            raise _Fallback
        if self.is_type_of is not None and self.is_type_of(source, info) is not True:
            raise _Fallback
        completed = {}
        for key, read, leaf, nullable in self.fields:
            value = read(source)
            if value is None:
                if not nullable:
                    raise _Fallback
                completed[key] = None
            elif leaf is None:
                completed[key] = value
            else:
                serialized = leaf.coerce_output_value(value)
                if serialized is None or serialized is Undefined:
                    raise _Fallback
                completed[key] = serialized
        return completed


class PlainLeafExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, reading plain leaf fields in one step (see the module docstring).

    Three places: ``execute_field`` (one plain leaf of any object), ``complete_object_value`` (an object
    whose selection is plain leaves only: its dict at once) and ``complete_iterable_value`` (a list of
    such objects). Each falls back to graphql-core's own code when the shortcut does not apply or fails.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plain_leaves = {} if schema_wraps_fields(self.middleware_manager) else plain_leaves(self.schema)
        self._plain_objects: dict[tuple[Any, int], tuple[Any, _PlainObject | None]] = {}

    def execute_field(self, parent_type, source, field_details_list, path, position_context):
        leaves = self.plain_leaves.get(parent_type)
        if leaves is not None:
            leaf = leaves.get(field_details_list[0].node.name.value)
            if leaf is not None:
                try:
                    value = leaf.read(source)
                    if value is None:
                        if leaf.nullable:
                            return None
                    else:
                        serialized = leaf.type.coerce_output_value(value)
                        if serialized is not None and serialized is not Undefined:
                            return serialized
                except Exception:  # noqa: BLE001, S110 - graphql-core's path below raises and locates it
                    pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _plain_object(self, return_type, field_details_list) -> _PlainObject | None:
        """The one-step completion of ``return_type`` for this selection, or None when it is not all plain."""
        key = (return_type, id(field_details_list))
        cached = self._plain_objects.get(key)
        if cached is not None:
            return cached[1]
        plan = None
        object_type = get_nullable_type(return_type)
        leaves = self.plain_leaves.get(object_type) if isinstance(object_type, GraphQLObjectType) else None
        if leaves is not None and not any(details.node.directives for details in field_details_list):
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
            fields = []
            for response_key, details in grouped_field_set.items():
                node = details[0].node
                name = node.name.value
                if name == "__typename":
                    fields.append((response_key, functools.partial(_constant, object_type.name), None, False))
                elif name in leaves and not node.arguments:
                    leaf = leaves[name]
                    fields.append((response_key, leaf.read, leaf.type, leaf.nullable))
                else:
                    break
            else:
                if not new_defer_usages:
                    plan = _PlainObject(fields, object_type.is_type_of, not is_non_null_type(return_type))
        self._plain_objects[key] = (field_details_list, plan)  # keeps the list alive: its id stays unique
        return plan

    def complete_object_value(self, return_type, field_details_list, info, path, result, position_context):
        plan = self._plain_object(return_type, field_details_list)
        if plan is not None:
            try:
                return plan.complete(result, info)
            except Exception:  # noqa: BLE001, S110 - completed again below, which raises and locates it
                pass
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def complete_iterable_value(self, item_type, field_details_list, info, path, items, position_context):
        # Only a list or tuple: an iterator could not be completed a second time by the fallback.
        if isinstance(items, list | tuple) and not isinstance(get_nullable_type(item_type), GraphQLLeafType):
            plan = self._plain_object(item_type, field_details_list)
            if plan is not None and self.get_stream_usage(field_details_list, path) is None:
                complete = plan.complete
                try:
                    return [complete(item, info) for item in items]
                except Exception:  # noqa: BLE001, S110 - completed again below, which raises and locates it
                    pass
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)


def _constant(value: str, _source: Any) -> str:
    return value
