"""Data-subject requests that arrive with the platform's user id: find the viewer it names.

The raw id is pseudonymised on the spot with the ingest's HMAC helper and is never stored, logged or
written to the audit log; the lookup itself is audited (brand, platform, found or not).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from marketing.auth import Principal
from marketing.models import AuditSource, Brand, Platform, Role, Viewer, pseudonymise_viewer_id
from marketing.services.access import get_for_role
from marketing.services.audit import audit_record
from marketing.services.errors import Collector, ErrorCode

MAX_PLATFORM_USER_ID = 256


def viewer_by_platform_user(*, principal: Principal, brand_id, platform: str, platform_user_id: str,
                            source: str = AuditSource.API) -> Viewer | None:
    """The brand's viewer with this platform user id, or ``None`` (brand admins only)."""
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.ADMIN)
    errors = Collector()
    platform_obj = Platform.objects.filter(code=platform).first()
    if platform_obj is None:
        errors.add("platform", ErrorCode.INVALID_CHOICE, _("Unknown platform %(code)r.") % {"code": platform})
    if not (platform_user_id or "").strip():
        errors.add("platform_user_id", ErrorCode.REQUIRED, _("The platform user id is required."))
    elif len(platform_user_id) > MAX_PLATFORM_USER_ID:
        errors.add("platform_user_id", ErrorCode.TOO_LONG,
                   _("A platform user id is at most %(max)d characters.") % {"max": MAX_PLATFORM_USER_ID})
    errors.raise_if_any()
    key = pseudonymise_viewer_id(brand_id=brand.pk, platform_code=platform_obj.code, raw_id=platform_user_id)
    viewer = Viewer.objects.filter(brand=brand, platform=platform_obj, viewer_key=key).first()
    audit_record(principal=principal, source=source, action="viewerByPlatformUser", brand_id=brand.pk,
                 object_type="viewer", object_id=viewer.pk if viewer else "",
                 details={"platform": platform_obj.code, "found": viewer is not None})
    return viewer
