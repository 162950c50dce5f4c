"""The federated page through app.py's st.navigation: first visit, every control, bad input in the page."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import charts_by_key, new_session

PAGE = "pages/federated.py"


def fed_page(**query) -> AppTest:
    at = new_session(**query)
    at.switch_page(PAGE)
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.body for e in at.error]


def table(at: AppTest):
    return at.dataframe[-1].value


def test_first_visit_runs_three_algorithms_on_blobs_with_label_mixes():
    at = fed_page()
    no_exception(at)
    assert at.title[0].value == "Federated learning"
    assert at.selectbox(key="fed_surface").value == "blobs-scaled"
    assert at.selectbox(key="fed_split").value == "labels"
    t = table(at)
    assert list(t.index) == ["centralized GD", "FedSGD", "FedAvg (E = 20)"]
    assert list(t["rounds of communication"]) == [0, 1000, 50]
    assert len(set(t["per-sample gradient evaluations"])) == 1  # the same computation for all three
    assert t.loc["FedAvg (E = 20)", "distance to w*"] > 100 * t.loc["centralized GD", "distance to w*"]
    charts = charts_by_key(at)
    assert {"fed_paths", "fed_split_fig", "fed_loss"} <= charts.keys()
    paths = json.loads(charts["fed_paths"])
    names = [tr.get("name") for tr in paths["data"]]
    assert {"centralized GD", "FedSGD", "FedAvg (E = 20)", "client minimizers"} <= set(names)
    assert [r"\frac{n_k}{N}" in tex.value for tex in at.latex] == [True, True]  # the two server averages


def test_every_control_moved_once():
    at = fed_page()
    at.number_input(key="fed_e").set_value(1).run()
    no_exception(at)
    t = table(at)
    assert t.loc["FedAvg (E = 1)", "distance to w*"] == pytest.approx(t.loc["centralized GD", "distance to w*"],
                                                                      abs=1e-10)
    at.number_input(key="fed_e").set_value(10).run()
    at.number_input(key="fed_k").set_value(5).run()
    at.select_slider(key="fed_eta").set_value(0.1).run()
    at.number_input(key="fed_rounds").set_value(30).run()
    at.number_input(key="fed_seed").set_value(3).run()
    at.toggle(key="fed_zoom").set_value(True).run()
    no_exception(at)
    assert list(table(at)["rounds of communication"]) == [0, 300, 30]
    at.selectbox(key="fed_surface").select("line-scaled").run()
    no_exception(at)  # a regression surface: the split moves from labels to regions, η to the surface's own
    assert at.selectbox(key="fed_split").value == "regions" and at.select_slider(key="fed_eta").value == 0.1
    at.selectbox(key="fed_surface").select("diabetes").run()
    no_exception(at)
    assert at.select_slider(key="fed_eta").value == 0.0005
    assert table(at)["diverged at"].isna().all()
    at.selectbox(key="fed_split").select("even").run()
    no_exception(at)


def test_a_link_reopens_the_setup():
    at = fed_page(fed_surface="line-scaled", fed_split="regions", fed_k="5", fed_e="4", fed_eta="0.1",
                  fed_rounds="25", fed_zoom="true")
    no_exception(at)
    assert (at.selectbox(key="fed_surface").value, at.selectbox(key="fed_split").value) == ("line-scaled", "regions")
    assert (at.number_input(key="fed_k").value, at.number_input(key="fed_e").value) == (5, 4)
    assert at.toggle(key="fed_zoom").value
    t = table(at)
    assert list(t.index)[2] == "FedAvg (E = 4)" and list(t["rounds of communication"]) == [0, 100, 25]
    assert t["per-sample gradient evaluations"].iloc[2] == 25 * 4 * 200


@pytest.mark.parametrize("query,message", [
    (dict(fed_k="0"), "The number of clients must be at least 1, not 0."),
    (dict(fed_k="500"), "500 clients cannot share 200 samples"),
    (dict(fed_e="0"), "The number of local steps must be at least 1, not 0."),
    (dict(fed_e="500"), "At most 100 local steps per round"),
    (dict(fed_rounds="-2"), "The number of rounds must be at least 1"),
    (dict(fed_rounds="5000", fed_e="100"), "beyond the cap of 100,000"),
    (dict(fed_seed="-1"), "The seed must be 0 or more"),
    (dict(fed_surface="diabetes", fed_split="labels"), "needs a classification surface"),
])
def test_bad_values_in_the_link_get_one_sentence_in_the_page(query, message):
    at = fed_page(**query)
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and message in at.error[0].body, [e.body for e in at.error]
    assert at.error[0].body.count("\n") == 0


@pytest.mark.parametrize("query", [dict(fed_k="many"), dict(fed_eta="7"), dict(fed_split="halves"),
                                   dict(fed_surface="rosenbrock")])
def test_unreadable_link_values_fall_back_without_an_exception(query):
    at = fed_page(**query)
    assert not at.exception, [e.value for e in at.exception]
    assert len(table(at)) == 3


def test_a_diverging_fedavg_is_announced_and_the_zoom_still_draws():
    at = fed_page(fed_surface="line-scaled", fed_split="regions", fed_k="8", fed_e="20", fed_eta="0.5",
                  fed_zoom="true")
    no_exception(at)
    assert any(w.body.startswith("FedAvg (E = 20) diverged at round") for w in at.warning)
    assert not any(w.body.startswith("centralized GD") for w in at.warning)
    assert "fed_paths" in charts_by_key(at)
