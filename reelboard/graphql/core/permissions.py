"""Who may call the API: the request's principal (session user or bearer token), exposed to resolvers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.django.context import StrawberryDjangoContext
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from marketing.auth import ANONYMOUS, Principal

AUTHENTICATION_REQUIRED = "Authentication required: sign in or send 'Authorization: Bearer <token>'."


@dataclass
class Context(StrawberryDjangoContext):
    """The GraphQL context: Django's request and response plus who is calling."""

    principal: Principal = field(default_factory=lambda: ANONYMOUS)


def principal_of(info: Info) -> Principal:
    return getattr(info.context, "principal", ANONYMOUS)


class IsAuthenticated(BasePermission):
    message = AUTHENTICATION_REQUIRED
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return principal_of(info).is_authenticated


def authenticated() -> list[PermissionExtension]:
    """Extensions for every root field: anonymous callers get an error and no data."""
    return [PermissionExtension(permissions=[IsAuthenticated()], fail_silently=False)]
