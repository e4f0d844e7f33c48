from django.db import migrations


def forward(apps, schema_editor):
    from partners.programme import load_default_programme

    load_default_programme(apps)


class Migration(migrations.Migration):
    dependencies = [("partners", "0002_programme")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
