"""Text a person typed (a formula, a link's values) shown inside Markdown without being read as Markdown.

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
