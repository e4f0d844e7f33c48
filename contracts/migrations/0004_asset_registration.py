"""Asset registrations: confirmed, held for HP's arbitration, or rejected.

Existing assets are all confirmed (the column's default). The new unique constraints are
weaker than the one they replace (one asset per vendor and serial number, whatever its
registration), so existing data cannot violate them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0003_asset_serial_index"),
        ("partners", "0005_username_unique_ignoring_case"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="asset",
            name="asset_serial_unique_per_vendor",
        ),
        migrations.AddField(
            model_name="asset",
            name="registration",
            field=models.CharField(
                choices=[
                    ("confirmed", "Enregistré"),
                    ("held", "En attente de vérification HP"),
                    ("rejected", "Non retenu par HP"),
                ],
                db_default="confirmed",
                default="confirmed",
                max_length=10,
                verbose_name="enregistrement",
            ),
        ),
        migrations.AddField(
            model_name="asset",
            name="registration_decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="décidé le"),
        ),
        migrations.AddField(
            model_name="asset",
            name="registration_decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="décidé par",
            ),
        ),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(
                condition=models.Q(("registration", "held")),
                fields=["created_at"],
                name="asset_held_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("registration", "confirmed")),
                fields=("vendor", "serial_number"),
                name="asset_serial_confirmed_once_per_vendor",
            ),
        ),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("registration", "rejected"), _negated=True),
                fields=("customer", "vendor", "serial_number"),
                name="asset_serial_once_per_customer",
            ),
        ),
    ]
