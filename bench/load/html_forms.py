"""HTML as a browser reads it, for the locustfile: a page's forms (inputs, selects with their
options, textareas) and links, and what a form sends untouched.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class Page(HTMLParser):
    """The forms of a page (inputs, selects with their options, textareas) and its links."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: list[dict[str, Any]] | None = None
        self._option: dict[str, Any] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"attrs": a, "inputs": [], "selects": {}, "textareas": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form["inputs"].append(a)
        elif tag == "select":
            self._select = self._form["selects"].setdefault(a.get("name", ""), [])
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value", ""), "selected": "selected" in a, "text": ""}
            self._select.append(self._option)
        elif tag == "textarea":
            self._form["textareas"].append(a.get("name", ""))

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None

    def form(self, **attrs: str) -> dict[str, Any] | None:
        """The first form whose attributes include these (``data_testid="x"`` for data-testid)."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        for form in self.forms:
            if all(form["attrs"].get(k) == v for k, v in wanted.items()):
                return form
        return None

    def form_with(self, field: str) -> dict[str, Any] | None:
        """The first form with a field of this name."""
        for form in self.forms:
            names = {f.get("name") for f in form["inputs"]} | set(form["selects"])
            if field in names | set(form["textareas"]):
                return form
        return None


def submitted(form: dict[str, Any]) -> list[tuple[str, str]]:
    """What the browser sends without the user touching anything: hidden fields, checked boxes
    and radios, and each select's selected (else first) option."""
    pairs = []
    for field in form["inputs"]:
        kind = field.get("type", "text")
        if not field.get("name") or "disabled" in field:
            continue
        if kind == "hidden" or (kind in ("checkbox", "radio") and "checked" in field):
            pairs.append((field["name"], field.get("value", "on")))
    for name, options in form["selects"].items():
        chosen = next((o for o in options if o["selected"]), options[0] if options else None)
        if chosen is not None:
            pairs.append((name, chosen["value"]))
    return pairs


def option_value(form: dict[str, Any], select: str, *, text: str = "") -> str:
    """The first non-empty option of a select (containing ``text`` when given)."""
    for option in form["selects"].get(select, []):
        if option["value"] and text.lower() in option["text"].lower():
            return str(option["value"])
    return ""
