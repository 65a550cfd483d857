"""Fill the viewer sets (DailyRollup.viewers, DailyReach) of rollups written before they existed.

Built from the per-viewer rollups with the historical models, one brand day at a time, so reach is
right straight after upgrading (no separate recompute needed). A database without rollups does nothing.
"""

from django.db import migrations
from pyroaring import BitMap


def _dump(viewers: BitMap) -> bytes:
    if not viewers:
        return b""
    viewers.run_optimize()
    return viewers.serialize()


def fill(apps, schema_editor):
    DailyViewerRollup = apps.get_model("analytics", "DailyViewerRollup")
    DailyRollup = apps.get_model("analytics", "DailyRollup")
    DailyReach = apps.get_model("analytics", "DailyReach")
    slices = DailyRollup.objects.filter(viewers=b"").values_list("brand_id", "day").distinct().order_by()
    for brand_id, day in list(slices):
        by_video, by_campaign = {}, {}
        rows = DailyViewerRollup.objects.filter(brand_id=brand_id, day=day).values_list(
            "campaign_id", "video_id", "viewer_id")
        for campaign_id, video_id, viewer_id in rows.iterator(chunk_size=20_000):
            by_video.setdefault((campaign_id, video_id), BitMap()).add(viewer_id)
            by_campaign.setdefault(campaign_id, BitMap()).add(viewer_id)
        for rollup in DailyRollup.objects.filter(brand_id=brand_id, day=day):
            rollup.viewers = _dump(by_video.get((rollup.campaign_id, rollup.video_id), BitMap()))
            rollup.save(update_fields=["viewers"])
        DailyReach.objects.filter(brand_id=brand_id, day=day).delete()
        DailyReach.objects.bulk_create([
            DailyReach(brand_id=brand_id, campaign_id=campaign_id, day=day, viewers=_dump(viewers), reach=len(viewers))
            for campaign_id, viewers in by_campaign.items()])


class Migration(migrations.Migration):
    dependencies = [("analytics", "0012_viewer_rollup_indexes_for_demographics")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
