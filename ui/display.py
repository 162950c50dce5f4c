"""How a view is shown, set from the link for every page at once: ``hide=`` and presentation mode.

- ``hide=lr,momentum`` hides those controls (each widget's key is its URL parameter, and Streamlit gives a
  keyed element the CSS class ``st-key-<key>``); ``hide=sidebar`` hides the whole sidebar. A name that is not a
  control of the page is ignored and said so.
- ``present=1`` (or the sidebar toggle) is presentation mode: sidebar collapsed, larger type, black text,
  and the charts (``ui/chart.js``) draw larger fonts, thicker lines and bigger markers. The first screen
  holds the page's main charts: a compact title, no help icons, the page's ``fold()`` closed, and each
  main chart (``chart.plotly_react(main=True)``) as tall as the room left below its top.

app.py wraps every page in ``around_page()``; a page only marks its main charts and its ``fold()``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager, nullcontext

import streamlit as st

from ui.text import escaped

HIDE, PRESENT, TOGGLE = "hide", "present", "presentation_mode"
DISPLAY_KEYS = (HIDE, PRESENT)  # link parameters of the view, not of a page: page checks skip them
SIDEBAR = "sidebar"
ON = ("1", "true", "yes", "on")
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_FIRST = "_display_first_run_done"

# Chart scaling in presentation mode (ui/chart.js reads these): fonts, line widths, marker sizes.
CHART_SCALE = {"font": 1.45, "line": 2.0, "marker": 1.6}

HIDE_SIDEBAR_CSS = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"]
  { display: none !important; }
"""

# Readable from the back of a lecture hall: 22 px type (Streamlit sizes its text in rem), black on white,
# heavier headings and slider labels; the sidebar starts collapsed (set_page_config in app.py).
PRESENT_CSS = """
html { font-size: 22px; }
[data-testid="stMain"] { color: #000000; }
[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3 { color: #000000; font-weight: 800; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { line-height: 1.45; }
[data-testid="stMain"] [data-testid="stCaptionContainer"], [data-testid="stMain"] [data-testid="stCaptionContainer"] p
  { color: #222222 !important; font-size: 0.95rem; }
[data-testid="stWidgetLabel"] p { font-weight: 700; color: #000000; }
[data-testid="stAlert"] p { color: #000000; }
"""

# The first screen is the main charts' (ui/chart.js sizes each to the room left below its top): a compact
# title and headings, less white space above the title, no help icons in the main area (a lecturer does not
# hover them in front of a class). Only the icon goes: Streamlit wraps a button that has help in the same
# tooltip element. At 1024x768 the title, the formula line and a heading had taken the playground's top 361 px.
PRESENT_FIRST_SCREEN_CSS = """
[data-testid="stHeader"] { height: 2.4rem; min-height: 2.4rem; }
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
[data-testid="stMain"] h1 { font-size: 1.6rem; padding: 0 0 0.1rem; line-height: 1.25; }
[data-testid="stMain"] h2 { font-size: 1.3rem; padding-top: 0.3rem; }  /* the bottom keeps room for a divider */
[data-testid="stMain"] h3 { font-size: 1.15rem; padding: 0.2rem 0 0; }
[data-testid="stMain"] [data-testid="stHeaderActionElements"],
[data-testid="stMain"] [data-testid="stTooltipHoverTarget"] > button[aria-label="Help"] { display: none !important; }
"""


def presenting() -> bool:
    """Presentation mode: the toggle once it exists, else the link's ``present=``."""
    if TOGGLE in st.session_state:
        return bool(st.session_state[TOGGLE])
    return st.query_params.get(PRESENT, "").strip().lower() in ON


def fold(label: str):
    """Where what a presenter does not need on the first screen goes (a page's introduction, its
    formulas, what to look for): a closed expander under ``label`` in presentation mode, so the main
    chart fits the screen; otherwise the page itself, laid out as if there were no fold.

    Returns a context manager that can be entered again further down the page (the same expander)."""
    return st.expander(label, expanded=False, icon=":material/notes:") if presenting() else nullcontext()


def hidden_names() -> list[str]:
    """The names in ``hide=`` (comma-separated, repeated parameters allowed), in order, without duplicates."""
    names: list[str] = []
    for raw in st.query_params.get_all(HIDE):
        for name in raw.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return names


def page_query() -> dict[str, str]:
    """The link's parameters that belong to the page (``hide`` and ``present`` left out)."""
    return {k: v for k, v in st.query_params.to_dict().items() if k not in DISPLAY_KEYS}


def css(names: list[str], present: bool) -> str:
    """The page style for these hidden names and mode (names already checked against ``_NAME``)."""
    rules = []
    if present:
        rules += [PRESENT_CSS, PRESENT_FIRST_SCREEN_CSS]
    if SIDEBAR in names:
        rules.append(HIDE_SIDEBAR_CSS)
    keys = [n for n in names if n != SIDEBAR]
    if keys:
        rules.append(", ".join(f".st-key-{n}" for n in keys) + " { display: none !important; }")
    return "<style>\n" + "\n".join(rules) + "\n</style>" if rules else ""


def _sync_url(present: bool) -> None:
    """The address bar says ``present=1`` exactly while presentation mode is on (so a copied link keeps it)."""
    if present and st.query_params.get(PRESENT) != "1":
        st.query_params[PRESENT] = "1"
    elif not present and PRESENT in st.query_params:
        del st.query_params[PRESENT]


def _drawn(key: str) -> bool:
    """Whether this run drew a widget with this key (session state alone cannot tell: presets and links set
    the values of controls another optimizer would show). Falls back to session state where Streamlit's
    run context (an internal) cannot tell."""
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

        ctx = get_script_run_ctx()
        widget_id = ctx.session_state._state._key_id_mapper.get_id_from_key(key, None)
        return widget_id is not None and widget_id in ctx.shared.widget_ids_this_run
    except Exception:  # noqa: BLE001
        return key in st.session_state


@contextmanager
def around_page():
    """Style the page before it runs; after it runs, name what ``hide=`` could not.

    Yields that notice as a function, for ``ui.links.stop`` to draw before a page stops early."""
    names = hidden_names()
    usable = [n for n in names if _NAME.fullmatch(n)]
    first_run = not st.session_state.get(_FIRST)
    if first_run:  # a link's present= starts the toggle; afterwards the toggle rules and the URL follows it
        st.session_state[TOGGLE] = presenting()
        st.session_state[_FIRST] = True
    present = presenting()
    style = css(usable, present)
    if style:
        st.html(style)  # style only: Streamlit puts it in the event container, it takes no space
    notice = st.empty() if names else None
    with st.sidebar:
        st.toggle("Presentation mode", key=TOGGLE,
                  help="Large type, thick lines, sidebar folded: for a projector. The link keeps it as present=1.")
    _sync_url(bool(st.session_state.get(TOGGLE)))

    def hide_notice() -> None:  # once: at the page's end, or before it stops (ui.links.stop)
        nonlocal notice
        if notice is None:
            return
        slot, notice = notice, None
        unknown = [n for n in names if n != SIDEBAR and (n not in usable or not _drawn(n))]
        if unknown:
            listed = ", ".join(f"“{escaped(n[:40])}”" for n in unknown)
            slot.warning(f"hide= names no control of this page: {listed} (ignored). Use a control's URL "
                         "parameter, e.g. hide=lr, or hide=sidebar.", icon=":material/visibility_off:")

    yield hide_notice
    hide_notice()
