"""Demo credentials and the initial model jobs for `make demo` (idempotent: safe to run again).

Creates or refreshes the superuser ``admin`` and the staff user ``marketer`` (editor of the first
demo brand), revokes the previous demo API token and issues a new one (tokens are stored hashed,
so the old one cannot be shown again), then trains the initial personas and recommender per demo
brand unless they already have an active model.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from analytics.models import DailyRollup
from analytics.personas.models import PersonaModel
from analytics.personas.services import persona_model_create, persona_model_train
from analytics.rollups import recompute_brand
from analytics.trained.services import create_version
from demo.spec import DEMO_SLUGS
from marketing.auth import principal_for_user
from marketing.models import ApiToken, Brand, Membership, Role
from marketing.services.brands import api_token_create, api_token_revoke
from recommendations import training
from recommendations.models import RecommenderModel

logger = logging.getLogger(__name__)

DEMO_TOKEN_NAME = "demo token"
DEFAULT_PASSWORD = "reelboard-demo"
MARKETER_GROUP = "Brand marketers"
# Apps whose admins scope rows by brand themselves: the marketer group may view and change them
# there (the marketing admin decides from brand roles and needs no model permissions).
MARKETER_APPS = ("analytics", "personas", "recommendations", "jobs", "adplatforms")
GRAPHQL_URL = "http://127.0.0.1:8000/graphql"


def demo_brands():
    """The seeded demo brands in their seeding order (the first one is the marketer's)."""
    brands = {b.slug: b for b in Brand.objects.filter(slug__in=DEMO_SLUGS)}
    return [brands[slug] for slug in DEMO_SLUGS if slug in brands]


def ensure_demo_users(*, brand: Brand, password: str):
    """The superuser ``admin`` and the staff editor ``marketer``; passwords are (re)set every run."""
    User = get_user_model()
    admin, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@example.com"})
    admin.is_staff = admin.is_superuser = admin.is_active = True
    admin.set_password(password)
    admin.save()
    marketer, _ = User.objects.get_or_create(username="marketer", defaults={"email": "marketer@example.com"})
    marketer.is_staff, marketer.is_superuser, marketer.is_active = True, False, True
    marketer.set_password(password)
    marketer.save()
    Membership.objects.update_or_create(user=marketer, brand=brand, defaults={"role": Role.EDITOR})
    group, _ = Group.objects.get_or_create(name=MARKETER_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=MARKETER_APPS,
                                                    codename__regex=r"^(view|change)_"))
    marketer.groups.add(group)
    return admin, marketer


def reissue_demo_token(*, brand: Brand, issuer) -> tuple[ApiToken, str]:
    """Revoke every active demo token of the brand and issue a fresh editor token (raw shown once)."""
    principal = principal_for_user(issuer)
    with transaction.atomic():
        for token_id in ApiToken.objects.active().filter(brand=brand, name=DEMO_TOKEN_NAME).values_list("pk",
                                                                                                         flat=True):
            api_token_revoke(principal=principal, token_id=token_id)
        return api_token_create(principal=principal, brand_id=brand.pk, name=DEMO_TOKEN_NAME, role=Role.EDITOR)


def run_initial_jobs(*, write=print) -> dict[str, list[str]]:
    """Train the initial models of every demo brand, synchronously, skipping brands that have one.

    KPI rollups (analytics.rollups), personas (analytics.personas.services) and the recommender
    (recommendations.training). A failing step is logged and reported, and the others still run,
    so a half-configured checkout still gets its credentials. Returns brand slug -> steps done.
    """
    done: dict[str, list[str]] = {}
    for brand in demo_brands():
        done[brand.slug] = []
        for step in (_rollups, _personas, _recommender):
            try:
                line = step(brand)
            except Exception:  # a demo convenience must not hide the credentials printed after it
                logger.exception("initial job %s failed for brand %s", step.__name__.strip("_"), brand.slug)
                write(f"  {step.__name__.strip('_')} for {brand.name}: FAILED (see the log)")
                continue
            if line:
                done[brand.slug].append(step.__name__.strip("_"))
                write(f"  {line}")
    return done


def _rollups(brand: Brand) -> str | None:
    if DailyRollup.objects.filter(brand=brand).exists():
        return None
    return f"KPI rollups for {brand.name}: {recompute_brand(brand_id=brand.pk)} rows"


def _personas(brand: Brand) -> str | None:
    if PersonaModel.objects.filter(brand=brand, is_active=True).exists():
        return None
    model = persona_model_train(persona_model_id=persona_model_create(brand_id=brand.pk, params={}).pk)
    return f"personas for {brand.name}: version {model.version}, {model.k} personas"


def _recommender(brand: Brand) -> str | None:
    if RecommenderModel.objects.filter(brand=brand, is_active=True).exists():
        return None
    model = training.train_recommender(model_id=create_version(RecommenderModel, brand_id=brand.pk, params={}).pk)
    return f"recommender for {brand.name}: version {model.version} trained in {model.training_seconds}s"


class Command(BaseCommand):
    help = "Create the demo admin and marketer, issue a fresh demo API token, train the initial models."

    def add_arguments(self, parser):
        parser.add_argument("--skip-jobs", action="store_true", help="Only users and token, no model training.")

    def handle(self, *, skip_jobs: bool, **options):
        if settings.PRODUCTION:
            # It sets well-known passwords on a superuser and prints an editor token: never on a real install.
            raise CommandError("bootstrap_demo refuses to run with REELBOARD_ENV=production.")
        brands = demo_brands()
        if not brands:
            raise CommandError("No demo brand yet: run `manage.py seed_demo` first.")
        brand = brands[0]
        password = getattr(settings, "DEMO_ADMIN_PASSWORD", DEFAULT_PASSWORD)
        admin, _ = ensure_demo_users(brand=brand, password=password)
        _, raw = reissue_demo_token(brand=brand, issuer=admin)
        if not skip_jobs:
            self.stdout.write("Training the initial models (skipped where a model is already active):")
            run_initial_jobs(write=self.stdout.write)
        query = '{"query": "{ videos(first: 3) { edges { node { title moderationStatus } } } }"}'
        self.stdout.write(self.style.SUCCESS("\nReelboard demo is ready."))
        self.stdout.write(f"  Admin:     http://127.0.0.1:8000/admin/  users 'admin' (superuser) and 'marketer' "
                          f"(editor of {brand.name}), password '{password}'")
        self.stdout.write(f"  GraphiQL:  {GRAPHQL_URL}  (sign in to the admin first, or send the token)")
        self.stdout.write(f"  API token: {raw}  (editor of {brand.name}; shown once, the previous one is revoked)")
        self.stdout.write(f"  curl -s {GRAPHQL_URL} -H 'Content-Type: application/json' "
                          f"-H 'Authorization: Bearer {raw}' -d '{query}'")
