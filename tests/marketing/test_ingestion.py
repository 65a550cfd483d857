"""The file importer: formats, strictness, idempotency, pseudonymisation (PostgreSQL and SQLite)."""

import gzip
import hashlib
import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from analytics.models import PendingRollup
from marketing.ingestion import import_file
from marketing.models import Interaction, ModerationStatus, Video, Viewer, pseudonymise_viewer_id
from marketing.services.errors import ErrorCode
from tests.factories import BrandFactory, CampaignFactory, VideoFactory, ViewerFactory, platform

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "interactions.reelboard.csv"
HEADER = "event_id,platform,viewer_id,video_external_id,campaign_id,kind,watch_ms,value,currency,occurred_at\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def events_by_id(brand):
    return {i.event_id: i for i in Interaction.objects.filter(brand=brand).select_related("video", "viewer")}


# --- reelboard ----------------------------------------------------------------------------------------


def test_example_file_imports_every_row_with_its_fields(brand):
    summary = import_file(path=EXAMPLE, brand=brand, create_missing=True)

    assert (summary.read, summary.inserted, summary.duplicates, summary.rejected) == (12, 12, 0, 0)
    assert summary.committed
    stored = events_by_id(brand)
    assert len(stored) == 12
    purchase = stored["ex-0009"]
    assert (purchase.kind, purchase.value, purchase.currency, purchase.watch_ms) == (
        "purchase", Decimal("199.00"), "CNY", None)
    assert purchase.occurred_at == datetime(2026, 3, 1, 12, 20, tzinfo=UTC)
    assert stored["ex-0002"].watch_ms == 12500
    assert Viewer.objects.filter(brand=brand).count() == 5  # 3 douyin + 2 kuaishou users
    assert sorted(Video.objects.filter(brand=brand).values_list("external_id", "moderation_status")) == [
        ("demo-v1", "pending"), ("demo-v2", "pending"), ("demo-v3", "pending")]


def test_viewer_first_and_last_seen_span_their_events(brand):
    import_file(path=EXAMPLE, brand=brand, create_missing=True)
    key = pseudonymise_viewer_id(brand_id=brand.pk, platform_code="douyin", raw_id="dy-user-1003")
    viewer = Viewer.objects.get(brand=brand, viewer_key=key)
    assert viewer.first_seen_at == datetime(2026, 3, 1, 12, 12, 45, tzinfo=UTC)
    assert viewer.last_seen_at == datetime(2026, 3, 1, 12, 20, tzinfo=UTC)


def test_viewer_spans_cover_every_chunk_and_only_ever_widen(brand, tmp_path):
    VideoFactory(brand=brand, external_id="v1")
    known = ViewerFactory(brand=brand, viewer_key=pseudonymise_viewer_id(
        brand_id=brand.pk, platform_code="douyin", raw_id="old"), first_seen_at=datetime(2026, 1, 5, tzinfo=UTC),
        last_seen_at=datetime(2026, 1, 6, tzinfo=UTC))
    # chunks of 2 rows: "new" appears in the 1st and 3rd chunks, "old" in the 2nd and 3rd
    rows = ["e1,douyin,new,v1,,like,,,,2026-01-03T00:00:00Z", "e2,douyin,x,v1,,like,,,,2026-01-01T00:00:00Z",
            "e3,douyin,old,v1,,like,,,,2026-01-05T12:00:00Z", "e4,douyin,old,v1,,like,,,,2026-01-04T00:00:00Z",
            "e5,douyin,new,v1,,like,,,,2026-01-09T00:00:00Z", "e6,douyin,old,v1,,like,,,,2026-01-05T06:00:00Z"]
    summary = import_file(path=write(tmp_path, "x.csv", HEADER + "\n".join(rows) + "\n"), brand=brand, chunk_rows=2)
    assert summary.inserted == 6
    spans = {raw: Viewer.objects.filter(brand=brand, viewer_key=pseudonymise_viewer_id(
        brand_id=brand.pk, platform_code="douyin", raw_id=raw)).values_list("first_seen_at", "last_seen_at").get()
        for raw in ("new", "old", "x")}
    day = lambda d: datetime(2026, 1, d, tzinfo=UTC)  # noqa: E731
    assert spans == {"new": (day(3), day(9)), "old": (day(4), day(6)), "x": (day(1), day(1))}
    assert Viewer.objects.get(pk=known.pk).last_seen_at == day(6)  # the known span was wider: kept


def test_importing_twice_stores_nothing_new(brand):
    import_file(path=EXAMPLE, brand=brand, create_missing=True)
    again = import_file(path=EXAMPLE, brand=brand, create_missing=True)
    assert (again.read, again.inserted, again.duplicates, again.rejected) == (12, 0, 12, 0)
    assert Interaction.objects.filter(brand=brand).count() == 12
    assert Viewer.objects.filter(brand=brand).count() == 5
    assert Video.objects.filter(brand=brand).count() == 3


def test_missing_event_id_is_sha256_of_format_and_normalised_fields(brand):
    import_file(path=EXAMPLE, brand=brand, create_missing=True)
    key = pseudonymise_viewer_id(brand_id=brand.pk, platform_code="kuaishou", raw_id="ks-77882")
    text = f"reelboard|kuaishou|{key}|demo-v3||follow||||2026-03-02T02:00:00+00:00"
    expected = hashlib.sha256(text.encode()).hexdigest()[:32]
    assert Interaction.objects.get(brand=brand, kind="follow").event_id == expected


def test_strict_mode_writes_nothing_when_one_row_is_invalid(brand, tmp_path):
    VideoFactory(brand=brand, external_id="v1")
    path = write(tmp_path, "x.csv", HEADER
                 + "e1,douyin,u1,v1,,view,1000,,,2026-01-01T00:00:00Z\n"
                 + "e2,douyin,u2,v1,,purchase,,-5,CNY,2026-01-01T00:00:00Z\n"
                 + "e3,douyin,u3,v1,,like,,,,2026-01-01T00:00:00Z\n")

    summary = import_file(path=path, brand=brand)

    assert not summary.committed
    assert (summary.read, summary.inserted, summary.rejected) == (3, 0, 1)
    assert [(e.line, e.field, e.code) for e in summary.errors] == [(3, "value", ErrorCode.NEGATIVE)]
    assert Interaction.objects.count() == 0
    assert Viewer.objects.count() == 0
    assert not (tmp_path / "x.csv.rejects.csv").exists()


def test_strict_mode_reports_at_most_twenty_errors(brand, tmp_path):
    rows = "".join(f"e{i},douyin,u{i},nope,,view,,,,2026-01-01T00:00:00Z\n" for i in range(25))
    summary = import_file(path=write(tmp_path, "x.csv", HEADER + rows), brand=brand)
    assert summary.rejected == 25
    assert [e.line for e in summary.errors] == list(range(2, 22))


def test_skip_invalid_stores_valid_rows_and_writes_exact_reject_file(brand, tmp_path):
    VideoFactory(brand=brand, external_id="v1")
    path = write(tmp_path, "x.csv", HEADER
                 + "e1,douyin,u1,v1,,view,1000,,,2026-01-01T00:00:00Z\n"
                 + "e2,douyin,u2,v1,,like,500,,,2026-01-01T00:00:00Z\n"
                 + "e3,myspace,u3,v1,,like,,,,2026-01-01T00:00:00\n"
                 + "e4,douyin,u4,v1,,share,,,,2026-01-01T08:00:00+08:00\n")

    summary = import_file(path=path, brand=brand, skip_invalid=True)

    assert summary.committed
    assert (summary.read, summary.inserted, summary.duplicates, summary.rejected) == (4, 2, 0, 2)
    assert sorted(Interaction.objects.values_list("event_id", flat=True)) == ["e1", "e4"]
    assert summary.reject_file == tmp_path / "x.csv.rejects.csv"
    platforms = "douyin, kuaishou, taobao, tiktok, wechat_channels"
    assert summary.reject_file.read_text(encoding="utf-8").splitlines() == [
        "line,column,code,reason,record",
        "3,watch_ms,invalid,Watch time is only allowed on views.,\"e2,douyin,u2,v1,,like,500,,,2026-01-01T00:00:00Z\"",
        f"4,platform | occurred_at,invalid_choice | invalid,\"Unknown platform 'myspace'; one of: {platforms}. "
        "| The time must be ISO-8601 with a UTC offset.\",\"e3,myspace,u3,v1,,like,,,,2026-01-01T00:00:00\"",
    ]


def test_values_in_another_currency_than_the_brands_are_rejected_with_both_named(brand, tmp_path):
    VideoFactory(brand=brand, external_id="v1")
    path = write(tmp_path, "x.csv", HEADER
                 + "e1,douyin,u1,v1,,purchase,,10.00,USD,2026-01-01T00:00:00Z\n"
                 + "e2,douyin,u1,v1,,purchase,,20.00,,2026-01-01T00:00:00Z\n"
                 + "e3,douyin,u1,v1,,purchase,,30.00,cny,2026-01-01T00:00:00Z\n"
                 + "e4,douyin,u1,v1,,like,,,usd,2026-01-01T00:00:00Z\n")

    strict = import_file(path=path, brand=brand)
    assert (strict.committed, strict.rejected) == (False, 1)
    assert [(e.line, e.field, e.code, e.message) for e in strict.errors] == [
        (2, "currency", ErrorCode.CURRENCY_MISMATCH,
         "The value is in USD, but this brand's currency is CNY: convert it before ingest.")]

    summary = import_file(path=path, brand=brand, skip_invalid=True)
    assert (summary.inserted, summary.rejected) == (3, 1)
    assert "2,currency,currency_mismatch," in summary.reject_file.read_text(encoding="utf-8")
    # a value without a currency is in the brand's; an event without a value keeps its currency as given
    assert dict(Interaction.objects.values_list("event_id", "currency")) == {"e2": "CNY", "e3": "CNY", "e4": "USD"}


def test_reject_file_location_can_be_chosen(brand, tmp_path):
    path = write(tmp_path, "x.csv", HEADER + "e1,douyin,u1,nope,,view,,,,2026-01-01T00:00:00Z\n")
    target = tmp_path / "bad.csv"
    summary = import_file(path=path, brand=brand, skip_invalid=True, reject_file=target)
    assert summary.reject_file == target
    assert len(target.read_text().splitlines()) == 2


def test_unknown_video_is_a_row_error_without_create_missing(brand, tmp_path):
    path = write(tmp_path, "x.csv", HEADER + "e1,douyin,u1,ghost,,view,,,,2026-01-01T00:00:00Z\n")
    summary = import_file(path=path, brand=brand)
    assert [(e.field, e.code) for e in summary.errors] == [("video_external_id", ErrorCode.NOT_FOUND)]
    assert Video.objects.count() == 0


def test_approve_created_videos_are_approved(brand):
    import_file(path=EXAMPLE, brand=brand, create_missing=True, approve_created=True)
    assert set(Video.objects.filter(brand=brand).values_list("moderation_status", flat=True)) == {
        ModerationStatus.APPROVED}


def test_videos_and_campaigns_of_another_brand_are_not_found(brand, other_brand, tmp_path):
    VideoFactory(brand=other_brand, external_id="theirs")
    VideoFactory(brand=brand, external_id="ours")
    theirs = CampaignFactory(brand=other_brand)
    path = write(tmp_path, "x.csv", HEADER
                 + "e1,douyin,u1,theirs,,view,,,,2026-01-01T00:00:00Z\n"
                 + f"e2,douyin,u1,ours,{theirs.pk},view,,,,2026-01-01T00:00:00Z\n")
    summary = import_file(path=path, brand=brand)
    assert [(e.line, e.field, e.code) for e in summary.errors] == [
        (2, "video_external_id", ErrorCode.NOT_FOUND), (3, "campaign_id", ErrorCode.NOT_FOUND)]


def test_own_campaign_is_linked(brand, tmp_path):
    VideoFactory(brand=brand, external_id="ours")
    campaign = CampaignFactory(brand=brand)
    path = write(tmp_path, "x.csv", HEADER + f"e1,douyin,u1,ours,{campaign.pk},click,,,,2026-01-01T00:00:00Z\n")
    import_file(path=path, brand=brand)
    assert Interaction.objects.get(event_id="e1").campaign_id == campaign.pk


# --- other formats ------------------------------------------------------------------------------------


def test_kuairec_rows_become_kuaishou_views(brand, tmp_path):
    path = write(tmp_path, "small_matrix.csv",
                 "user_id,video_id,play_duration,video_duration,time,date,timestamp,watch_ratio\n"
                 "14,148,4381,6067,2020-07-05 05:27:48.378,20200705.0,1593898068.378,0.722\n"
                 "14,183,11635,6100,2020-07-05 05:28:00.057,20200705.0,,1.907\n")

    summary = import_file(path=path, brand=brand, fmt="kuairec", create_missing=True)

    assert (summary.read, summary.inserted) == (2, 2)
    rows = sorted(Interaction.objects.filter(brand=brand).values_list(
        "video__external_id", "video__platform__code", "video__duration_ms", "kind", "watch_ms", "occurred_at"))
    assert rows == [
        ("148", "kuaishou", 6067, "view", 4381, datetime(2020, 7, 4, 21, 27, 48, 378000, tzinfo=UTC)),
        # no timestamp: `time` is Beijing time
        ("183", "kuaishou", 6100, "view", 11635, datetime(2020, 7, 4, 21, 28, 0, 57000, tzinfo=UTC)),
    ]
    key = pseudonymise_viewer_id(brand_id=brand.pk, platform_code="kuaishou", raw_id="14")
    assert Viewer.objects.get(brand=brand).viewer_key == key


def test_movielens_udata_ratings_become_full_views_and_likes(brand, tmp_path):
    VideoFactory(brand=brand, external_id="242", duration_ms=90_000)
    path = write(tmp_path, "u.data", "196\t242\t3\t881250949\n186\t302\t4\t891717742\n")

    summary = import_file(path=path, brand=brand, fmt="movielens", create_missing=True)

    assert (summary.read, summary.inserted) == (2, 3)
    rows = sorted(Interaction.objects.filter(brand=brand).values_list(
        "video__external_id", "video__platform__code", "kind", "watch_ms", "occurred_at"))
    assert rows == [
        ("242", "douyin", "view", 90_000, datetime.fromtimestamp(881250949, tz=UTC)),
        ("302", "douyin", "like", None, datetime.fromtimestamp(891717742, tz=UTC)),
        ("302", "douyin", "view", 60_000, datetime.fromtimestamp(891717742, tz=UTC)),
    ]


def test_movielens_ratings_csv_is_idempotent(brand, tmp_path):
    path = write(tmp_path, "ratings.csv", "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,4.5,1260759179\n")
    first = import_file(path=path, brand=brand, fmt="movielens", create_missing=True)
    second = import_file(path=path, brand=brand, fmt="movielens", create_missing=True)
    assert (first.inserted, second.inserted, second.duplicates) == (3, 0, 3)
    assert Interaction.objects.filter(brand=brand, kind="like").count() == 1


def test_movielens_bad_rating_rejects_the_record(brand, tmp_path):
    path = write(tmp_path, "u.data", "196\t242\tgreat\t881250949\n")
    summary = import_file(path=path, brand=brand, fmt="movielens", create_missing=True)
    assert [(e.line, e.field, e.code) for e in summary.errors] == [(1, "rating", ErrorCode.INVALID)]


def test_gzip_json_lines(brand, tmp_path):
    VideoFactory(brand=brand, external_id="v1")
    lines = [
        {"event_id": "j1", "platform": "douyin", "viewer_id": "u1", "video_external_id": "v1",
         "kind": "view", "watch_ms": 2500, "occurred_at": "2026-01-01T00:00:00+00:00"},
        {"event_id": "j2", "platform": "douyin", "viewer_id": "u1", "video_external_id": "v1",
         "kind": "purchase", "value": 12.5, "currency": "cny", "occurred_at": "2026-01-01T00:01:00+00:00"},
    ]
    path = tmp_path / "events.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(line) for line in lines) + "\n")

    summary = import_file(path=path, brand=brand)

    assert (summary.read, summary.inserted) == (2, 2)
    stored = events_by_id(brand)
    assert stored["j1"].watch_ms == 2500
    assert (stored["j2"].value, stored["j2"].currency) == (Decimal("12.50"), "CNY")


def test_gzip_csv(brand, tmp_path):
    VideoFactory(brand=brand, external_id="v1")
    path = tmp_path / "x.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(HEADER + "e1,douyin,u1,v1,,view,1000,,,2026-01-01T00:00:00Z\n")
    assert import_file(path=path, brand=brand).inserted == 1


def test_chunks_give_the_same_result_as_one_pass(brand, tmp_path):
    rows = "".join(f"e{i},douyin,u{i % 7},v{i % 3},,view,{i},,,2026-01-01T00:00:{i:02d}Z\n" for i in range(50))
    summary = import_file(path=write(tmp_path, "x.csv", HEADER + rows), brand=brand, create_missing=True,
                          chunk_rows=8)
    assert (summary.inserted, summary.videos_created) == (50, 3)
    assert Viewer.objects.filter(brand=brand).count() == 7
    assert sum(Interaction.objects.values_list("watch_ms", flat=True)) == sum(range(50))


def test_every_chunk_may_look_up_new_videos_while_the_previous_one_is_written(brand, tmp_path):
    for i in range(10):
        VideoFactory(brand=brand, external_id=f"v{i}", duration_ms=1000)
    # chunks of 5 rows; chunk k refers to video k only, so each chunk queries the catalog anew
    rows = "".join(f"e{i},douyin,u{i % 4},v{i // 5},,view,{i},,,2026-01-01T00:00:{i:02d}Z\n" for i in range(50))
    summary = import_file(path=write(tmp_path, "x.csv", HEADER + rows), brand=brand, chunk_rows=5)
    assert (summary.read, summary.inserted, summary.rejected) == (50, 50, 0)
    per_video = dict(Interaction.objects.filter(brand=brand).values("video__external_id")
                     .annotate(n=models.Count("id")).values_list("video__external_id", "n"))
    assert per_video == {f"v{i}": 5 for i in range(10)}


def test_a_failure_while_writing_a_later_chunk_stores_nothing(brand, tmp_path, monkeypatch):
    from django.db import connection

    from marketing.ingestion import writers

    cls, name = ((writers.PostgresWriter, "_write_chunk") if connection.vendor == "postgresql"
                 else (writers.SQLiteWriter, "stage"))
    original, calls = getattr(cls, name), []

    def flaky(self, rows, videos):
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(self, rows, videos)

    monkeypatch.setattr(cls, name, flaky)
    VideoFactory(brand=brand, external_id="v1")
    rows = "".join(f"e{i},douyin,u{i},v1,,like,,,,2026-01-01T00:00:00Z\n" for i in range(20))
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(path=write(tmp_path, "x.csv", HEADER + rows), brand=brand, chunk_rows=5)
    assert calls == [5, 5, 5]
    assert (Interaction.objects.count(), Viewer.objects.count()) == (0, 0)


# --- privacy and side effects -------------------------------------------------------------------------


def text_values_of_every_table():
    """Every char, text and JSON value stored by any installed app (marketing, analytics, ...)."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields
                 if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        if names:
            for values in model.objects.values_list(*names):
                yield model.__name__, " ".join("" if v is None else str(v) for v in values)


def test_raw_viewer_ids_are_in_no_text_column(brand, tmp_path):
    raw = "raw-user-id-Zq81"
    VideoFactory(brand=brand, external_id="v1")
    path = write(tmp_path, "x.csv", HEADER + f",douyin,{raw},v1,,view,100,,,2026-01-01T00:00:00Z\n")
    assert import_file(path=path, brand=brand).inserted == 1

    assert Viewer.objects.filter(brand=brand).count() == 1
    assert [name for name, text in text_values_of_every_table() if raw in text] == []


def test_raw_viewer_ids_stay_out_of_logs_and_command_output(tmp_path, capsys, caplog):
    raw = "raw-user-id-Kp27"
    BrandFactory(slug="acme")
    path = write(tmp_path, "x.csv", HEADER
                 + f"e1,douyin,{raw},ghost,,view,100,,,2026-01-01T00:00:00Z\n"
                 + f"e2,douyin,{raw},ghost,,like,100,,yen,not-a-time\n")
    with caplog.at_level(logging.DEBUG), pytest.raises(CommandError):
        call_command("import_interactions", str(path), "--brand", "acme")
    captured = capsys.readouterr()
    assert "line 3, column watch_ms" in captured.err  # the errors were reported ...
    assert raw not in captured.out + captured.err + caplog.text  # ... without the raw id


def test_reject_file_keeps_the_raw_row_for_its_owner(brand, tmp_path):
    raw = "raw-user-id-Rj55"
    path = write(tmp_path, "x.csv", HEADER + f"e1,douyin,{raw},ghost,,view,100,,,2026-01-01T00:00:00Z\n")
    summary = import_file(path=path, brand=brand, skip_invalid=True)
    assert raw in summary.reject_file.read_text(encoding="utf-8")  # the user's own file, on their disk
    assert [name for name, text in text_values_of_every_table() if raw in text] == []


def test_successful_import_records_its_rows_as_pending_and_enqueues_the_rollup_delta(
    brand, monkeypatch, django_capture_on_commit_callbacks
):
    from analytics import tasks

    calls = []
    # Ingest queues it by its registered name (current_app.signature): the task's apply_async is what runs.
    monkeypatch.setattr(tasks.apply_pending_rollups, "apply_async",
                        lambda args=(), kwargs=None, **options: calls.append(tuple(args)))
    with django_capture_on_commit_callbacks(execute=True):
        import_file(path=EXAMPLE, brand=brand, create_missing=True)
    assert calls == [(brand.pk,)]
    pending = [pk for row in PendingRollup.objects.filter(brand=brand) for pk in row.interaction_ids]
    assert sorted(pending) == sorted(Interaction.objects.filter(brand=brand).values_list("pk", flat=True))
    assert len(pending) == 12


def test_broker_down_keeps_events_and_logs_a_warning(brand, monkeypatch, caplog, django_capture_on_commit_callbacks):
    from analytics import tasks

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.apply_pending_rollups, "apply_async", down)
    with caplog.at_level(logging.WARNING, logger="marketing.ingestion.services"):
        with django_capture_on_commit_callbacks(execute=True):
            summary = import_file(path=EXAMPLE, brand=brand, create_missing=True)
    assert summary.inserted == 12
    assert Interaction.objects.filter(brand=brand).count() == 12
    assert "could not enqueue the rollup delta" in caplog.text


# --- the command ----------------------------------------------------------------------------------


def test_command_prints_the_summary(tmp_path, capsys):
    brand = BrandFactory(slug="acme")
    call_command("import_interactions", str(EXAMPLE), "--brand", "acme", "--create-missing")
    out = capsys.readouterr().out
    assert out.startswith("read 12, inserted 12, duplicates 0, rejected 0, videos created 3 in ")
    assert Interaction.objects.filter(brand=brand).count() == 12


def test_command_fails_in_strict_mode(tmp_path, capsys):
    BrandFactory(slug="acme")
    path = write(tmp_path, "x.csv", HEADER + "e1,douyin,u1,ghost,,view,,,,2026-01-01T00:00:00Z\n")
    with pytest.raises(CommandError, match="1 invalid row"):
        call_command("import_interactions", str(path), "--brand", "acme")
    assert "line 2, column video_external_id" in capsys.readouterr().err


def test_command_rejects_unknown_brand(db):
    with pytest.raises(CommandError, match="No brand"):
        call_command("import_interactions", str(EXAMPLE), "--brand", "nope")


def test_invalid_json_line_is_a_row_error_with_its_line(brand, tmp_path):
    VideoFactory(brand=brand, external_id="v1")
    good = json.dumps({"event_id": "j1", "platform": "douyin", "viewer_id": "u1", "video_external_id": "v1",
                       "kind": "like", "occurred_at": "2026-01-01T00:00:00Z"})
    path = write(tmp_path, "x.jsonl", good + "\n{oops\n[1, 2]\n")
    summary = import_file(path=path, brand=brand)
    assert (summary.read, summary.inserted, summary.rejected, summary.committed) == (3, 0, 2, False)
    assert [(e.line, e.field, e.code) for e in summary.errors] == [
        (2, "input", ErrorCode.INVALID), (3, "input", ErrorCode.INVALID)]
    assert Interaction.objects.count() == 0


def test_writer_skips_known_ids_but_never_hides_a_constraint_violation(brand):
    import psycopg
    from django.db import IntegrityError, transaction

    from marketing.ingestion.writers import make_writer

    video = VideoFactory(brand=brand, external_id="v1")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    row = ("w1", video.platform_id, "k" * 64, video.pk, None, None, "view", 100, None, "", at)
    with transaction.atomic():
        writer = make_writer(brand_id=brand.pk)
        writer.stage([row, row], {})
        assert writer.finish().inserted == 1
    # a like with a watch time passed validation by mistake: the database refuses, nothing is "duplicate"
    bad = ("w2", video.platform_id, "k" * 64, video.pk, None, None, "like", 100, None, "", at)
    # (the PostgreSQL writer drives psycopg directly, so its error is psycopg's)
    with pytest.raises((IntegrityError, psycopg.IntegrityError)), transaction.atomic():
        writer = make_writer(brand_id=brand.pk)
        writer.stage([bad], {})
        writer.finish()
    assert list(Interaction.objects.values_list("event_id", flat=True)) == ["w1"]


@pytest.fixture(autouse=True)
def _platforms(db):
    platform("douyin")  # migrations seed the platforms; fail early if they are missing


def test_progress_prints_plain_lines_when_not_a_terminal():
    import io

    from marketing.management.commands.import_interactions import Progress

    stream = io.StringIO()
    progress = Progress(stream, every_seconds=0)
    progress.started -= 2.0  # two seconds ago
    progress(100_000, 0.5, False)
    progress(200_000, 1.0, True)
    first, last = stream.getvalue().splitlines()
    assert first.startswith("progress: 100,000 rows read, ")
    assert first.endswith(" rows/s, 50% of file, ETA 2 s")
    assert last.startswith("done: 200,000 rows read, ") and last.endswith("100% of file, ETA 0 s")


def test_progress_redraws_one_line_on_a_terminal():
    import io

    from marketing.management.commands.import_interactions import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = Progress(stream)
    progress.started -= 2.0  # started two seconds ago, not redrawn since
    progress.last -= 2.0
    progress(100_000, 0.5, False)
    progress(200_000, 1.0, True)
    first, last = stream.getvalue().split("\r")[1:]
    assert first.startswith("100,000 rows read, ") and " rows/s, 50% of file, ETA 2 s" in first
    assert first.endswith(" s\x1b[K")  # clears the rest of the line, no newline until done
    assert last.startswith("200,000 rows read, ") and last.endswith("100% of file, ETA 0 s\x1b[K\n")


def test_interaction_indexes_cover_every_foreign_key_without_duplicates(db):
    """Each index costs every ingested row an insertion: none may be a prefix of another, yet each foreign
    key must lead one (lookups by viewer, video or campaign, and the cascades of deleting them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Interaction._meta.db_table)
    indexes = {name: tuple(c["columns"]) for name, c in constraints.items()
               if (c["index"] or c["unique"]) and not c["primary_key"]}
    redundant = [(a, b) for a, cols_a in indexes.items() for b, cols_b in indexes.items()
                 if a != b and cols_b[:len(cols_a)] == cols_a and not constraints[a]["unique"]]
    assert redundant == []
    leading = {columns[0] for columns in indexes.values()}
    assert {"brand_id", "viewer_id", "video_id", "campaign_id"} <= leading


@pytest.mark.postgres
def test_viewer_pages_keep_room_for_in_place_updates_on_postgresql(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: fillfactor is a PostgreSQL storage parameter")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'marketing_viewer'")
        assert cursor.fetchone()[0] == ["fillfactor=70"]
