"""The race page as Streamlit's AppTest drives it through app.py's st.navigation: every control, the fair race."""

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from optim import OPTIMIZERS
from tests.apptest import chart_specs, new_session

PAGE = "pages/race.py"


def race_page(**query) -> AppTest:
    """A fresh session that opens the race page directly (optionally with a link's query)."""
    at = new_session(**query)
    at.switch_page(PAGE)  # before the first run the file name identifies the page, not its url_path
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.body for e in at.error]


def results(at: AppTest) -> pd.DataFrame:
    return at.dataframe[-1].value  # the results table comes last


def race_spec(at: AppTest) -> dict:
    return json.loads(chart_specs(at)[0])


def test_first_visit_races_gd_momentum_and_adam_on_rosenbrock():
    at = race_page()
    no_exception(at)
    assert at.title[0].value == "Optimizer race"
    assert at.selectbox(key="surface").value == "rosenbrock"
    assert [at.selectbox(key=f"r{i}_opt").value for i in (1, 2, 3)] == ["gd", "momentum", "adam"]
    table = results(at)
    assert len(table) == 3 and list(table["gradient evaluations"]) == [500] * 3
    assert table.index[0].startswith("1 · gd")
    assert table["final f − f*"].iloc[1] < table["final f − f*"].iloc[0]  # momentum is ahead of GD
    spec = race_spec(at)
    assert 50 <= len(spec["frames"]) <= 120 and len(chart_specs(at)[0]) < 500_000
    assert [b["label"] for b in spec["layout"]["updatemenus"][0]["buttons"]] == ["▶ Play", "❚❚ Pause"]
    assert len(chart_specs(at)) == 2


def test_every_control_moved_once():
    at = race_page()
    at.number_input(key="racers").set_value(6).run()
    no_exception(at)
    assert len(results(at)) == 6
    at.selectbox(key="surface").select("himmelblau").run()
    no_exception(at)
    assert (at.number_input(key="x0").value, at.number_input(key="y0").value) == (-0.5, -0.5)
    at.number_input(key="x0").set_value(1.0).run()
    at.number_input(key="y0").set_value(-1.0).run()
    at.select_slider(key="rsteps").set_value(200).run()
    at.select_slider(key="rtol").set_value(1e-3).run()
    no_exception(at)
    assert list(results(at)["gradient evaluations"]) == [200] * 6
    assert "steps to f − f* < 0.001" in results(at).columns
    for i in range(1, 7):
        lr = at.select_slider(key=f"r{i}_lr")
        lr.set_value(float(lr.options[len(lr.options) // 3 + i])).run()  # options are the formatted stops
        no_exception(at)
        for knob in ("momentum", "beta1", "beta2"):
            if f"r{i}_{knob}" in at.session_state:
                at.slider(key=f"r{i}_{knob}").set_value(0.5).run()
                no_exception(at)
    at.selectbox(key="r4_opt").select("sgd").run()  # a new optimizer brings its own knobs
    no_exception(at)
    assert at.slider(key="r4_momentum").value == 0.0 and at.select_slider(key="r4_lr").value == 0.001
    at.slider(key="r4_momentum").set_value(0.95).run()
    no_exception(at)
    assert "sgd η=0.001 μ=0.95" in results(at).index[3]
    at.number_input(key="racers").set_value(2).run()
    no_exception(at)
    assert len(results(at)) == 2


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_in_a_row(name):
    at = race_page()
    at.selectbox(key="r3_opt").select(name).run()
    no_exception(at)
    assert results(at).index[2].startswith(f"3 · {name}")


def test_an_invalid_racer_is_explained():
    at = race_page(r2_opt="nesterov")
    at.slider(key="r2_momentum").set_value(0.0).run()
    assert not at.exception
    assert any("racer 2" in e.body and "Nesterov" in e.body for e in at.error)


def test_fair_race_with_an_invalid_racer_says_so():
    at = race_page(r2_opt="nesterov")
    at.slider(key="r2_momentum").set_value(0.0).run()
    at.button(key="fair_race").click().run()
    assert not at.exception
    assert any(e.body.startswith("Fair race: ") and "racer 2" in e.body for e in at.error)


def test_a_formula_surface_races_on_the_gradient_norm():
    at = race_page()
    at.selectbox(key="surface").select("formula").run()
    no_exception(at)
    assert any(c.startswith("steps to ‖∇f‖") for c in results(at).columns)


def test_fair_race_writes_the_tuned_rates_and_the_link_reproduces_the_race():
    at = race_page()
    before = results(at)
    at.button(key="fair_race").click().run()
    no_exception(at)
    assert any("Fair race" in s.body for s in at.success)
    tuned = at.dataframe[0].value
    assert list(tuned["learning rates tried"]) == [len(at.select_slider(key="r1_lr").options)] * 3
    assert min(tuned["learning rates tried"]) >= 64
    for i in (1, 2, 3):  # the tuned values are in the widgets, hence in the link
        assert at.select_slider(key=f"r{i}_lr").value == tuned.loc[i, "tuned η"]
        assert at.query_params[f"r{i}_lr"] == f"{tuned.loc[i, 'tuned η']:g}"
    after = results(at)
    assert (after["final f − f*"].to_numpy() <= before["final f − f*"].to_numpy()).all()
    assert (after["final f − f*"].to_numpy() == pytest.approx(tuned["score at tuned η"].to_numpy(), rel=1e-9))

    link = dict(at.query_params)  # the address bar after the fair race
    assert {"r1_lr", "r2_lr", "r3_lr"} <= link.keys()
    again = race_page(**link)
    no_exception(again)
    assert [again.select_slider(key=f"r{i}_lr").value for i in (1, 2, 3)] == list(tuned["tuned η"])
    pd.testing.assert_frame_equal(results(again), after)
    assert not again.success  # a new session did not press the button: the numbers come from the link alone


def test_arriving_from_the_playground_keeps_its_surface():
    at = new_session().run()
    at.selectbox(key="surface").select("booth").run()
    at.switch_page(PAGE).run()
    no_exception(at)
    assert at.selectbox(key="surface").value == "booth"
    assert "Booth" in next(m.value for m in at.markdown if m.value.startswith("**"))


def test_a_schedule_for_the_whole_race():
    at = race_page()
    at.selectbox(key="sched").select("cosine").run()
    no_exception(at)
    at.slider(key="t_max").set_value(100.0).run()
    no_exception(at)
    assert at.dataframe, "the results table is shown"


def test_results_table_says_not_reached_instead_of_none():
    at = race_page()  # on the first visit no racer diverges and some do not reach the tolerance
    no_exception(at)
    table = results(at)
    cells = [str(v) for c in table.columns if c.startswith("steps to") or c == "diverged at" for v in table[c]]
    assert cells and "None" not in cells and "<NA>" not in cells, cells
    assert "not reached" in cells or "—" in cells
