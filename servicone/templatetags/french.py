"""French typography in templates: ``{% if name|elides %}d'{{ name }}{% else %}de {{ name }}{% endif %}``.

Each sentence stays whole in the catalogue (one msgid with « d' », one with « de »), so
that its English translation is free; the filter only says which one to show.
"""

from __future__ import annotations

from django import template

from servicone.text import elides as _elides

register = template.Library()


@register.filter
def elides(word: object) -> bool:
    """« d'Ovesys », « de Concurrent SA »: ``word`` starts with a vowel sound."""
    return _elides(str(word or ""))
