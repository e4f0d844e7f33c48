"""Serial numbers stored as the portal now reads them: no spaces, upper-case.

Since ``contracts.serials``, every way in normalises a serial number (``" czj 999 0001"`` is
``CZJ9990001``) and looks it up by exact match. Rows stored before may hold spaces or
lower-case letters (the admin of an older release, a bulk load, a copy from a PDF): this
normalises them, so that they are found again. The rule is copied here, not imported, so
that this migration keeps doing what it did whatever the module becomes.

Two rows may become equal. None is lost, each case is written to the audit trail
(``asset.serial_*``, system actor) and printed:

* the same partner registered the box twice (one customer or two): the stale row is left
  as it is (``asset.serial_duplicate``), for the partner or HP to merge by hand (a serial
  made of spaces only is left too: ``asset.serial_empty``);
* two partners registered it: the rule of ``AssetRegistration`` applies as if both had
  typed it the same way, the first registration stays confirmed and the later one is
  held for HP's arbitration on « Équipements à vérifier » (``asset.serial_claim_held``);
* a rejected registration collides with nothing (no constraint holds it): normalised.

Nothing to undo on the way back: the normalised rows stay as they are.
"""

import re

from django.db import migrations

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")


def normalise(raw):
    return _SPACES.sub("", raw or "").upper()


def normalise_serials(Asset, AuditEvent, *, say=print):
    """Normalise every stored serial number; returns the report's lines (also ``say``-ed)."""
    report = []

    def note(asset, action, line, **data):
        AuditEvent.objects.create(
            action=action,
            actor=None,
            partner_id=asset.customer.partner_id,
            object_type="contracts.asset",
            object_id=asset.pk,
            data=data,
        )
        report.append(line)
        say(line)

    stale = [
        pk
        for pk, serial in Asset.objects.order_by("created_at", "pk")
        .values_list("pk", "serial_number")
        .iterator()
        if normalise(serial) != serial
    ]
    for pk in stale:
        asset = Asset.objects.select_related("customer").get(pk=pk)
        old, new = asset.serial_number, normalise(asset.serial_number)
        if not new:
            note(
                asset,
                "asset.serial_empty",
                f"asset {pk}: serial {old!r} is only spaces, left as it is",
                before=old,
            )
            continue
        others = list(
            Asset.objects.filter(vendor=asset.vendor, serial_number=new)
            .exclude(pk=pk)
            .exclude(registration="rejected")
            .select_related("customer")
            .order_by("created_at", "pk")
        )
        if asset.registration != "rejected":
            own = [o for o in others if o.customer.partner_id == asset.customer.partner_id]
            if own:
                note(
                    asset,
                    "asset.serial_duplicate",
                    f"asset {pk}: {old!r} would become {new!r}, which the same partner "
                    f"registered already (asset {own[0].pk}): left as it is, to merge by hand",
                    before=old,
                    after=new,
                    duplicate_of=own[0].pk,
                )
                continue
            holder = next((o for o in others if o.registration == "confirmed"), None)
            if asset.registration == "confirmed" and holder is not None:
                if (asset.created_at, asset.pk) < (holder.created_at, holder.pk):
                    # This row was registered first: it stays confirmed, the other waits.
                    held, kept = holder, asset
                else:
                    held, kept = asset, holder
                held.registration = "held"
                held.save(update_fields=["registration"])  # first: one confirmed at a time
                asset.serial_number = new
                asset.save(update_fields=["serial_number"])
                note(
                    held,
                    "asset.serial_claim_held",
                    f"asset {held.pk}: serial {new!r} is also registered by another partner "
                    f"(asset {kept.pk}, registered first): held for HP's arbitration",
                    before=old if held is asset else new,
                    after=new,
                    holder=kept.pk,
                )
                if held is not asset:
                    note(
                        asset,
                        "asset.serial_normalised",
                        f"asset {pk}: serial {old!r} is now {new!r}",
                        before=old,
                        after=new,
                    )
                continue
        asset.serial_number = new
        asset.save(update_fields=["serial_number"])
        note(
            asset,
            "asset.serial_normalised",
            f"asset {pk}: serial {old!r} is now {new!r}",
            before=old,
            after=new,
        )
    return report


def forwards(apps, schema_editor):
    normalise_serials(apps.get_model("contracts", "Asset"), apps.get_model("servicone", "AuditEvent"))


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0004_asset_registration"),
        ("servicone", "0002_email_outbox_backoff"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
