"""Schema extensions of the API."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLObjectType,
    GraphQLSchema,
    ListValueNode,
    ObjectFieldNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    get_named_type,
    is_abstract_type,
    visit,
)
from graphql.error import GraphQLError
from graphql.language import Visitor
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.utils.str_converters import to_camel_case
from strawberry_django import optimizer
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.utils.typing import has_django_definition

from marketing.services.errors import ServiceValidationError
from reelboard.graphql.core.ids import graphql_code

# graphql-core's message for a variable that fails coercion, e.g. an unknown enum value:
# "Variable '$input' has invalid value at .objective: Value 'VIRAL' does not exist in ..."
_VARIABLE_ERROR = re.compile(r"^Variable '\$(?P<variable>\w+)'.*? at \.(?P<path>[\w.\[\]]+):")


class _ValueOwners(Visitor):
    """Maps each literal value node (``id``) to the argument or input field it is the value of."""

    def __init__(self) -> None:
        super().__init__()
        self.owner: dict[int, str] = {}
        self.string_owner: dict[str, str] = {}  # a string literal's text -> its field

    def _own(self, value: ValueNode, name: str) -> None:
        self.owner[id(value)] = name
        if isinstance(value, StringValueNode):
            self.string_owner.setdefault(value.value, name)
        if isinstance(value, ListValueNode):  # items of a list belong to the list's field
            for item in value.values:
                if not isinstance(item, ObjectValueNode):
                    self._own(item, name)

    def enter_argument(self, node: ArgumentNode, *_args) -> None:
        self._own(node.value, node.name.value)

    def enter_object_field(self, node: ObjectFieldNode, *_args) -> None:
        self._own(node.value, node.name.value)


def _literal_owners(document: DocumentNode | None) -> _ValueOwners:
    owners = _ValueOwners()
    if document is not None:
        visit(document, owners)
    return owners


def _variable_holding(value: str, variables: Any, key: str | None = None) -> str | None:
    """The input field (dictionary key) of the operation's variables that holds ``value``."""
    if isinstance(variables, dict):
        for name, item in variables.items():
            found = _variable_holding(value, item, name)
            if found:
                return found
    elif isinstance(variables, list):
        for item in variables:
            found = _variable_holding(value, item, key)
            if found:
                return found
    elif variables == value:
        return key
    return None


# strawberry's message for a negative page size: "Argument 'first' must be a non-negative integer."
_PAGE_ARGUMENT_ERROR = re.compile(r"^Argument '(?P<argument>first|last)' ")

# Python's datetime refusing a year a filter's year / isoYear lookup was given (found by the GraphQL fuzzer):
# "year 0 is out of range", "year 10000 is out of range".
_YEAR_RANGE_ERROR = re.compile(r"^year -?\d+ is out of range$")

# strawberry's message for an ID that is not a GlobalID: 'Value cannot represent a GlobalID: "garbage".'
_GLOBAL_ID_ERROR = re.compile(r'^Value cannot represent a GlobalID: "(?P<value>.*)"\.$')


class BadInputCodes(SchemaExtension):
    """Give input errors that GraphQL itself rejects (before any resolver runs, so nothing is written)
    a stable ``extensions.code = "BAD_USER_INPUT"`` and the offending input ``field``, like payload errors.

    Covers both spellings: a variable that fails coercion and an inline literal that fails validation.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = [e for e in (getattr(result, "errors", None) or []) if not (e.extensions or {}).get("code")]
        if not errors:
            return
        owners = _literal_owners(self.execution_context.graphql_document)
        for error in errors:
            if isinstance(error.original_error, ServiceValidationError):
                _service_error(error, error.original_error)
                continue
            field = None
            match = _VARIABLE_ERROR.match(error.message)
            if match:
                field = match["path"].split(".")[-1].split("[")[0]
            elif error.nodes and isinstance(error.nodes[0], ValueNode):
                field = owners.owner.get(id(error.nodes[0]))
            elif isinstance(error.original_error, GlobalIDValueError):
                field = self._global_id_field(error, owners)
            elif isinstance(error.original_error, ValueError) and _YEAR_RANGE_ERROR.match(error.message):
                error.message = "A year in filters is out of range: years run from 1 to 9999."
                field = "filters"
            elif isinstance(error.original_error, ValueError):
                field = self._pagination_field(error)
            if field:
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT", "field": field}

    @staticmethod
    def _pagination_field(error: GraphQLError) -> str | None:
        """A connection's page argument strawberry refused: a negative first/last names itself; a cursor
        that does not decode (base64 or layout) gets a readable message naming after/before."""
        match = _PAGE_ARGUMENT_ERROR.match(error.message)
        if match:
            return match["argument"]
        given = {a.name.value for a in (getattr(error.nodes[0], "arguments", None) or ())} if error.nodes else set()
        cursors = sorted(given & {"after", "before"})
        if not cursors:
            return None
        error.message = f"Invalid cursor in {' / '.join(cursors)}: pass a cursor returned by this connection."
        return cursors[0]

    def _global_id_field(self, error: GraphQLError, owners: _ValueOwners) -> str:
        """Which argument or input field held a malformed GlobalID (strawberry's error does not say)."""
        match = _GLOBAL_ID_ERROR.match(error.message)
        if match:
            value = match["value"]
            field = owners.string_owner.get(value) or _variable_holding(value, self.execution_context.variables)
            if field:
                return field
        arguments = getattr(error.nodes[0], "arguments", None) if error.nodes else None
        return arguments[0].name.value if arguments and len(arguments) == 1 else "input"


def _service_error(error: GraphQLError, exc: ServiceValidationError) -> None:
    """A service's (or ``reelboard.graphql.core.ids``') validation error raised outside a mutation payload:
    its first problem, as BAD_USER_INPUT / NOT_FOUND / PERMISSION_DENIED naming the argument (query
    arguments are named as in the schema: no mutation input aliases apply)."""
    first = exc.errors[0]
    error.message = str(first.message)
    error.extensions = {**(error.extensions or {}), "code": graphql_code(first.code),
                        "field": to_camel_case(first.field)}


def is_unexpected(error: GraphQLError) -> bool:
    """An error the client did not cause: a bug or an outage, whose message may carry internals.

    GraphQL's own errors, deliberate ``GraphQLError``s (authentication, bad input, not found) and the
    ``ValueError``s strawberry raises for bad arguments (page size, malformed ids) are the client's to read,
    and so are the services' validation errors (a bad or missing id of a query argument).
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | ValueError | ServiceValidationError)


def client_error_summary(error: GraphQLError) -> str:
    """A client error as a log line without its message: messages quote the input they refuse (a raw
    viewer id sent as a number is echoed as "non string value: 13800138000"), and logs must not hold it.
    The code, field, path and position say what was refused; the client has the full message."""
    if not (error.extensions or {}).get("code") and isinstance(error.original_error, ServiceValidationError):
        _service_error(error, error.original_error)  # what BadInputCodes answers, classified before it runs
    extensions = error.extensions or {}
    parts = [f"code={extensions.get('code') or 'GRAPHQL_VALIDATION_FAILED'}"]
    if extensions.get("field"):
        parts.append(f"field={extensions['field']}")
    if error.path:
        parts.append("path=" + ".".join(str(key) for key in error.path))
    if error.locations:
        parts.append("at=" + ",".join(f"{location.line}:{location.column}" for location in error.locations))
    return " ".join(parts)


class MaskUnexpectedErrors(MaskErrors):
    """Replace unexpected errors by a generic message with code INTERNAL_SERVER_ERROR.

    Strawberry logs the original error (with its traceback) before this runs, so nothing is lost.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


class ModelFieldsOptimizer(DjangoOptimizerExtension):
    """strawberry-django's query optimizer (``only`` / ``select_related`` / ``prefetch_related`` from the
    selection), hooked only where a resolver can hand it model rows.

    ``DjangoOptimizerExtension.resolve`` is graphql-core middleware: it wraps every field of every
    operation, thousands of scalars included, to look at each result for a QuerySet to optimise. Here
    it is no middleware; ``optimize_model_fields`` puts the same hook on the fields whose type is a
    model type (or an interface / union of some), the only ones whose result it can act on.
    strawberry-django's own fields (connections, lists, relations) optimise their querysets in
    ``get_queryset`` with the extension this one keeps installing per operation (``on_execute``).
    """

    resolve = SchemaExtension.resolve  # no middleware: see optimize_model_fields


def _optimized(resolve: Callable) -> Callable:
    def resolve_optimized(source: Any, info: Any, **kwargs: Any) -> Any:
        extension = optimizer.optimizer.get()
        if extension is None:  # outside an operation of a schema with the extension
            return resolve(source, info, **kwargs)
        return DjangoOptimizerExtension.resolve(extension, resolve, source, info, **kwargs)

    resolve_optimized.optimizes_model_rows = True
    return resolve_optimized


def _is_model_type(graphql_type: Any) -> bool:
    definition = (getattr(graphql_type, "extensions", None) or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return has_django_definition(getattr(definition, "origin", None))


def optimize_model_fields(schema: GraphQLSchema) -> list[str]:
    """Give every field returning a model type (or an interface / union with one) the optimizer's hook of
    ``ModelFieldsOptimizer``; returns them as ``Type.field``."""
    model_types = {t for t in schema.type_map.values() if _is_model_type(t)}
    for graphql_type in schema.type_map.values():
        if is_abstract_type(graphql_type) and any(
                t in model_types for t in schema.get_possible_types(graphql_type)):
            model_types.add(graphql_type)
    hooked = []
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            if get_named_type(field.type) in model_types and field.resolve is not None and not getattr(
                    field.resolve, "optimizes_model_rows", False):
                field.resolve = _optimized(field.resolve)
                hooked.append(f"{graphql_type.name}.{name}")
    return hooked
