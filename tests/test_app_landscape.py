"""The basins page as Streamlit's AppTest drives it through app.py's st.navigation: every control once."""

import pytest
from streamlit.testing.v1 import AppTest

from optim import OPTIMIZERS
from tests.apptest import chart_specs, new_session, no_exception

PAGE = "pages/landscape.py"


def landscape(**query) -> AppTest:
    """A fresh session that opens the basins page directly (optionally with a link's query)."""
    at = new_session(**query)
    at.switch_page(PAGE)  # no custom url_path: the file name identifies the page before the first run
    return at.run()


def metric(at: AppTest, label: str) -> str:
    """A share from the line above the basin table ("**100.0%** of the starts settle in a global minimum · ...")."""
    import re

    line = next(m.value for m in at.markdown if "still moving after" in m.value)
    pattern = {"global minimum": r"of the starts settle in a global minimum", "not converged": r"still moving",
               "diverged": r"diverged"}[label]
    found = re.search(r"\*\*([0-9.]+%)\*\* " + pattern, line)
    return found.group(1) if found else "—"


def surface_title(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**"))


def test_first_visit_opens_on_himmelblaus_four_basins():
    at = landscape()
    no_exception(at)
    assert at.title[0].value == "Basins & stationary points"
    assert "Himmelblau" in surface_title(at)
    assert metric(at, "global minimum") == "100.0%"
    assert metric(at, "diverged") == "0.0%" and metric(at, "not converged") == "0.0%"
    basins, points = at.dataframe[0].value, at.dataframe[1].value
    assert sum(name.startswith("#") for name in basins["ends in"]) == 4
    assert sorted(points["kind"]) == ["global minimum"] * 4 + ["local maximum"] + ["saddle"] * 4
    assert len(chart_specs(at)) == 4
    assert 512 not in at.select_slider(key="res").options  # only with a GPU
    assert "CPU" in " ".join(c.value for c in at.caption)


def test_arriving_from_the_playground_keeps_its_surface():
    at = new_session().run()
    at.selectbox(key="surface").select("six-hump-camel").run()
    at.switch_page(PAGE).run()
    no_exception(at)
    assert at.selectbox(key="surface").value == "six-hump-camel"
    assert "Six-hump camel" in surface_title(at)


def test_every_control_moved_once():
    at = landscape()
    moves = [
        lambda: at.selectbox(key="surface").select("six-hump-camel"),
        lambda: at.selectbox(key="opt").select("sgd"),
        lambda: at.select_slider(key="lr").set_value(0.005),
        lambda: at.slider(key="momentum").set_value(0.5),
        lambda: at.slider(key="dampening").set_value(0.1),
        lambda: at.slider(key="weight_decay").set_value(0.01),
        lambda: at.select_slider(key="res").set_value(64),
        lambda: at.select_slider(key="bsteps").set_value(1000),
        lambda: at.select_slider(key="btol").set_value(1e-3),
        lambda: at.select_slider(key="seeds").set_value(16),
        lambda: at.selectbox(key="saddle").select(at.selectbox(key="saddle").options[1]),
        lambda: at.select_slider(key="sd_lr").set_value(0.005),
        lambda: at.select_slider(key="sd_mu").set_value(0.8),
        lambda: at.select_slider(key="sd_steps").set_value(500),
        lambda: at.slider(key="dampening").set_value(0.0),  # Nesterov needs dampening 0
        lambda: at.toggle(key="nesterov").set_value(True),
    ]
    for move in moves:
        move().run()
        no_exception(at)
    assert at.selectbox(key="surface").value == "six-hump-camel"
    assert len(at.dataframe[0].value) >= 2


def test_every_example_loads_and_explains_itself():
    at = landscape(res="64")
    examples = [o for o in at.selectbox(key="basin_example").options if o != "—"]
    assert len(examples) >= 5
    for label in examples:
        at.selectbox(key="basin_example").select(label).run()
        no_exception(at)
        assert at.selectbox(key="basin_example").value == "—"  # an action, not a state
        assert any(label in i.body for i in at.info), label


def test_learning_rate_changes_the_map():
    """Himmelblau: at η = 0.015 the minimum with curvature 133.8 > 2/η is unstable, its basin goes grey."""
    at = landscape(surface="himmelblau", lr="0.01", res="64")
    assert metric(at, "not converged") == "0.0%"
    at.select_slider(key="lr").set_value(0.015).run()
    no_exception(at)
    assert float(metric(at, "not converged").rstrip("%")) > 15


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "gd"])
def test_every_optimizer(name):
    at = landscape(res="64")
    at.selectbox(key="opt").select(name).run()
    no_exception(at)
    assert not at.error


def test_nesterov_without_momentum_is_explained():
    at = landscape(res="64", opt="sgd")
    at.toggle(key="nesterov").set_value(True).run()
    no_exception(at)
    assert any("Nesterov" in e.body for e in at.error)


def test_surface_without_saddle_falls_back_to_the_saddle_demo():
    at = landscape(res="64", surface="bowl")
    no_exception(at)
    assert any("has no saddle" in c.value for c in at.caption)
    assert at.selectbox(key="saddle").options == ["(0, 0)"]


def test_formula_surface_and_a_refused_formula():
    at = landscape(res="64")
    at.selectbox(key="surface").select("formula").run()
    no_exception(at)
    at.text_input(key="formula").input("(x^2 - 1)^2 + y^2").run()
    no_exception(at)
    assert metric(at, "global minimum") == "—"  # a typed surface declares no global minimum
    assert sorted(at.dataframe[1].value["kind"]) == ["local minimum", "local minimum", "saddle"]
    at.text_input(key="formula").input("x^2 + __import__('os')").run()
    no_exception(at)
    assert at.error


def test_link_reopens_the_same_map():
    at = landscape(surface="six-hump-camel", res="64", bsteps="1000", btol="0.001", sd_steps="500")
    no_exception(at)
    assert at.selectbox(key="surface").value == "six-hump-camel"
    assert at.select_slider(key="res").value == 64
    assert at.select_slider(key="bsteps").value == 1000
    assert "64 × 64" in " ".join(c.value for c in at.caption)


def test_basin_table_reads_cleanly():
    """Shares first, no empty outcome rows, no 'None', a minimum's f of 7.9e-31 written as 0 like the others."""
    at = landscape()
    basins = at.dataframe[0].value
    assert list(basins.columns)[:3] == ["", "share of starts", "f"]
    assert (basins["share of starts"] > 0).all(), basins
    assert "None" not in basins["f"].astype(str).tolist() and set(basins["f"]) == {"0"}, basins["f"].tolist()
    assert all(o.startswith("(") and ", " in o for o in at.selectbox(key="saddle").options)
