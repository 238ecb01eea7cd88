"""`nobidi`: a name without bidirectional control characters, for display.

Names with those characters are refused at input (showup.core.text), but a name stored before,
or imported, could still carry a right-to-left override that makes it read as another name.
Templates show names as `<bdi>{{ name|nobidi }}</bdi>`: the filter removes the controls and
<bdi> keeps a right-to-left name from reordering the text around it.
"""

from __future__ import annotations

from django import template

from showup.core.text import strip_bidi

register = template.Library()


@register.filter
def nobidi(value: object) -> str:
    return strip_bidi(value)
