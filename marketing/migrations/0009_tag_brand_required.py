import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("marketing", "0008_tags_per_brand"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tag",
            name="brand",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="tags",
                                    to="marketing.brand"),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(fields=("brand", "name"), name="tag_unique_brand_name"),
        ),
    ]
