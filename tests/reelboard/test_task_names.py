"""Tasks queued by their registered name (the seam across apps and from services to their own tasks) exist."""

import re
from pathlib import Path

from reelboard.celery import app

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("marketing", "compliance", "adplatforms", "analytics", "recommendations", "workspace", "reelboard")
# signature("..."), send_task("..."), and task="..." as job_enqueue and the model lifecycle's start_training take it
BY_NAME = re.compile(r"""(?:signature\(|send_task\(|\btask=)"([a-z_.]+)\"""")


def names_queued_in_code() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for match in BY_NAME.finditer(path.read_text()):
                found[match.group(1)] = str(path.relative_to(ROOT))
    return found


def test_every_task_queued_by_name_is_registered_in_this_process():
    queued = names_queued_in_code()
    assert {"analytics.apply_pending_rollups", "analytics.refresh_rollups", "recommendations.train",
            "personas.train_persona_model", "compliance.rescreen_stale_videos", "analytics.send_report",
            "adplatforms.sync_ad_account"} <= set(queued)
    missing = {name: path for name, path in queued.items() if name not in app.tasks}
    assert not missing, f"queued by a name no task registers: {missing}"
