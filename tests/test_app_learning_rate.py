"""The learning-rate page as Streamlit's AppTest drives it through app.py: every control, the 2/L statement."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import chart_specs, new_session, no_exception

PAGE = "pages/learning_rate.py"


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.body for e in at.error]
    parts += [w.body for w in at.warning] + [i.body for i in at.info]
    return "\n".join(parts)


def open_page(surface: str = "bowl", **query) -> AppTest:
    at = new_session()
    at.run()
    # The link's values are this page's: the playground (AppTest's first page) would take them out of
    # the address bar as unknown parameters, as it does for a link to the root.
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()
    no_exception(at)
    # The surface key is shared with the playground (which AppTest runs first): pick it explicitly.
    at.selectbox(key="surface").select(surface).run()
    no_exception(at)
    return at


def charts(at: AppTest) -> int:
    return len(chart_specs(at))


@pytest.fixture(scope="module")
def bowl() -> AppTest:
    return open_page("bowl")


def test_the_page_states_2_over_L_for_the_bowl_and_where_the_sweep_diverges(bowl):
    assert bowl.title[0].value == "Learning rate"
    body = texts(bowl)
    assert "**2/L = 1**" in body and "L = 2" in body and "everywhere (f is quadratic" in body
    assert "The sweep diverges from **η = 1.035**, +3.5 % from the bound" in body
    assert "**too small**" in body and "**too big**" in body and "**diverged**: 50 values" in body
    assert r"\eta_{\text{eff}} = \frac{\eta}{1-\mu}" in [x.value for x in bowl.latex][0]
    assert "100.0 %" in body or "99." in body  # the (η, μ) map agrees with 2(1 + μ)/L
    assert charts(bowl) == 3


def test_every_control_moved_once():
    at = open_page("bowl")
    at.selectbox(key="opt").select("sgd").run()  # torch's SGD has every knob; the course's gd only η
    moves = [
        lambda: at.select_slider(key="sweep_lo").set_value(1e-4),
        lambda: at.select_slider(key="sweep_hi").set_value(5.0),
        lambda: at.select_slider(key="sweep_n").set_value(300),
        lambda: at.select_slider(key="sweep_steps").set_value(100),
        lambda: at.number_input(key="x0").set_value(-1.0),
        lambda: at.number_input(key="y0").set_value(0.5),
        lambda: at.select_slider(key="sweep_map").set_value("30 × 20"),
        lambda: at.slider(key="momentum").set_value(0.5),
        lambda: at.slider(key="dampening").set_value(0.2),
        lambda: at.slider(key="weight_decay").set_value(0.1),
        lambda: at.toggle(key="nesterov").set_value(True),  # with dampening > 0: torch refuses, the page says so
    ]
    for move in moves:
        move().run()
        no_exception(at)
    assert any("Nesterov" in e.body for e in at.error), texts(at)
    at.slider(key="dampening").set_value(0.0).run()
    no_exception(at)
    assert not at.error and charts(at) == 3
    assert "With momentum the bound moves to" in texts(at)  # Nesterov: 2(1+μ)/((1+2μ)(L+λ))
    at.selectbox(key="opt").select("adam").run()
    no_exception(at)
    assert "does not apply" in texts(at)
    at.selectbox(key="surface").select("elongated").run()
    no_exception(at)
    assert "**2/L = 0.5**" in texts(at) and charts(at) == 3


def test_momentum_moves_the_bound_to_2_1_plus_mu_over_L():
    at = open_page("bowl")
    at.selectbox(key="opt").select("momentum").run()
    no_exception(at)
    body = texts(at)
    assert "the bound moves to **1.9**" in body
    assert "from the bound" in body


def test_a_surface_that_is_not_quadratic_says_so():
    at = open_page("rosenbrock")
    body = texts(at)
    assert "at the global minimum (1, 1)" in body and "not quadratic" in body
    assert charts(at) == 3


def test_a_typed_quadratic_formula_gets_its_threshold():
    at = open_page("formula")
    at.text_input(key="formula").input("(x - 1)^2 + 2*(y + 0.5)^2").run()
    no_exception(at)
    body = texts(at)
    assert "**2/L = 0.5**" in body and "f_best" in body


def test_a_link_sets_the_sweep():
    at = open_page("elongated", sweep_lo="0.01", sweep_hi="2", sweep_n="500", sweep_steps="200")
    assert at.select_slider(key="sweep_lo").value == pytest.approx(0.01)
    assert at.select_slider(key="sweep_n").value == 500
    assert "for 500 learning rates" in " ".join(h.value for h in at.subheader)
    assert "after 200 steps" in " ".join(h.value for h in at.subheader)
