"""Tags belong to a brand: every brand that used a shared tag gets its own copy, its videos point at it.

Tags no video uses belong to no brand and are dropped. Schema-then-data here; the NOT NULL and the
unique (brand, name) follow in 0009 (PostgreSQL refuses to alter a table with pending trigger events).
"""

import django.db.models.deletion
from django.db import migrations, models


def split_tags_per_brand(apps, schema_editor):
    Tag = apps.get_model("marketing", "Tag")
    Video = apps.get_model("marketing", "Video")
    VideoTag = Video.tags.through
    pairs = VideoTag.objects.values_list("tag_id", "video__brand_id").distinct().order_by("tag_id", "video__brand_id")
    brands_of: dict[int, list[int]] = {}
    for tag_id, brand_id in pairs:
        brands_of.setdefault(tag_id, []).append(brand_id)
    for tag in Tag.objects.filter(pk__in=list(brands_of)):
        first, *others = brands_of[tag.pk]
        Tag.objects.filter(pk=tag.pk).update(brand_id=first)
        for brand_id in others:
            copy = Tag.objects.create(name=tag.name, brand_id=brand_id)
            VideoTag.objects.filter(tag_id=tag.pk, video__brand_id=brand_id).update(tag_id=copy.pk)
    Tag.objects.filter(brand__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("marketing", "0007_api_token_expiry"),
    ]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="brand",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="tags",
                                    to="marketing.brand"),
        ),
        migrations.AlterField(
            model_name="tag",
            name="name",
            field=models.CharField(max_length=64),
        ),
        migrations.RunPython(split_tags_per_brand, migrations.RunPython.noop),
    ]
