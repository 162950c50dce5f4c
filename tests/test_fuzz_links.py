"""Hand-edited and half-copied links, generated, opened as a session's first visit of every page.

Each page must open (its own title, no exception) and, for every value of the link, either hold it
in its widget or say so in the visible notice above the page. Keys and values mix each page's real
parameters with other pages' parameters, unknown names and hostile text.

The normal suite runs ``DESCENT_FUZZ_LINKS`` links per page (3 by default: one AppTest run costs a
page's first computation); ``make fuzz`` runs more.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.apptest import first_visit, no_exception
from ui.display import HIDE, ON, PRESENT, TOGGLE
from ui.links import _took

LINKS = int(os.environ.get("DESCENT_FUZZ_LINKS", "3"))

PAGES = {  # url path -> (title, the page's own link parameters)
    "": ("Playground", ["surface", "opt", "lr", "momentum", "steps", "x0", "y0", "az", "el", "tol", "sched",
                        "formula", "beta1", "nesterov"]),
    "landscape": ("Basins & stationary points", ["surface", "opt", "lr", "res", "bsteps", "btol", "seeds",
                                                 "saddle", "sd_lr", "sd_mu", "sd_steps"]),
    "one-dimension": ("One dimension", ["curve", "w_opt", "w_lr", "w_steps", "w0"]),
    "learning-rate": ("Learning rate", ["surface", "opt", "momentum", "sweep_lo", "sweep_hi", "sweep_n",
                                        "sweep_steps", "sweep_map", "x0", "y0"]),
    "race": ("Optimizer race", ["surface", "x0", "y0", "rsteps", "rtol", "racers", "r1_opt", "r1_lr",
                                "r2_opt", "r2_momentum", "r3_beta1"]),
    "stochastic": ("Learning from data: batch, stochastic and mini-batch",
                   ["data", "scaled", "opt", "lr", "momentum", "b", "seeds", "epochs", "sampling", "axis", "poll"]),
    "regularization": ("Regularization", ["lam", "data", "scaled", "opt", "eta", "reg_steps", "poly_degree",
                                          "poly_points", "poly_noise", "poly_seed"]),
    "federated": ("Federated learning", ["fed_surface", "fed_split", "fed_k", "fed_e", "fed_eta", "fed_rounds",
                                         "fed_seed", "fed_zoom"]),
    "gradients": ("How gradients are computed", ["surface", "x0", "y0", "h_forward", "h_central", "cost_fn"]),
    "network": ("A real network: handwritten digits", ["opts", "lr_adam", "lr_sgd", "epochs", "b", "seed", "dirs",
                                                        "show"]),
}
EVERY_KEY = sorted({k for _, keys in PAGES.values() for k in keys} | {"bogus", "hide", "present", "", "k"})

VALUES = st.one_of(
    st.sampled_from(["0", "1", "-1", "0.001", "0.01", "0.5", "0.9", "2", "3", "7", "100", "200", "500", "1e6",
                     "1e308", "-1e308", "nan", "inf", "-inf", "1/6", "true", "false", "True", "",
                     "rosenbrock", "himmelblau", "bowl", "quadratic", "quartic", "adam", "sgd", "momentum",
                     "gd", "formula", "x^2+y^2", "__import__('os')", "0,0", "1,1", "64", "128", "256", "4096",
                     "60 × 40", "'; DROP TABLE", "<script>alert(1)</script>", "\u202e", "é", "x" * 300]),
    st.text(max_size=20),
)


def _link(keys):
    return st.dictionaries(st.one_of(st.sampled_from(keys), st.sampled_from(EVERY_KEY)), VALUES, max_size=6)


def _notice(at) -> str:
    """The notices as a person reads them: Markdown's escapes (``sd\\_lr``) taken out."""
    return re.sub(r"\\(.)", r"\1", "\n".join(w.body for w in at.warning))


def check_link(url_path: str, query: dict[str, str]):
    title, _ = PAGES[url_path]
    at = first_visit(url_path, **query)
    no_exception(at)
    assert at.title and at.title[0].value == title, (query, [t.value for t in at.title])
    notice = _notice(at)
    for key, value in query.items():
        if key in notice or (value and value in notice):
            continue
        if key == HIDE and not value.replace(",", "").strip():  # names nothing: hides nothing, nothing to say
            continue
        if key == PRESENT:  # not a widget's key: it sets the presentation toggle (on for 1/true/yes/on, else off)
            assert at.session_state[TOGGLE] == (value.strip().lower() in ON), (key, value)
            continue
        assert key in at.session_state and _took(value, at.session_state[key]), (
            f"{key}={value!r} was neither used (widget holds "
            f"{at.session_state[key] if key in at.session_state else '-'!r}) nor reported: {notice!r}")
    return at


@pytest.mark.parametrize("url_path", list(PAGES))
def test_generated_links_open_every_page_with_a_notice(url_path):
    @settings(max_examples=LINKS, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(_link(PAGES[url_path][1]))
    def run(query):
        check_link(url_path, query)

    run()


@pytest.mark.parametrize(("url_path", "query"), [
    ("learning-rate", {"sweep_steps": "7", "sweep_lo": "abc", "hide": "x"}),
    ("one-dimension", {"w_lr": "abc", "curve": "nope"}),
    ("race", {"r1_lr": "-5", "racers": "99"}),
    ("landscape", {"res": "7", "saddle": "nowhere"}),
    ("race", {"racers": "inf"}),  # Streamlit's whole-number input raised OverflowError seeding itself from it
    ("federated", {"fed_k": "-inf", "fed_e": "nan"}),
    ("stochastic", {"b": "1e999", "seeds": "inf"}),
])
def test_a_bad_link_is_reported_above_the_page(url_path, query):
    at = first_visit(url_path, **query)
    no_exception(at)
    notice = _notice(at)
    assert notice.startswith("Some values in the link could not be used")
    for key in query:
        assert key in notice


def test_a_good_link_gets_no_notice():
    at = first_visit("learning-rate", surface="bowl", sweep_steps="50", sweep_lo="0.001")
    no_exception(at)
    assert not at.warning, _notice(at)
    assert at.session_state["sweep_steps"] == 50 and at.session_state["surface"] == "bowl"


def test_a_page_that_stops_early_still_says_what_its_link_could_not_use():
    # K = 0 stops the page at its own message; the notices about the rest of the link come first
    # (ui.links.stop): drawn after the stop, they never reached the page.
    at = first_visit("federated", fed_surface="0", fed_k="0", hide="nosuch")
    no_exception(at)
    assert [e.value for e in at.error] == ["The number of clients must be at least 1, not 0."]
    notice = _notice(at)
    assert "fed_surface=0 cannot be used here" in notice and "“nosuch”" in notice, notice


@pytest.mark.parametrize("query", [{"": "0"}, {"surface": "nan"}, {"surface": "inf", "lr": "0.5"}])
def test_the_playground_reports_an_empty_name_and_a_value_taken_out_first(query):
    # Found by the generator above: an empty parameter name broke the playground's own link check,
    # and a non-finite value (taken out before any widget reads it) went unreported there.
    at = check_link("", query)
    assert _notice(at).startswith("Some values in the link could not be used")
