"""Every page says which values of its link it could not use, not only the playground.

Streamlit's bound widgets (``bind="query-params"``) drop a value they cannot take without a word,
and also drop a value equal to the widget's default from the address bar, so the link after a run
cannot tell the two apart. The check below compares the link as the session opened it with what
each widget holds after the page's first complete run: a value the widget did not take, or a
parameter no widget on the page reads, gets one sentence, shown above the page. A value the page's
own link check already reported (the playground's ``ui.panels.url_notices``) is not repeated.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import NoReturn

import streamlit as st

from ui import display

RAW = "_link_raw"  # the query string as the session's first run saw it
DROPPED = "_link_dropped"  # the values remember_link took out before any page saw them
NOTES = "_link_notes"  # (page, sentences) once the first complete run has been checked
OWN_CHECK = "url_messages"  # set by ui.panels.url_notices on the pages that check their links themselves
_run = threading.local()  # this script run's notice slot and page: each session's runs have their own thread


def remember_link() -> None:
    """Call at the top of the entry file: keeps the link the session was opened with.

    A number that is not finite ("inf", "nan", "1e999") is taken out of the link before any widget
    reads it: Streamlit's whole-number input turns "inf" into an OverflowError while seeding itself
    from the URL (found by tests/test_fuzz_links.py). The notice then reports it like any unused value.
    """
    if RAW not in st.session_state:
        st.session_state[RAW] = display.page_query()  # hide= and present= belong to the view (ui/display.py)
        bad = [k for k, v in st.session_state[RAW].items() if k != "formula" and _not_finite(v)]
        st.session_state[DROPPED] = {k: st.session_state[RAW][k] for k in bad}
        if bad:
            _forget_initial(bad)


def _forget_initial(keys: list[str]) -> None:
    """Remove ``keys`` from the link, also from the copy widgets seed themselves from on the first run.

    Streamlit 1.67 seeds bound widgets from ``QueryParams._initial_query_params``, a private snapshot;
    deleting from ``st.query_params`` alone does not reach it. Guarded, so a Streamlit without it only
    loses this protection (the number input's OverflowError), nothing else.
    """
    from streamlit.runtime.state.session_state_proxy import get_session_state

    for key in keys:
        del st.query_params[key]
    with get_session_state().query_params() as qp:
        initial = getattr(qp, "_initial_query_params", None)
        if isinstance(initial, dict):
            for key in keys:
                initial.pop(key, None)


def _not_finite(raw: str) -> bool:
    try:
        return not math.isfinite(float(raw))
    except (ValueError, OverflowError):
        return False


def _took(raw: str, value) -> bool:
    """Whether a widget value is what the link's raw text asked for."""
    if isinstance(value, bool):
        return raw.strip().lower() in (("true", "1") if value else ("false", "0"))
    if isinstance(value, (int, float)):
        try:
            asked = float(raw)
        except ValueError:
            return False
        return math.isclose(asked, float(value), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(value, (list, tuple)):
        return raw in (str(v) for v in value) or raw == ",".join(map(str, value))
    return raw == str(value)


def unused_values(raw: Mapping[str, str], state: Mapping[str, object]) -> list[str]:
    """One sentence per link value the page did not take (pure: ``state`` is the session state)."""
    notes = []
    for key, value in raw.items():
        shown = value if len(value) <= 40 else value[:37] + "…"
        try:
            known = bool(key) and not key.startswith("_") and key in state  # "_…": this module's own keys
        except Exception:  # a key Streamlit's session state refuses outright (found by tests/test_fuzz_links.py)
            known = False
        if not known:
            notes.append(f"Unknown link parameter “{key[:40]}” was ignored.")
        elif not _took(value, state[key]):
            notes.append(f"{key}={shown} cannot be used here; showing {state[key]!s:.40} instead.")
    return notes


def _not_reported(raw: Mapping[str, str]) -> dict[str, str]:
    """The link values the playground's own check (``ui.urlstate.check_query``) says nothing about.

    A value is reported when leaving it out of the link removes a message."""
    from ui.controls import DEFAULT_OPTIMIZER, DEFAULT_SURFACE
    from ui.urlstate import check_query

    def said(params) -> int:
        return len(check_query(params, DEFAULT_SURFACE, DEFAULT_OPTIMIZER)[0])

    full = said(raw)
    return {k: v for k, v in raw.items() if said({j: w for j, w in raw.items() if j != k}) == full}


def place_notice(slot, page_path: str) -> None:
    """Call before the page runs: the notice goes into ``slot`` (a container above the page), either
    when the page has run (``link_notice``) or when it stops early (``stop``)."""
    _run.slot, _run.page, _run.before_stop = slot, page_path, [link_notice]


def before_stop(note) -> None:
    """Have ``stop`` call ``note()`` (a notice about the page's link that must not be lost) first."""
    if hasattr(_run, "before_stop"):
        _run.before_stop.append(note)


def stop() -> NoReturn:
    """``st.stop()`` for a page: the notices about its link are drawn first.

    Once a stop is requested, Streamlit ends the run at the next element, so a notice drawn after it
    (in app.py, say) never reaches the page; a link whose bad value made the page stop (``fed_k=0``)
    would then go unexplained (found by tests/test_fuzz_links.py)."""
    for note in getattr(_run, "before_stop", []):
        note()
    st.stop()


def link_notice() -> None:
    """On the first complete run, check the link; show what was not used.

    The notice stays on the page the link opened until it is dismissed or the reader moves to
    another page.
    """
    slot, page_path = getattr(_run, "slot", None), getattr(_run, "page", None)
    if slot is None:  # a page run without app.py (nothing placed) or a notice already drawn this run
        return
    _run.slot = None
    if NOTES not in st.session_state:
        raw = st.session_state.get(RAW) or {}
        left = raw
        if OWN_CHECK in st.session_state:  # the page's own check saw the link without the dropped values
            dropped = st.session_state.get(DROPPED) or {}
            left = {**_not_reported({k: v for k, v in raw.items() if k not in dropped}), **dropped}
        st.session_state[NOTES] = (page_path, unused_values(left, st.session_state))
    page, notes = st.session_state[NOTES]
    if notes and page == page_path:
        with slot:
            st.warning("Some values in the link could not be used:\n" + "\n".join(f"- {n}" for n in notes),
                       icon=":material/link_off:")
            if st.button("Dismiss", key="dismiss_link"):
                st.session_state[NOTES] = (page, [])
                st.rerun()
