"""Sums on the set rows: DailyReach (per campaign day) and VideoReachBlock (per video block of days).

Filled from DailyRollup: each DailyReach row gets the sum of its campaign day's rows, each day set (level 0)
its row's sums. The blocks above the days are marked stale: reads are exact straight away (they use the
days), and the rebuild task (every minute, or ``recompute_rollups``) sums and unions them again.
"""

from django.db import migrations, models

SUMS = ("impressions", "views", "watch_ms_sum", "completed_views", "views_2s", "views_6s", "likes", "comments",
        "shares", "follows", "clicks", "conversions", "purchases", "revenue")  # kpis.ROLLUP_SUMS at the time


def fill_sums(apps, schema_editor):
    # UPDATE ... FROM and ON CONFLICT: PostgreSQL, and SQLite 3.33 and newer.
    assignments = ", ".join(f"{name} = s.{name}" for name in SUMS)
    summed = ", ".join(f"SUM({name}) AS {name}" for name in SUMS)
    same_campaign = "(s.campaign_id = t.campaign_id OR (s.campaign_id IS NULL AND t.campaign_id IS NULL))"
    statements = [
        f"""UPDATE analytics_dailyreach AS t SET {assignments}
            FROM (SELECT brand_id, campaign_id, day, {summed} FROM analytics_dailyrollup
                  GROUP BY brand_id, campaign_id, day) AS s
            WHERE s.brand_id = t.brand_id AND s.day = t.day AND {same_campaign}""",
        f"""UPDATE analytics_videoreachblock AS t SET {assignments}
            FROM analytics_dailyrollup AS s
            WHERE t.level = 0 AND s.brand_id = t.brand_id AND s.video_id = t.video_id AND s.day = t.start
              AND {same_campaign}""",
        """INSERT INTO analytics_stalereachblock (brand_id, level, start)
           SELECT DISTINCT brand_id, level, start FROM analytics_videoreachblock WHERE level > 0
           ON CONFLICT DO NOTHING""",
    ]
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0014_reach_blocks'),
    ]

    operations = [
        migrations.AddField(
            model_name='dailyreach',
            name='clicks',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='comments',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='completed_views',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='conversions',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='follows',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='impressions',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='likes',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='purchases',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='revenue',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=16),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='shares',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='views',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='views_2s',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='views_6s',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyreach',
            name='watch_ms_sum',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='clicks',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='comments',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='completed_views',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='conversions',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='follows',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='impressions',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='likes',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='purchases',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='revenue',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=16),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='shares',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='views',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='views_2s',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='views_6s',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='videoreachblock',
            name='watch_ms_sum',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(fill_sums, migrations.RunPython.noop),
    ]
