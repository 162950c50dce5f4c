"""The Lessons page and every lesson's link, as AppTest opens them through app.py; hide= and present=1."""

import math
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import chart_arguments, charts_by_key, new_session, no_exception
from ui import display
from ui.lessons import LESSONS, URL_PATHS

PAGE = "pages/lessons.py"


def lessons_page(**query) -> AppTest:
    at = new_session(**query)
    at.switch_page(PAGE)
    return at.run()


def link_problems(at: AppTest) -> list[str]:
    return [w.body for w in at.warning if "could not be used" in w.body or "was ignored" in w.body]


def same(state, raw: str) -> bool:
    """A widget's value in session state equals the link's raw string."""
    if isinstance(state, bool):
        return raw.lower() in ("1", "true") if state else raw.lower() in ("0", "false")
    if isinstance(state, (int, float)):
        return math.isclose(float(state), float(raw), rel_tol=1e-9, abs_tol=1e-12)
    return str(state) == raw


def test_the_page_shows_one_card_per_available_lesson_with_its_link():
    at = lessons_page()
    no_exception(at)
    assert at.title[0].value == "Lessons"
    shown = [lesson for lesson in LESSONS if lesson.available()]
    links = at.get("page_link")
    assert len(links) == len(shown) >= 15
    by_query = {link.proto.query_string: link.proto.page for link in links}
    for lesson in shown:
        query = "&".join(f"{k}={v}" for k, v in parse_qsl(lesson.href().partition("?")[2]))
        assert query in by_query, lesson.title
        # AppTest names the page by its file (the browser test follows the real url_path)
        assert by_query[query] in (Path(lesson.page).stem, URL_PATHS[lesson.page] or "playground"), lesson.title
    titles = "\n".join(m.value for m in at.markdown)
    assert all(lesson.title in titles for lesson in shown)


def test_every_lesson_has_a_title_two_sentences_and_a_known_page():
    assert len({lesson.title for lesson in LESSONS}) == len(LESSONS)
    for lesson in LESSONS:
        assert lesson.page in URL_PATHS, lesson.title
        assert lesson.look_for.count(". ") + lesson.look_for.count(": ") >= 1, lesson.title
        assert lesson.look_for.endswith((".", ")")), lesson.title


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.title for lesson in LESSONS])
def test_every_lesson_link_opens_its_page_in_its_state(lesson):
    if not lesson.available():
        pytest.skip(f"{lesson.page} is not in this checkout yet (its branch is being merged)")
    at = new_session(**lesson.query)
    at.switch_page(lesson.page)
    at.run()
    no_exception(at)
    assert not link_problems(at), link_problems(at)
    shown = "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                      + [a.body for a in (*at.success, *at.info, *at.warning, *at.error)])
    assert lesson.shows in shown, (lesson.title, lesson.shows)
    for key, raw in lesson.query.items():
        assert key in at.session_state, f"{lesson.title}: no control reads {key}="
        assert same(at.session_state[key], raw), (lesson.title, key, at.session_state[key], raw)


def test_hide_emits_the_css_for_known_controls_and_names_the_unknown_ones():
    at = new_session(hide="lr,momentum,nosuch,sidebar")
    at.run()
    no_exception(at)
    styles = "\n".join(h.proto.body for h in at.get("html"))
    assert ".st-key-lr" in styles  # (a name styled before the page runs but absent from it matches nothing)
    assert '[data-testid="stSidebar"]' in styles
    notes = [w.body for w in at.warning if "hide=" in w.body]
    assert len(notes) == 1 and "“nosuch”" in notes[0] and "“momentum”" in notes[0] and "“lr”" not in notes[0]
    assert not link_problems(at), link_problems(at)  # the playground does not read hide= as its own parameter


def test_hide_with_markup_is_escaped_and_styles_nothing():
    at = new_session(hide="a}b{c,<b>x</b>")
    at.run()
    no_exception(at)
    styles = "\n".join(h.proto.body for h in at.get("html"))
    assert "st-key-a" not in styles and "<b>x" not in styles
    assert any("hide=" in w.body for w in at.warning)


def test_present_turns_on_the_mode_its_css_and_the_chart_scaling():
    at = new_session(present="1")
    at.run()
    no_exception(at)
    assert at.toggle(key=display.TOGGLE).value is True
    styles = "\n".join(h.proto.body for h in at.get("html"))
    assert "font-size: 22px" in styles
    charts = [e for e in at.get("bidi_component") if e.proto.component_name == "descent.plotly_react"]
    scales = [chart_arguments(e).get("scale") for e in charts if chart_arguments(e)["figure"]]
    assert scales and all(s == display.CHART_SCALE for s in scales)
    assert charts_by_key(at)  # the figures themselves are unchanged: the browser scales them
    assert at.query_params["present"] in ("1", ["1"])
    assert not link_problems(at)
    at.toggle(key=display.TOGGLE).set_value(False).run()
    no_exception(at)
    styles = "\n".join(h.proto.body for h in at.get("html"))
    assert "font-size: 22px" not in styles


def test_without_present_nothing_changes():
    at = new_session()
    at.run()
    no_exception(at)
    assert at.toggle(key=display.TOGGLE).value is False
    styles = "\n".join(h.proto.body for h in at.get("html"))
    assert "st-key-" not in styles and "22px" not in styles


@pytest.mark.parametrize("page, surface", [("pages/race.py", "rosenbrock"), ("pages/landscape.py", "himmelblau")])
def test_present_alone_keeps_a_pages_first_visit(page, surface):
    at = new_session(present="1")
    at.switch_page(page)
    at.run()
    no_exception(at)
    assert at.session_state["surface"] == surface
