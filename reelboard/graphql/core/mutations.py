"""Shared bits of the mutation modules."""

from __future__ import annotations

from typing import Any

from strawberry import UNSET


def given(**fields: Any) -> dict[str, Any]:
    """The fields the client actually sent (UNSET ones are left to the service's defaults)."""
    return {name: value for name, value in fields.items() if value is not UNSET}


def enum_value(value: Any) -> Any:
    return getattr(value, "value", value)
