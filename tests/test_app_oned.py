"""The one-dimension page as Streamlit's AppTest drives it through app.py: every control, the step buttons,
the learning-rate examples, links, and the course's numbers in the step table."""

import pytest
from streamlit.testing.v1 import AppTest

from experiments.oned import CURVES
from optim import OPTIMIZERS
from tests.apptest import new_session, no_exception

PAGE = "pages/oned.py"


def fresh(**query) -> AppTest:
    at = new_session().run()  # run once: then switch
    at.switch_page(PAGE)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def table(at: AppTest):
    return at.dataframe[0].value


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.body for e in at.error]
    return "\n".join(parts + [i.body for i in at.info])


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    no_exception(at)
    return at


def test_the_page_opens_on_the_courses_walk_and_steps_one_at_a_time():
    at = fresh()
    no_exception(at)
    assert at.title[0].value == "One dimension"
    assert at.selectbox(key="curve").value == "quadratic" and at.select_slider(key="w_lr").value == "1/6"
    first = table(at)
    assert len(first) == 1 and first.loc[0, "wₖ"] == 0 and first.loc[0, "f′(wₖ)"] == -6
    assert first.loc[0, "update Δw"] == 1  # the arrow to w_1 = 1 is already drawn
    assert "Step **0** of 10" in texts(at)
    click(at, "w_next")
    rows = table(at)
    assert len(rows) == 2 and rows.loc[1, "wₖ"] == 1.0 and rows.loc[1, "f′(wₖ)"] == 2.0
    assert any(r"\tfrac{1}{6}\cdot2" in x.value and r"\tfrac{2}{3}" in x.value for x in at.latex)
    click(at, "w_next")
    click(at, "w_next")
    assert len(table(at)) == 4 and table(at).loc[2, "wₖ"] == pytest.approx(2 / 3)
    click(at, "w_back")
    assert len(table(at)) == 3
    click(at, "w_all")
    assert len(table(at)) == 11 and at.button(key="w_next").disabled
    click(at, "w_restart")
    assert len(table(at)) == 1 and at.button(key="w_back").disabled


def test_the_texts_eta_one_quarter_is_explained():
    text = texts(fresh())
    assert r"\eta = \tfrac14" in text and r"\tfrac23" in text and "-11.25" in text


def test_a_new_setting_restarts_the_walk_unless_everything_is_shown():
    at = fresh()
    click(at, "w_next")
    click(at, "w_next")
    at.select_slider(key="w_lr").set_value("1/8").run()
    no_exception(at)
    assert len(table(at)) == 1  # stepping: back to k = 0
    click(at, "w_all")
    at.select_slider(key="w_steps").set_value(20).run()
    assert len(table(at)) == 21  # showing all: the new run is shown whole


@pytest.mark.parametrize("name", list(CURVES))
def test_every_curve_and_its_learning_rate_examples(name):
    at = fresh()
    at.selectbox(key="curve").select(name).run()
    no_exception(at)
    curve = CURVES[name]
    assert at.number_input(key="w0").value == pytest.approx(curve.start)
    assert table(at).loc[0, "wₖ"] == pytest.approx(curve.start)
    for i, (label, lr, steps) in enumerate(curve.regimes):
        click(at, f"w_regime_{i}")
        assert at.select_slider(key="w_lr").value == lr, "a preset must sit on a stop of the η slider"
        assert at.select_slider(key="w_steps").value == steps
        assert len(table(at)) >= 2  # examples open with every step shown
        diverged = any("Diverged at step" in e.body for e in at.error)
        assert diverged == (label == "diverging"), (label, texts(at))


def test_the_quartic_shows_exact_minima_and_the_texts_rounding():
    at = fresh(curve="quartic")
    no_exception(at)
    note = next(i.body for i in at.info if "Exact and rounded" in i.body)
    for number in ("−1.0322", "−1.1694", "1.7395", "−0.8662", "0.4177", "(−1, −1)", "(2, −1)", "−0.6667"):
        assert number in note, number


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_and_each_of_its_controls(name):
    at = fresh()
    at.selectbox(key="w_opt").select(name).run()
    no_exception(at)
    click(at, "w_next")
    for h in OPTIMIZERS[name].knobs:
        if h.name == "lr":
            continue
        key = f"w_{h.name}"
        if h.flag:
            if h.name == "nesterov" and at.slider(key="w_momentum").value == 0:
                continue
            at.toggle(key=key).set_value(not at.toggle(key=key).value).run()
        elif h.choices:
            at.selectbox(key=key).select(h.choices[-1]).run()
        elif h.log:
            options = list(at.select_slider(key=key).options)
            at.select_slider(key=key).set_value(float(options[len(options) // 3])).run()
        else:
            at.slider(key=key).set_value(round((h.ui_low + h.ui_high) / 2, 0 if h.whole else 2)).run()
        no_exception(at)
    assert len(at.dataframe) == 1 or any("Nesterov" in e.body for e in at.error)  # the run, or why not


def test_start_steps_and_the_nesterov_refusal():
    at = fresh()
    at.number_input(key="w0").set_value(1.5).run()
    no_exception(at)
    assert table(at).loc[0, "wₖ"] == 1.5
    at.select_slider(key="w_steps").set_value(3).run()
    click(at, "w_all")
    assert list(table(at).index) == [0, 1, 2, 3]
    at.selectbox(key="w_opt").select("sgd").run()
    at.toggle(key="w_nesterov").set_value(True).run()
    no_exception(at)
    assert any("Nesterov" in e.body for e in at.error)


def test_a_link_reopens_the_same_view():
    at = fresh(curve="quartic", w_lr="0.3", w0="1.5", w_steps="20", w_opt="momentum")
    no_exception(at)
    assert at.selectbox(key="curve").value == "quartic" and at.selectbox(key="w_opt").value == "momentum"
    assert at.select_slider(key="w_lr").value == "0.3" and at.select_slider(key="w_steps").value == 20
    assert table(at).loc[0, "wₖ"] == 1.5
    assert not at.warning
