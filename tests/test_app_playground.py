"""The playground as Streamlit's AppTest drives it: every control, every preset, bad links, bad formulas."""

import pytest
from streamlit.testing.v1 import AppTest

from optim import OPTIMIZERS
from surfaces import SURFACES
from tests.apptest import chart_specs, new_session, no_exception
from ui.presets import PRESETS
from ui.text import unescaped


def fresh(**query) -> AppTest:
    return new_session(**query).run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.body for e in at.error] + [w.body for w in at.warning]
    parts += [i.body for i in at.info] + [s.body for s in at.success]
    return "\n".join(parts)


def step_table(at: AppTest):
    return at.dataframe[0].value


def test_default_page_runs_example_3_1_2_numbers():
    at = fresh()
    no_exception(at)
    assert at.title[0].value == "Playground"
    table = step_table(at)
    # default: radial, GD, start (0.5, 1); set the course's η = 0.01 via the preset
    at.selectbox(key="preset").select("Example 3.1.2 (course)").run()
    no_exception(at)
    table = step_table(at)
    assert table.loc[1, "x"] == pytest.approx(0.425, abs=1e-12)
    assert table.loc[1, "y"] == pytest.approx(0.85, abs=1e-12)
    assert table.loc[200, "x"] == pytest.approx(0.03, abs=0.005)
    assert table.loc[200, "y"] == pytest.approx(0.06, abs=0.005)
    assert "Example 3.1.2" in texts(at)


@pytest.mark.parametrize("label", list(PRESETS))
def test_every_preset_loads(label):
    at = fresh()
    at.selectbox(key="preset").select(label).run()
    no_exception(at)
    p = PRESETS[label]
    assert at.selectbox(key="surface").value == p.surface
    assert at.selectbox(key="opt").value == p.optimizer
    assert at.selectbox(key="preset").value == "—"  # the menu is an action and resets itself
    assert len(step_table(at)) >= 2


def test_divergence_is_reported_in_words():
    at = fresh()
    at.selectbox(key="preset").select("Learning rate too big: divergence").run()
    no_exception(at)
    assert any("Diverged at step" in e.body for e in at.error), texts(at)


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_surface(name):
    at = fresh()
    at.selectbox(key="surface").select(name).run()
    no_exception(at)
    start = SURFACES[name].start
    assert at.number_input(key="x0").value == pytest.approx(start[0])
    assert at.number_input(key="y0").value == pytest.approx(start[1])


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_and_each_of_its_controls(name):
    at = fresh()
    at.selectbox(key="opt").select(name).run()
    no_exception(at)
    opt = OPTIMIZERS[name]
    for h in opt.knobs:  # each control moved once, the page still runs
        if h.flag:
            if h.name == "nesterov" and at.slider(key="momentum").value == 0:
                continue
            at.toggle(key=h.name).set_value(not at.toggle(key=h.name).value).run()
        elif h.choices:  # a choice among names (a line search): the last one, off the default
            at.selectbox(key=h.name).select(h.choices[-1]).run()
            assert at.selectbox(key=h.name).value == h.choices[-1]
        elif h.log:
            w = at.select_slider(key=h.name)
            options = list(w.options)
            w.set_value(float(options[max(0, len(options) // 3)])).run()
        else:
            w = at.slider(key=h.name)
            w.set_value(round((h.ui_low + h.ui_high) / 2, 0 if h.whole else 2)).run()
        no_exception(at)


def test_course_names_show_the_course_rule_and_only_their_knobs():
    """gd is the course's w <- w - eta grad f: no momentum, dampening, weight decay or Nesterov on the page;
    sgd keeps every torch knob and torch's four-line rule."""
    at = fresh()
    assert at.selectbox(key="opt").value == "gd"
    knobs = {w.key for w in [*at.slider, *at.select_slider, *at.toggle]}
    assert "lr" in knobs and not knobs & {"momentum", "dampening", "weight_decay", "nesterov"}, knobs
    rules = [e.value for e in at.latex]
    assert any(r"\vec{w} \leftarrow \vec{w} - \eta" in r for r in rules), rules
    assert not any("nesterov" in r for r in rules), rules
    at.selectbox(key="opt").select("momentum").run()
    knobs = {w.key for w in [*at.slider, *at.select_slider, *at.toggle]}
    assert {"lr", "momentum"} <= knobs and not knobs & {"dampening", "weight_decay", "nesterov"}, knobs
    at.selectbox(key="opt").select("sgd").run()
    no_exception(at)
    knobs = {w.key for w in [*at.slider, *at.select_slider, *at.toggle]}
    assert {"lr", "momentum", "dampening", "weight_decay", "nesterov"} <= knobs
    assert any("nesterov" in e.value for e in at.latex)


def test_a_knob_the_course_optimizer_does_not_have_is_reported_from_a_link():
    at = fresh(opt="gd", momentum="0.9")
    no_exception(at)
    assert at.warning and "has no parameter" in at.warning[0].body
    assert step_table(at).loc[1, "x"] == pytest.approx(0.5 - 0.001 * 7.5)  # plain GD, torch's default η


def test_steps_start_view_and_tolerance_controls():
    at = fresh()
    at.select_slider(key="steps").set_value(50).run()
    assert len(step_table(at)) >= 2 and 50 in step_table(at).index
    at.number_input(key="x0").set_value(-0.5).run()
    at.number_input(key="y0").set_value(0.25).run()
    assert step_table(at).loc[0, "x"] == pytest.approx(-0.5)
    assert step_table(at).loc[0, "y"] == pytest.approx(0.25)
    at.select_slider(key="tol").set_value(1e-2).run()
    at.slider(key="az").set_value(30).run()
    at.slider(key="el").set_value(60).run()
    no_exception(at)


def test_invalid_nesterov_combination_is_explained():
    at = fresh(opt="sgd")
    at.toggle(key="nesterov").set_value(True).run()
    no_exception(at)
    assert any("Nesterov" in e.body for e in at.error), texts(at)


def test_link_reopens_the_same_view():
    at = fresh(surface="himmelblau", opt="adam", lr="0.05", steps="300", x0="-1", y0="1")
    no_exception(at)
    assert at.selectbox(key="surface").value == "himmelblau"
    assert at.selectbox(key="opt").value == "adam"
    assert at.select_slider(key="lr").value == pytest.approx(0.05)
    assert step_table(at).loc[0, "x"] == pytest.approx(-1.0)
    assert 300 in step_table(at).index
    assert not at.warning


@pytest.mark.parametrize(
    "query, phrase",
    [
        ({"surface": "nowhere"}, "Unknown surface"),
        ({"opt": "sgdx"}, "Unknown optimizer"),
        ({"lr": "abc"}, "not a finite number"),
        ({"lr": "-1"}, "must be >= 0"),
        ({"lr": "0.0123"}, "rounded to"),
        ({"steps": "7"}, "step choices"),
        ({"x0": "99"}, "plot window"),
        ({"opt": "adam", "momentum": "0.9"}, "has no parameter"),
        ({"opt": "adam", "beta1": "1"}, "must be < 1"),
        ({"bogus": "1"}, "Unknown link parameter"),
    ],
)
def test_bad_link_values_warn_and_fall_back(query, phrase):
    at = fresh(**query)
    no_exception(at)
    assert at.warning, "expected a warning about the link"
    assert phrase in unescaped(at.warning[0].body)
    assert len(step_table(at)) >= 2  # the page still computed a run


def test_formula_surface_and_its_errors():
    at = fresh()
    at.selectbox(key="surface").select("formula").run()
    no_exception(at)
    assert len(step_table(at)) >= 2
    at.text_input(key="formula").input("x^2 + y^2 + __import__('os')").run()
    no_exception(at)
    assert at.error, "a refused formula must say why"
    at.text_input(key="formula").input("(x - 1)^2 + 2*(y + 0.5)^2").run()
    no_exception(at)
    assert not at.error
    at.text_input(key="formula").input("log(x)").run()
    at.number_input(key="x0").set_value(-1.0).run()
    no_exception(at)
    assert any("not finite" in e.body for e in at.error), texts(at)


def test_backend_is_shown():
    at = fresh()
    assert any("JAX" in c.value and "CPU" in c.value.upper() for c in at.caption)


def test_3d_figure_is_identical_when_an_unrelated_control_changes():
    """The browser keeps a drag-rotated camera only while the figure JSON is byte-identical."""
    at = fresh()
    specs = chart_specs(at)
    assert len(specs) == 4  # top view, 3-D, curves, anatomy
    at.select_slider(key="tol").set_value(1e-3).run()
    no_exception(at)
    after = chart_specs(at)
    assert after[1] == specs[1], "the 3-D figure changed although only the tolerance moved"
    assert after[2] != specs[2], "the tolerance line belongs to the curves figure"
    at.slider(key="az").set_value(0).run()
    assert chart_specs(at)[1] != specs[1], "the azimuth control must turn the 3-D view"


@pytest.mark.parametrize("label", list(PRESETS))
def test_presets_use_values_the_controls_can_show(label):
    """A value between a slider's stops would be dropped by the widget: presets must sit on stops."""
    from optim import get_optimizer
    from ui.controls import STEP_CHOICES, log_choices

    p = PRESETS[label]
    optimizer = get_optimizer(p.optimizer)
    declared = {h.name: h for h in optimizer.hyperparameters}
    for name, value in p.hyperparameters.items():
        h = declared[name]
        if h.log:
            assert value in log_choices(h), f"{name}={value} is not a stop of the slider"
        else:
            assert h.ui_low <= value <= h.ui_high
    assert p.steps in STEP_CHOICES
    (x0, x1), (y0, y1) = SURFACES[p.surface].domain
    assert x0 <= p.start[0] <= x1 and y0 <= p.start[1] <= y1


def test_preset_note_disappears_once_the_controls_move_away():
    at = fresh()
    assert any("Example 3.1.2" in i.body for i in at.info)
    at.select_slider(key="lr").set_value(0.02).run()
    assert not any("Example 3.1.2" in i.body for i in at.info)
    assert any("Changed from the example" in c.value for c in at.caption)


@pytest.mark.parametrize("schedule", ["step", "exponential", "cosine", "inverse-time", "warmup", "plateau"])
def test_every_schedule_and_its_controls(schedule):
    at = fresh()
    at.selectbox(key="sched").select(schedule).run()
    no_exception(at)
    from optim.schedules import get_schedule

    for p in get_schedule(schedule).parameters:
        if p.log:
            w = at.select_slider(key=p.name)
            w.set_value(float(list(w.options)[0])).run()
        else:
            at.slider(key=p.name).set_value(float(p.ui_low)).run()
        no_exception(at)
    assert len(chart_specs(at)) == 4


def test_schedules_that_share_a_parameter_name_reset_it():
    at = fresh()
    at.selectbox(key="sched").select("step").run()
    at.slider(key="gamma").set_value(0.1).run()
    at.selectbox(key="sched").select("exponential").run()  # gamma's slider starts at 0.9 there
    no_exception(at)
    assert at.slider(key="gamma").value == pytest.approx(0.99)


def test_anatomy_of_a_step_reads_the_recorded_state():
    at = fresh()  # Example 3.1.2: update 0 goes from (0.5, 1) to (0.425, 0.85) with η = 0.01
    tables = at.dataframe
    anatomy = tables[1].value
    assert anatomy.loc["Δw", "x"] == pytest.approx(-0.075, abs=1e-12)
    assert anatomy.loc["∇f(wₖ)", "y"] == pytest.approx(15.0, abs=1e-12)
    at.selectbox(key="opt").select("adam").run()
    at.slider(key="k").set_value(5).run()
    no_exception(at)
    anatomy = at.dataframe[1].value
    assert "effective step η/(√r̂+ε)" in anatomy.index
    eff, s_hat = anatomy.loc["effective step η/(√r̂+ε)"], anatomy.loc["ŝ (bias-corrected mean)"]
    assert anatomy.loc["Δw", "x"] == pytest.approx(-eff["x"] * s_hat["x"], rel=1e-9)


def test_downloads_are_offered():
    at = fresh()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Trajectory (CSV)", "Run (JSON, as the CLI)", "Figures (HTML)", "Animation (GIF)"]



def test_a_refused_formula_is_explained_in_the_main_area_as_typed():
    at = fresh(surface="formula", formula="__import__('os')")
    no_exception(at)
    errors = [e.body for e in at.main.error]
    assert errors, "the message belongs where the charts would be, not only in the sidebar"
    assert "\\_\\_import\\_\\_" in errors[0], errors  # Markdown would have eaten the underscores
    assert "__import__" in unescaped(errors[0]) and "For example" in errors[0]


@pytest.mark.parametrize("where", ["box", "link"])
def test_a_formula_over_the_limit_says_how_long_it_is_and_what_the_limit_is(where):
    long = "x^2 + " * 833 + "yy"  # 5,000 characters
    if where == "link":
        at = fresh(surface="formula", formula=long)
    else:
        at = fresh(surface="formula")
        at.text_input(key="formula").input(long).run()
    no_exception(at)
    message = unescaped(at.main.error[0].body)
    assert "5000 characters long" in message and "200" in message, message
    assert "200 characters" in at.text_input(key="formula").label


def test_the_link_warning_shows_on_the_first_render_only_and_names_the_value_used():
    at = fresh(lr="abc", optimizer="nope")
    no_exception(at)
    message = unescaped(at.warning[0].body)
    assert "using 0.01" in message, message  # the landing page's η, the value the page then uses
    assert at.select_slider(key="lr").value == pytest.approx(0.01)
    assert "optimizer" not in at.query_params, "a parameter that was not used stays out of the link"
    at.select_slider(key="steps").set_value(50).run()
    no_exception(at)
    assert not at.warning, "the notice is about the link, not about the person's later actions"


def test_the_radial_surface_draws_its_rings_and_the_caption_fits_the_run():
    import json

    from tests.apptest import charts_by_key

    at = fresh()  # Example 3.1.2: starts inside the ring of maxima and goes to the origin
    shapes = json.loads(charts_by_key(at)["contour"])["layout"]["shapes"]
    radii = sorted(round(s["x1"], 6) for s in shapes if s["type"] == "circle")
    assert radii == [round(2**0.5, 6), round(3.25**0.5, 6)]
    caption = " ".join(c.value for c in at.caption)
    assert "Started inside the dashed ring of maxima" in caption and "goes to the global minimum" in caption


def test_course_examples_show_what_their_notes_say():
    gd, mom = fresh(), fresh()
    gd.selectbox(key="preset").select("Ill-conditioned valley: GD").run()
    mom.selectbox(key="preset").select("Ill-conditioned valley: momentum").run()
    assert step_table(mom)["‖∇f‖"].iloc[-1] < step_table(gd)["‖∇f‖"].iloc[-1] / 100
    assert "Ill-conditioned valley: momentum" in texts(mom)  # the note is shown: the controls hold the example
    saddle = fresh()
    saddle.selectbox(key="preset").select("Saddle point").run()
    message = texts(saddle)
    assert "passed it and is still going downhill" in message and "still above" not in message, message
