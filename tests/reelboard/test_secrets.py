"""Secrets: a database needs a dedicated viewer-id key; the demo bootstrap refuses production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
REFUSAL = "DATABASE_URL is set: VIEWER_ID_HMAC_KEY must be set too"
AD_REFUSAL = "DATABASE_URL is set: AD_CREDENTIALS_KEY must be set too"


def check(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DATABASE_URL", "VIEWER_ID_HMAC_KEY", "AD_CREDENTIALS_KEY", "SECRET_KEY",
                                 "DJANGO_SETTINGS_MODULE")}
    environment.update(DJANGO_SETTINGS_MODULE="reelboard.settings", **env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)


def test_a_database_without_a_viewer_id_key_refuses_to_start(tmp_path):
    result = check(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert (result.returncode, REFUSAL in result.stderr) == (1, True)


def test_a_viewer_id_key_equal_to_the_secret_key_is_refused(tmp_path):
    result = check(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SECRET_KEY="same-value-" * 5,
                   VIEWER_ID_HMAC_KEY="same-value-" * 5)
    assert (result.returncode, REFUSAL in result.stderr) == (1, True)


def test_a_database_with_a_dedicated_key_starts(tmp_path):
    result = check(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", VIEWER_ID_HMAC_KEY="dedicated-key",
                   AD_CREDENTIALS_KEY="dedicated-ad-key")
    assert (result.returncode, result.stderr) == (0, "")


def test_a_database_without_an_ad_credentials_key_refuses_to_start(tmp_path):
    result = check(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", VIEWER_ID_HMAC_KEY="dedicated-key")
    assert (result.returncode, AD_REFUSAL in result.stderr) == (1, True)


def test_an_ad_credentials_key_equal_to_the_secret_key_is_refused(tmp_path):
    result = check(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", VIEWER_ID_HMAC_KEY="dedicated-key",
                   SECRET_KEY="same-value-" * 5, AD_CREDENTIALS_KEY="same-value-" * 5)
    assert (result.returncode, AD_REFUSAL in result.stderr) == (1, True)


def test_the_embedded_demo_without_a_database_url_still_starts():
    result = check()
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.django_db
def test_bootstrap_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run with REELBOARD_ENV=production"):
        call_command("bootstrap_demo", "--skip-jobs")


@pytest.mark.parametrize("env,installed", [("development", "True True"), ("production", "False False")])
def test_the_demo_app_and_its_commands_exist_in_development_only(tmp_path, env, installed):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    environment.update(DJANGO_SETTINGS_MODULE="reelboard.settings", REELBOARD_ENV=env, SECRET_KEY="s" * 60,
                       DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", VIEWER_ID_HMAC_KEY="dedicated-key",
                       AD_CREDENTIALS_KEY="dedicated-ad-key", DEBUG="false")
    code = ("import django; django.setup(); from django.apps import apps; "
            "from django.core.management import get_commands; "
            "print(apps.is_installed('demo'), 'seed_demo' in get_commands())")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=120)
    assert (result.returncode, result.stdout.strip()) == (0, installed), result.stderr
