"""L-BFGS with its strong Wolfe search on Rosenbrock, in headless Chromium: the anatomy draws the step's trial
points (hollow where rejected) and the Hessian's two eigenvectors at w_k, and the line search's slice φ(α)."""

import pytest

from tests.browser import ARTIFACTS, require_chromium

pytestmark = pytest.mark.browser

require_chromium()

LINK = "/?surface=rosenbrock&opt=lbfgs&line_search=strong_wolfe"  # update 0: two trials, the first rejected
# the anatomy's and the line slice's figures as drawn: every trace's name and how many points it has
TRACES = """key => {
  const box = document.querySelector('.st-key-' + key + ' .descent-chart');
  return box && box._fullData ? box._fullData.map(t => ({name: t.name, n: (t.x || []).filter(v => v !== null).length,
    symbol: t.marker && t.marker.symbol, x: t.x, y: t.y})) : null;
}"""


def test_lbfgs_strong_wolfe_draws_its_trials_and_the_curvature(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    page.goto(server + LINK, wait_until="domcontentloaded")
    page.wait_for_function("document.querySelector('.st-key-line_slice .descent-chart[data-drawn]') !== null",
                           timeout=180_000)
    page.wait_for_timeout(1000)
    anatomy = page.evaluate(TRACES, "anatomy")
    by_name = {t["name"]: t for t in anatomy}
    eigen = [t for t in anatomy if t["name"].startswith("eigenvector")]
    assert len(eigen) == 2, [t["name"] for t in anatomy]
    for t in eigen:  # a segment through w_k, of non-zero length
        assert t["n"] == 2 and (t["x"][0], t["y"][0]) != (t["x"][1], t["y"][1])
    trials = [t for t in anatomy if t["name"].startswith("trial point")]
    assert trials and sum(t["n"] for t in trials) >= 1
    assert by_name["trial point (accepted)"]["n"] == 1 and by_name["trial point (rejected)"]["n"] == 1
    assert by_name["trial point (rejected)"]["symbol"] == "circle-open"
    assert "−H⁻¹∇f (Newton step)" in by_name  # the optimizer's step beside the Newton step
    line = {t["name"]: t for t in page.evaluate(TRACES, "line_slice")}
    assert line["φ(α) = f(w + αd)"]["n"] > 50 and "f(w) + c₁α∇f·d (sufficient decrease)" in line
    assert page.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".st-key-anatomy").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "lbfgs-strong-wolfe-anatomy.png"), full_page=True)
    page.close()
