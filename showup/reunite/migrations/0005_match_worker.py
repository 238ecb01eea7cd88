from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reunite", "0004_match_service"),
    ]

    operations = [
        migrations.CreateModel(
            name="MatchWorker",
            fields=[
                (
                    "name",
                    models.CharField(max_length=64, primary_key=True, serialize=False),
                ),
                ("seen_at", models.DateTimeField()),
            ],
        ),
    ]
