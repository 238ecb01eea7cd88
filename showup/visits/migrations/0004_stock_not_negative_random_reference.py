"""Visit request references become random (V-XXXX-XXXX) instead of V-<id>, so they say nothing
about other agencies' requests; and the memento stock can no longer go below zero.

Existing requests get a fresh random reference. A stock count already below zero (allowed
before) is set to zero: it was wrong, and the coordinator recounts."""

from django.db import migrations, models

import showup.visits.models


def fill_references(apps, schema_editor):
    VisitRequest = apps.get_model("visits", "VisitRequest")
    used = set()
    for request in VisitRequest.objects.only("pk").iterator():
        reference = showup.visits.models.new_visit_reference()
        while reference in used:
            reference = showup.visits.models.new_visit_reference()
        used.add(reference)
        VisitRequest.objects.filter(pk=request.pk).update(reference=reference)


def no_negative_stock(apps, schema_editor):
    MementoStock = apps.get_model("visits", "MementoStock")
    MementoStock.objects.filter(quantity__lt=0).update(quantity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0003_request_filed_for_partner"),
    ]

    operations = [
        migrations.AddField(
            model_name="visitrequest",
            name="reference",
            field=models.CharField(max_length=12, null=True),
        ),
        migrations.RunPython(fill_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="visitrequest",
            name="reference",
            field=models.CharField(
                default=showup.visits.models.new_visit_reference, max_length=12, unique=True
            ),
        ),
        migrations.RunPython(no_negative_stock, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="mementostock",
            constraint=models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="visits_stock_not_negative"
            ),
        ),
    ]
