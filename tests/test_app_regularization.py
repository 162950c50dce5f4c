"""The regularization page as Streamlit's AppTest drives it through app.py: the numbers, every control, bad links."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import charts_by_key, new_session, no_exception

PAGE = "pages/regularization.py"
CHARTS = ["reg_contour", "example_3d", "poly_fit", "poly_loss"]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.body for e in at.error]
    parts += [w.body for w in at.warning] + [i.body for i in at.info]
    return "\n".join(parts)


def open_page(**query) -> AppTest:
    """The page opened from a link to it (the playground would drop parameters that are not its own)."""
    at = new_session(**query)
    at.switch_page(PAGE).run()
    no_exception(at)
    return at


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page()


def test_the_page_prints_the_texts_numbers_and_draws_every_chart(page):
    assert page.title[0].value == "Regularization"
    assert list(charts_by_key(page)) == CHARTS
    body = texts(page)
    assert "**w\\*\\* = (0.000000, 0.980392, -0.980392)** for λ = 0.01" in body
    assert "every one of the 6 starts ends within" in body
    assert "Without λ: the runs end at most" in body and "a spread of 2.333" in body
    assert "shrinks w by the factor **0.99**" in body
    assert "differ by at most" in body
    assert "As in Table 3.1: the regularizer raises the training error" in body
    latex = " ".join(x.value for x in page.latex)
    assert r"(1 - 2\eta\lambda)" in latex and r"\lambda \|w\|_2^2" in latex and r"\mathrm{wd}" in latex
    assert not page.warning and not page.error


def test_every_control_moved_once():
    at = open_page()
    moves = [
        lambda: at.select_slider(key="lam").set_value(0.1),
        lambda: at.selectbox(key="data").select("line"),
        lambda: at.toggle(key="scaled").set_value(False),
        lambda: at.select_slider(key="eta").set_value(0.3),
        lambda: at.select_slider(key="reg_steps").set_value(5000),
        lambda: at.select_slider(key="poly_degree").set_value(12),
        lambda: at.select_slider(key="poly_points").set_value(15),
        lambda: at.select_slider(key="poly_noise").set_value(0.1),
        lambda: at.number_input(key="poly_seed").set_value(3),
        lambda: at.slider(key="momentum").set_value(0.5),
    ]
    for move in moves:
        move().run()
        no_exception(at)
        assert list(charts_by_key(at)) == CHARTS
    body = texts(at)
    assert "w\\*\\* = (0.000000, 0.833333, -0.833333)" in body  # 1/(1 + 2·0.1)
    assert "differ by at most" not in body  # with momentum the Eq. 3.5 check does not apply
    at.selectbox(key="opt").select("adamw").run()
    no_exception(at)
    assert "decoupled" in texts(at)


def test_lambda_zero_has_no_unique_minimizer():
    at = open_page()
    at.select_slider(key="lam").set_value(0.0).run()
    no_exception(at)
    body = texts(at)
    assert "λ = 0: no w\\*\\*, the minimizers are the whole line" in body
    assert list(at.dataframe[1].value.columns) == ["start", "end, λ = 0", "t on the line", "distance to the line"]
    assert list(charts_by_key(at)) == CHARTS


def test_a_step_too_big_diverges_with_a_notice_and_nesterov_without_momentum_is_refused():
    at = open_page()
    at.select_slider(key="eta").set_value(2.0).run()
    no_exception(at)
    assert any("Some runs diverged" in w.body for w in at.warning), texts(at)
    assert "ends within" not in texts(at)  # no distances printed for runs that blew up
    table = at.dataframe[1].value
    # From the origin GD moves along (0, 1, −1), an eigenvector with eigenvalue 1: at η = 2 it flips between 0 and
    # (0, 2, −2) for ever; every other start has a part along the eigenvalue 3 and blows up.
    assert table["end, λ = 0"].str.startswith("diverged at step").tolist() == [False] + [True] * 5
    at.toggle(key="nesterov").set_value(True).run()
    no_exception(at)
    assert any("Nesterov" in e.body for e in at.error), texts(at)


@pytest.mark.parametrize("raw,expect", [
    ("-1", "lam=-1 in the link: λ must be a finite number ≥ 0"),
    ("abc", "lam=abc in the link: λ must be a number ≥ 0"),
    ("nan", "lam=nan in the link: λ must be a finite number ≥ 0"),
    ("1000", "above the slider's largest λ"),
])
def test_a_bad_lambda_in_the_link_gets_a_notice_and_the_default(raw, expect):
    at = open_page(lam=raw)
    assert any(expect in w.body for w in at.warning), texts(at)
    assert at.select_slider(key="lam").value == 0.01
    assert "for λ = 0.01" in texts(at)
    assert list(charts_by_key(at)) == CHARTS


def test_a_lambda_between_stops_is_rounded_and_a_good_link_is_used_as_it_is():
    at = open_page(lam="0.003")
    assert any("rounded to 0.002" in w.body for w in at.warning), texts(at)
    assert at.select_slider(key="lam").value == 0.002
    at = open_page(lam="0.5", data="diabetes", scaled="false", eta="0.2", poly_degree="5")
    assert not at.warning
    assert at.select_slider(key="lam").value == 0.5 and at.selectbox(key="data").value == "diabetes"
    assert at.toggle(key="scaled").value is False and "Diabetes" in texts(at) and ", scaled" not in texts(at)
    assert "A degree-5 polynomial" in texts(at) and "for λ = 0.5" in texts(at)


def test_an_unknown_data_surface_in_the_link_gets_a_notice():
    at = open_page(data="mnist")
    assert any("Unknown dataset “mnist”" in w.body for w in at.warning), texts(at)
    assert at.selectbox(key="data").value == "iris"


def test_the_dataset_keys_are_shared_with_the_learning_from_data_page():
    at = new_session()
    at.run()
    at.switch_page("pages/stochastic.py").run()
    no_exception(at)
    at.selectbox(key="data").select("blobs").run()
    at.switch_page(PAGE).run()
    no_exception(at)
    assert list(charts_by_key(at)) == CHARTS
    at.selectbox(key="data").select("diabetes").run()
    at.select_slider(key="lam").set_value(0.1).run()
    at.switch_page("pages/stochastic.py").run()
    no_exception(at)
