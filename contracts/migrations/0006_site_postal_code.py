"""Sites' postal codes are checked: French, metropolitan or overseas (``validate_postal_code``).

A validator only: the rows stored before are not rewritten (a site is never refused after
the fact); the next write of a site goes through the check.
"""

import contracts.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0005_serials_normalised'),
    ]

    operations = [
        migrations.AlterField(
            model_name='site',
            name='postal_code',
            field=models.CharField(blank=True, default='', help_text='5 chiffres : métropole ou outre-mer (57000, 97400, 98800…).', max_length=10, validators=[contracts.models.validate_postal_code], verbose_name='code postal'),
        ),
    ]
