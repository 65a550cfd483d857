# The demo's planted truth, moved here from marketing (marketing.0016): the tables exist already, so the models
# enter this app's state under their old table names, then the tables take this app's names.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('marketing', '0016_demo_truth_to_demo_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
        migrations.CreateModel(
            name='DemoSegment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, unique=True, verbose_name='name')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('tag_affinity', models.JSONField(default=dict, help_text='tag -> affinity weight', verbose_name='tag affinity')),
                ('demographics', models.JSONField(default=dict, help_text='attribute -> value -> share', verbose_name='demographics')),
            ],
            options={
                'verbose_name': 'demo segment',
                'verbose_name_plural': 'demo segments',
                'db_table': 'marketing_demosegment',
            },
        ),
        migrations.CreateModel(
            name='DemoViewerSegment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('segment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='viewers', to='demo.demosegment', verbose_name='segment')),
                ('viewer', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='demo_segment', to='marketing.viewer', verbose_name='viewer')),
            ],
            options={
                'verbose_name': 'demo viewer segment',
                'verbose_name_plural': 'demo viewer segments',
                'db_table': 'marketing_demoviewersegment',
            },
        ),
        ], database_operations=[]),
        migrations.AlterModelTable(name='demosegment', table=None),
        migrations.AlterModelTable(name='demoviewersegment', table=None),
    ]
