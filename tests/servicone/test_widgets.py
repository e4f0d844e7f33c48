"""``QuickSelect`` writes the HTML of Django's own ``forms.Select`` template."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from servicone.widgets import QuickSelect, quick_html, quick_join

CHOICES = [
    ("", "Tous les partenaires"),
    (1, "Ovesys & Fils <SA>"),
    (2, "« Concurrent » SA"),
    ("Régions", [("idf", "Île-de-France"), ("974", 'La "Réunion"')]),
]


@pytest.mark.parametrize("value", [None, "", 1, "2", "974", "absent"])
@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"id": "id_partner"},
        {"id": "id_p", "required": True, "disabled": False, "data-x": "<&>"},
    ],
)
def test_quick_select_is_what_djangos_select_writes(value, attrs):
    reference = forms.Select(choices=CHOICES).render("partner", value, attrs=attrs)
    assert QuickSelect(choices=CHOICES).render("partner", value, attrs=attrs) == reference


def test_a_form_field_renders_the_same_with_either_widget():
    class Filters(forms.Form):
        partner = forms.TypedChoiceField(choices=CHOICES, coerce=str, required=False)

    django_form, quick_form = Filters({"partner": "idf"}), Filters({"partner": "idf"})
    quick_form.fields["partner"].widget = QuickSelect(choices=CHOICES)
    assert str(quick_form["partner"]) == str(django_form["partner"])
    assert 'value="idf" selected' in str(quick_form["partner"])


def test_quick_html_escapes_every_argument_as_format_html_does():
    template = '<a title="{}" data-n="{}">{}{}{}</a>'
    tricky = (
        '"l\'<b>&amp;"',
        42,
        None,
        mark_safe("<i>déjà sûr</i>"),
        gettext_lazy("Dépassé"),
    )
    for args in (tricky, tricky[::-1], tricky[1:] + tricky[:1]):
        assert quick_html(template, *args) == format_html(template, *args)
    assert quick_join([quick_html("<p>{}</p>", "<"), quick_html("{}", "&")]) == "<p>&lt;</p>&amp;"
