"""Text for the page: what a person typed shown inside Markdown as typed, and numbers as table cells.

``st.markdown``, ``st.error`` and friends render Markdown: ``__import__`` came out as a bold
"import", ``$x$`` as math, ``[a](b)`` as a link. Every message that echoes user text goes through
``escaped`` (one helper, used everywhere user text is echoed).
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")  # emphasis, code, links, HTML, headings, tables, math


def escaped(text: str) -> str:
    """``text`` with the Markdown-special characters backslash-escaped, so it shows as typed."""
    return _SPECIAL.sub(r"\\\1", str(text))


def unescaped(markdown: str) -> str:
    """What ``escaped`` text reads as (for tests that compare message text)."""
    return re.sub(r"\\(.)", r"\1", markdown)


ZERO = 1e-12  # below this, a computed value is zero in a table (7.9e-31 beside an exact 0 reads as noise)


def near_zero_as_zero(value):
    """``value`` with tiny floats (``|v| < ZERO``) shown as 0; anything else unchanged."""
    return 0.0 if isinstance(value, float) and abs(value) < ZERO else value


def number_text(value: float, digits: int = 4) -> str:
    """A table cell's text for a number: ``digits`` significant digits, tiny values as 0, missing as "—"."""
    if value is None or value != value:
        return "—"
    return f"{near_zero_as_zero(float(value)) + 0.0:.{digits}g}"
