"""Tags belong to a brand: the service, the admin changelist and autocomplete never cross brands."""

from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from marketing.auth import principal_for_user
from marketing.models import Role, Tag, Video
from marketing.services import videos as video_services
from tests.factories import BrandFactory, MembershipFactory, UserFactory, VideoFactory

pytestmark = pytest.mark.django_db


def staff_of(brand, role=Role.EDITOR):
    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, brand=brand, role=role)
    return user


def test_two_brands_using_one_tag_name_get_a_tag_each():
    one, two = BrandFactory(), BrandFactory()
    for brand in (one, two):
        video = VideoFactory(brand=brand)
        video_services.video_update(principal=principal_for_user(staff_of(brand)), video_id=video.pk,
                                    tags=["Launch"])
    assert sorted(Tag.objects.values_list("brand_id", "name")) == [(one.pk, "launch"), (two.pk, "launch")]
    assert all(v.tags.get().brand_id == v.brand_id for v in Video.objects.all())


def test_the_tag_changelist_and_autocomplete_show_only_the_callers_brands_tags(client):
    own, other = BrandFactory(), BrandFactory()
    Tag.objects.create(brand=own, name="summer-serum")
    Tag.objects.create(brand=other, name="stridex-q3-secret-collab-nike")
    client.force_login(staff_of(own))
    listed = [t.name for t in client.get(reverse("admin:marketing_tag_changelist")).context["cl"].result_list]
    found = client.get(reverse("admin:autocomplete"), {"app_label": "marketing", "model_name": "video",
                                                        "field_name": "tags", "term": "s"}).json()["results"]
    assert (listed, [r["text"] for r in found]) == (["summer-serum"], ["summer-serum"])


def test_the_migration_gives_each_brand_its_own_copy_of_a_shared_tag():
    one, two = BrandFactory(), BrandFactory()
    shared = Tag.objects.create(brand=one, name="beauty")  # the state before: one row used by both brands
    video_one, video_two = VideoFactory(brand=one), VideoFactory(brand=two)
    video_one.tags.add(shared)
    video_two.tags.add(shared)
    import_module("marketing.migrations.0008_tags_per_brand").split_tags_per_brand(apps, None)
    copy = video_two.tags.get()
    assert (video_one.tags.get().pk, copy.brand_id, copy.name, copy.pk != shared.pk) == (shared.pk, two.pk, "beauty",
                                                                                          True)
