"""Move the per-video day sets out of DailyRollup into VideoReachBlock (level 0), so sums scans stay narrow.

Every block above the days that have sets is marked stale: reads are exact straight away (they union the
day sets), and the rebuild task (every minute, or ``recompute_rollups``) fills the blocks.
"""

from datetime import date

import django.db.models.deletion
from django.db import migrations, models

MAX_LEVEL = 6  # analytics.reach_blocks.MAX_LEVEL when this migration was written


def move_day_sets(apps, schema_editor):
    DailyRollup = apps.get_model("analytics", "DailyRollup")
    VideoReachBlock = apps.get_model("analytics", "VideoReachBlock")
    StaleReachBlock = apps.get_model("analytics", "StaleReachBlock")
    rows = DailyRollup.objects.exclude(viewers=b"").values_list(
        "brand_id", "campaign_id", "video_id", "platform_id", "day", "viewers").order_by("pk")
    batch, stale = [], set()
    for brand_id, campaign_id, video_id, platform_id, day, viewers in rows.iterator(chunk_size=5_000):
        batch.append(VideoReachBlock(brand_id=brand_id, campaign_id=campaign_id, video_id=video_id,
                                     platform_id=platform_id, level=0, start=day, viewers=bytes(viewers)))
        ordinal = day.toordinal()
        stale.update((brand_id, level, ordinal - ordinal % (1 << level)) for level in range(1, MAX_LEVEL + 1))
        if len(batch) >= 5_000:
            VideoReachBlock.objects.bulk_create(batch)
            batch = []
    VideoReachBlock.objects.bulk_create(batch)
    StaleReachBlock.objects.bulk_create(
        [StaleReachBlock(brand_id=b, level=level, start=date.fromordinal(o)) for b, level, o in sorted(stale)],
        ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0013_fill_viewer_sets'),
        ('marketing', '0006_viewer_fillfactor'),
    ]

    operations = [
        migrations.CreateModel(
            name='StaleReachBlock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField()),
                ('start', models.DateField()),
                ('brand', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='marketing.brand')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('brand', 'level', 'start'), name='stalereachblock_unique')],
            },
        ),
        migrations.CreateModel(
            name='VideoReachBlock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(help_text='The block spans 2**level days (0: one day).')),
                ('start', models.DateField(help_text="First day of the block, in the brand's reporting time zone.")),
                ('viewers', models.BinaryField(default=b'')),
                ('brand', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='marketing.brand')),
                ('campaign', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='marketing.campaign')),
                ('platform', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='marketing.platform')),
                ('video', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='marketing.video')),
            ],
            options={
                'indexes': [models.Index(fields=['brand', 'level', 'start'], name='reachblock_brand_block_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('campaign__isnull', False)), fields=('brand', 'campaign', 'level', 'start', 'video'), name='reachblock_unique_campaign'), models.UniqueConstraint(condition=models.Q(('campaign__isnull', True)), fields=('brand', 'level', 'start', 'video'), name='reachblock_unique_uncampaigned')],
            },
        ),
        migrations.RunPython(move_day_sets, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='dailyrollup',
            name='viewers',
        ),
    ]
