"""Posting admin forms the way a browser does: every field of the page as it is shown
(the main form, each inline's forms and management form), then the test's changes."""

from __future__ import annotations

from typing import Any

from django.forms import MultiWidget


def _field_data(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, MultiWidget):  # e.g. a date and a time: name_0, name_1
            parts = value if isinstance(value, list) else widget.decompress(value)
            for index, part in enumerate(parts):
                subwidget = widget.widgets[index]
                data[f"{bound.html_name}_{index}"] = subwidget.format_value(part) or ""
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif value is not None:
            data[bound.html_name] = str(value)
    return data


def shown_data(response: Any) -> dict[str, Any]:
    """What the add or change page would post untouched."""
    context = response.context
    data: dict[str, Any] = {}
    if context.get("adminform") is not None:
        data.update(_field_data(context["adminform"].form))
    for inline in context.get("inline_admin_formsets") or []:
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    return data


def admin_post(client: Any, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """GET ``url`` (an add or change page), then POST what it shows, changed by ``data``.

    A key of ``data`` whose value is ``None`` is left out (an unticked box).
    """
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    posted = {**shown_data(page), **data}
    return client.post(url, {k: v for k, v in posted.items() if v is not None}, **kwargs)
