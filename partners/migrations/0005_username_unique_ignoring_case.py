"""Usernames are unique without regard to case (``Admin`` and ``admin`` cannot both exist).

Django's ``auth_user.username`` is unique as written; this adds a unique index on
``LOWER(username)`` (SQLite and PostgreSQL alike), so that every way in — the portal's
forms, the API, the admin, the legacy import, the demo, a shell — is held by the database.

Existing data: if two accounts already differ only by case, the migration stops before
changing anything and names them; rename or deactivate-and-rename one of each pair (in
the admin), then migrate again. Nothing is renamed or merged automatically: a login is
someone's, and which one to keep is a person's decision.
"""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower

INDEX = "auth_user_username_lower_uniq"


def refuse_existing_duplicates(apps, schema_editor):
    User = apps.get_model("auth", "User")
    # The database's own LOWER(), the function the index uses, decides what clashes.
    clashing = list(
        User.objects.annotate(folded=Lower("username"))
        .values("folded")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("folded", flat=True)
    )
    if not clashing:
        return
    names = sorted(
        User.objects.annotate(folded=Lower("username"))
        .filter(folded__in=clashing)
        .values_list("username", flat=True)
    )
    raise RuntimeError(
        "These usernames differ only by case and the portal now refuses that: "
        + ", ".join(names)
        + ". Rename all but one of each group (admin, « Utilisateurs »), then run migrate again."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("partners", "0004_tier_periods"),
    ]

    operations = [
        migrations.RunPython(refuse_existing_duplicates, migrations.RunPython.noop),
        migrations.RunSQL(
            f'CREATE UNIQUE INDEX "{INDEX}" ON "auth_user" (LOWER("username"))',
            f'DROP INDEX "{INDEX}"',
        ),
    ]
