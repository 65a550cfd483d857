"""Who is calling: a Principal built from a Django session user or an ``Authorization: Bearer`` token.

Every brand-scoped read and write asks the principal which brands it may see (``brand_ids``) or
change (``brand_ids(min_role=Role.EDITOR)``); querysets apply it in ``for_principal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from marketing.models import ApiToken, Membership, Role, hash_token


@dataclass
class Principal:
    user: object | None = None
    token: ApiToken | None = None
    roles: dict[int, str] = field(default_factory=dict)  # brand id -> role
    is_global: bool = False  # superusers see every brand

    @property
    def is_authenticated(self) -> bool:
        # ``is_global`` without a user is the installation's operator (management commands).
        return self.is_global or self.token is not None or bool(self.user is not None and self.user.is_authenticated)

    def brand_ids(self, *, min_role: str = Role.VIEWER) -> list[int]:
        floor = Role.rank(min_role)
        return [brand_id for brand_id, role in self.roles.items() if Role.rank(role) >= floor]

    def role_for(self, brand_id: int) -> str | None:
        if self.is_global:
            return Role.ADMIN
        return self.roles.get(brand_id)

    def has_role(self, brand_id: int, min_role: str) -> bool:
        role = self.role_for(brand_id)
        return role is not None and Role.rank(role) >= Role.rank(min_role)

    @property
    def actor(self):
        """The Django user to record as author of a change (None for tokens)."""
        return self.user if self.user is not None and self.user.is_authenticated else None


ANONYMOUS = Principal()


def principal_for_user(user) -> Principal:
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    if user.is_superuser:
        return Principal(user=user, is_global=True)
    roles = dict(Membership.objects.filter(user=user).values_list("brand_id", "role"))
    return Principal(user=user, roles=roles)


def principal_for_token(raw: str) -> Principal:
    token = ApiToken.objects.active().filter(token_hash=hash_token(raw)).first()
    if token is None:
        return ANONYMOUS
    now = timezone.now()
    # Record use at most once a minute: a busy client must not turn reads into writes.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return Principal(token=token, roles={token.brand_id: token.role})


def bearer_token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def principal_for_request(request) -> Principal:
    raw = bearer_token(request)
    if raw is not None:
        return principal_for_token(raw)
    return principal_for_user(getattr(request, "user", AnonymousUser()))


class PrincipalMiddleware:
    """Attaches ``request.principal`` lazily, after Django's authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.principal = SimpleLazyObject(lambda: principal_for_request(request))
        return self.get_response(request)
