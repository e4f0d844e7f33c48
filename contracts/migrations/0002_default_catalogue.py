from django.db import migrations


def forward(apps, schema_editor):
    from contracts.catalogue import load_default_catalogue

    load_default_catalogue(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0001_catalogue"),
        ("partners", "0003_default_programme"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
