from django.db import migrations

PLATFORMS = [
    ("douyin", "Douyin"),
    ("kuaishou", "Kuaishou"),
    ("taobao", "Taobao"),
    ("wechat_channels", "WeChat Channels"),
    ("tiktok", "TikTok"),
]


def add_platforms(apps, schema_editor):
    Platform = apps.get_model("marketing", "Platform")
    for code, name in PLATFORMS:
        Platform.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("marketing", "0001_initial")]
    operations = [migrations.RunPython(add_platforms, migrations.RunPython.noop)]
