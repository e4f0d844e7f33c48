"""Assets and entitlement: an asset's page, the serial-number look-up, and the
installed-base import of a customer (CSV: preview, then confirmation).
"""

from __future__ import annotations

import base64
import hashlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from contracts import presenters, selectors
from contracts.forms import ImportForm
from contracts.importers import MAX_BYTES, ImportReport, assets_import_csv
from contracts.models import ContractAsset, Customer
from contracts.serials import SERIAL_INPUT_MAX, normalise_serial, serial_problem
from contracts.views.shared import found
from partners.selectors import today as local_today
from servicone.access import Viewer, seller_required, with_viewer


@require_GET
@with_viewer
def asset_detail(request: HttpRequest, viewer: Viewer, asset_id: int) -> HttpResponse:
    today = local_today()
    asset = found(selectors.asset_of(viewer, asset_id))
    coverages = presenters.coverage_rows(selectors.asset_coverage_history(asset), today)
    return render(
        request,
        "contracts/asset_detail.html",
        {
            "viewer": viewer,
            "asset": asset,
            "coverages": coverages,
            "applicable": selectors.coverage_for_asset(asset.pk, on=today),
        },
    )


@require_GET
@with_viewer
def asset_lookup(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Serial number → coverage in force and service level, within the viewer's scope."""
    today = local_today()
    # Normalised as stored (contracts.serials): "czj 000 0022" is CZJ0000022.
    serial = normalise_serial(request.GET.get("serial", "")[:SERIAL_INPUT_MAX])
    problem = serial_problem(serial) if serial else None
    results: list[ContractAsset] = []
    assets = []
    if serial and problem is None:
        results = selectors.entitlements_for_serial(serial, partner_id=viewer.partner_id, on=today)
        assets = selectors.assets_with_serial(viewer, serial)
    covered_ids = {r.asset_id for r in results}
    return render(
        request,
        "contracts/asset_lookup.html",
        {
            "viewer": viewer,
            "serial": serial,
            "problem": problem,
            "results": results,
            "uncovered": [a for a in assets if a.pk not in covered_ids],
            "searched": bool(serial) and problem is None,
        },
    )


# --- Installed-base import --------------------------------------------------------------------


def _import_session_key(customer: Customer) -> str:
    return f"contracts:import:{customer.pk}"


@require_http_methods(["GET", "POST"])
@seller_required
def customer_import(request: HttpRequest, viewer: Viewer, customer_id: int) -> HttpResponse:
    """Upload → dry-run preview with the row error report → confirm → all or nothing.

    The uploaded bytes wait in the session between preview and confirmation, with a
    digest the confirm button carries, so what is imported is what was previewed.
    """
    customer = found(selectors.customer_of(viewer, customer_id))
    key = _import_session_key(customer)
    form = ImportForm()
    report: ImportReport | None = None
    token = ""
    status = 200
    if request.method == "POST" and request.POST.get("action") == "confirm":
        stored = request.session.get(key) or {}
        if not stored or stored.get("token") != request.POST.get("token"):
            messages.error(request, _("Le fichier à importer a expiré : déposez-le à nouveau."))
            return redirect("contracts:customer-import", customer_id=customer.pk)
        data = base64.b64decode(stored["data"])
        report = assets_import_csv(customer=customer, data=data, actor=request.user)
        if report.ok:
            del request.session[key]
            messages.success(request, presenters.import_done(report.created, report.sites_created))
            return redirect("contracts:customer", customer_id=customer.pk)
        status = 400
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error(
                    "file",
                    _("Le fichier dépasse %(mb)s Mo.") % {"mb": MAX_BYTES // (1024 * 1024)},
                )
                status = 400
            else:
                data = upload.read()
                report = assets_import_csv(
                    customer=customer, data=data, actor=request.user, dry_run=True
                )
                if report.ok:
                    token = hashlib.sha256(data).hexdigest()
                    request.session[key] = {
                        "token": token,
                        "data": base64.b64encode(data).decode("ascii"),
                        "name": upload.name,
                    }
                else:
                    request.session.pop(key, None)
                    status = 400
        else:
            status = 400
    return render(
        request,
        "contracts/customer_import.html",
        {"customer": customer, "form": form, "report": report, "token": token},
        status=status,
    )
