"""AppTest: the network page trains the chosen optimizers, draws curves, digits and the landscape, and
survives bad link values."""


from tests.apptest import charts_by_key, figure_traces, no_exception, open_page

PAGE = "pages/network.py"
CHARTS = {"net_loss", "net_acc", "net_contour", "net_surface"}


def _open(**query):
    return open_page(PAGE, **query)



def test_a_link_trains_the_chosen_optimizers_and_draws_everything():
    at = _open(opts=["adam", "gd"], epochs="3", b="64", lr_gd="0.1")
    no_exception(at)
    assert not at.error
    assert set(charts_by_key(at)) >= CHARTS
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["adam", "gd"] and list(table["η"]) == [0.001, 0.1]
    assert (table["test accuracy (%)"] > 50).all()  # three epochs already read most digits
    names = [t.get("name") for t in figure_traces(at, "net_loss")]
    assert "adam η=0.001 (train)" in names and "gd η=0.1 (test)" in names
    assert len(figure_traces(at, "net_loss")[0]["x"]["bdata"] if isinstance(figure_traces(at, "net_loss")[0]["x"], dict)
               else figure_traces(at, "net_loss")[0]["x"]) > 0
    assert len(at.get("image")) >= 1  # the test digits


def test_the_directions_and_the_shown_network_change_the_landscape():
    at = _open(opts=["adam", "momentum"], epochs="3", b="64")
    before = charts_by_key(at)["net_contour"]
    at.radio(key="dirs").set_value("pca").run()
    no_exception(at)
    after = charts_by_key(at)["net_contour"]
    assert after != before
    assert any("explain" in c.value for c in at.caption)
    at.selectbox(key="show").set_value("momentum").run()
    no_exception(at)
    assert charts_by_key(at)["net_contour"] != after


def test_bad_link_values_fall_back_without_an_exception():
    at = _open(opts=["adam", "lbfgs"], epochs="5000", b="7", seed="-4", lr_adam="abc", dirs="sideways",
                dtype="float16")
    no_exception(at)
    assert not at.error
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["adam"]  # the unknown optimizer is dropped
    assert at.slider(key="epochs").value == 20 and at.select_slider(key="b").value == 32
    assert at.number_input(key="seed").value == 0 and at.radio(key="dirs").value == "random"
    assert at.radio(key="dtype").value == "float64"


def test_float32_from_the_link_trains_in_float32():
    exact = _open(opts=["adam"], epochs="2", b="64")
    fast = _open(opts=["adam"], epochs="2", b="64", dtype="float32")
    no_exception(fast)
    assert fast.radio(key="dtype").value == "float32" and exact.radio(key="dtype").value == "float64"
    a, b = (t.dataframe[0].value.iloc[0] for t in (exact, fast))
    assert a["train loss"] != b["train loss"] and abs(a["train loss"] - b["train loss"]) < 1e-4
    backend = [c.value for t in (exact, fast) for c in t.sidebar.caption if c.value.startswith("JAX ")]
    assert [b.rsplit(", ", 1)[1] for b in backend] == ["float64", "float32"]  # the caption names the precision


def test_no_optimizer_asks_for_one():
    at = _open(opts=["adam"], epochs="2")
    at.multiselect(key="opts").set_value([]).run()
    no_exception(at)
    assert any("at least one optimizer" in i.value for i in at.info)
