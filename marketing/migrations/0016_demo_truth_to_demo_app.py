# The demo's planted truth moves to the demo app: the models leave marketing's state only; the tables stay
# and demo.0001 takes them over (renaming them to the demo app's names).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0015_merge_20261205_0826"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DemoViewerSegment"),
                migrations.DeleteModel(name="DemoSegment"),
            ],
            database_operations=[],
        ),
    ]
