// A Plotly chart that stays mounted across reruns and redraws with Plotly.react.
//
// st.plotly_chart hashes the figure into the element's identity, so every new figure remounts the
// chart and plotly.js draws it from scratch (~0.4 s for the contour, ~1.4 s for the 3-D surface in
// software WebGL). Streamlit calls this module's default export again with the new data on the
// same parent element; Plotly.react then diffs the figure and redraws only what changed, and a
// 3-D view the user dragged survives (uirevision).
//
// data (UTF-8 JSON bytes): {figure: the figure, config: Plotly config, clickable: bool, src: URL of the
// plotly.js bundle, and in presentation mode scale and screen (below)}. A click on the plotting area
// (clickable charts) sends the clicked point in data coordinates as the trigger value "click".

// ui/head.py's loader, in the page's HTML, starts the same promise as the page loads.
function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__descentPlotly) {
    window.__descentPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(src, window.location.href).href;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__descentPlotly = undefined;
        reject(new Error(`could not load ${src}`));
      };
      document.head.appendChild(script);
    });
  }
  return window.__descentPlotly;
}

function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function clickedPoint(gd, event) {
  const layout = gd._fullLayout;
  const xa = layout && layout.xaxis;
  const ya = layout && layout.yaxis;
  if (!xa || !ya || !event) return null;
  const box = gd.getBoundingClientRect();
  const px = event.clientX - box.left - xa._offset;
  const py = event.clientY - box.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return null;
  const x = xa.p2d(px);
  const y = ya.p2d(py);
  return Number.isFinite(x) && Number.isFinite(y) ? { x, y } : null;
}

// A figure whose layout.meta.fit = {ratio, plus, low, high} (viz/style.fit_to_width) takes its
// height from the width it is drawn at: a square map in a projector's narrow column is then not a
// small square in a tall empty box.
function fittedHeight(gd, layout) {
  const fit = layout && layout.meta && layout.meta.fit;
  const width = gd.getBoundingClientRect().width;
  if (!fit || !(width > 0)) return null;
  return Math.round(Math.min(fit.high, Math.max(fit.low, fit.ratio * width + fit.plus)));
}

// Presentation mode (data.screen = {main, legend}, ui/chart.py): a main chart, one of the page's first
// row, takes the height left on the screen below its top, so a lecturer shows it whole without
// scrolling: no taller than a fitted figure's own height (a square map is then not a small square in a
// tall box), no shorter than MAIN_MIN px. The room is measured again when the window or the page above
// the chart changes size (a notice, the fold opened, the sidebar).
const MAIN_MIN = 260;
const MAIN_GAP = 10; // px left free under the chart

// The element's top with the page scrolled to its start (Streamlit scrolls an element, not the window).
function topOnPage(el) {
  let top = el.getBoundingClientRect().top;
  for (let node = el.parentElement; node; node = node.parentElement) top += node.scrollTop;
  return top;
}

function chartHeight(gd, layout) {
  const fitted = fittedHeight(gd, layout);
  const screen = gd.__descentScreen;
  if (!screen || !screen.main) return fitted;
  const room = Math.floor(window.innerHeight - topOnPage(gd) - MAIN_GAP);
  return Math.max(MAIN_MIN, fitted === null ? room : Math.min(fitted, room));
}

// Presentation mode: a horizontal legend's entries wrap like words. plotly.js gives every entry of a
// wrapped horizontal legend the widest one's width, one entry a line in a narrow column at the larger
// fonts, except in a grouped legend, where each group keeps its own (viz/style.legend_flowing): a trace
// without a group gets one of its own. A legend with a group of several entries is left as it is (a
// group's entries stack).
const NO_LEGEND_TYPES = new Set(["contour", "heatmap", "surface"]);

function flowLegend(fig) {
  const legend = fig.layout.legend;
  if (!legend || legend.orientation !== "h" || String(legend.traceorder || "").includes("reversed")) return;
  const entries = {};
  for (const trace of fig.data || []) {
    const shown = trace.showlegend === undefined ? !NO_LEGEND_TYPES.has(trace.type) : trace.showlegend;
    if (trace.legendgroup && shown) entries[trace.legendgroup] = (entries[trace.legendgroup] || 0) + 1;
  }
  if (Object.values(entries).some((n) => n > 1)) return;
  (fig.data || []).forEach((trace, i) => {
    if (!trace.legendgroup) trace.legendgroup = `descent-entry-${i}`;
  });
  legend.traceorder = "grouped";
  if (typeof legend.tracegroupgap !== "number") legend.tracegroupgap = 2;
}

// A drawn chart laid out again at the height chartHeight gives now; widened: its width changed.
function refit(gd, widened) {
  if (!window.Plotly || !gd._fullLayout || !gd.layout) return;
  const height = chartHeight(gd, gd.layout);
  if (widened) {
    if (height !== null) gd.layout.height = height; // resize re-lays out from gd.layout
    window.Plotly.Plots.resize(gd);
  } else if (height !== null && Math.abs(height - gd._fullLayout.height) > 2) {
    window.Plotly.relayout(gd, { height }); // resize would keep the height: only the width follows the element
  }
}

// Presentation mode (data.scale = {font, line, marker}): every font size, line width and marker size of
// the figure grows by its factor, so a figure built for a laptop reads from the back of a lecture hall.
// Sizes Plotly fills in itself (absent from the JSON) start from its defaults.
const FONT_KEYS = new Set(["font", "tickfont", "titlefont", "hoverlabel"]);
const LINE_TRACES = new Set(["scatter", "scattergl", "scatter3d", "scatterpolar"]);

function scaleFonts(node, factor, isFont) {
  if (Array.isArray(node)) {
    node.forEach((item) => scaleFonts(item, factor, false));
    return;
  }
  if (!node || typeof node !== "object") return;
  if (isFont && typeof node.size === "number") node.size = Math.round(node.size * factor * 10) / 10;
  for (const [key, value] of Object.entries(node)) {
    if (key === "data" || key === "frames") continue;
    if (value && typeof value === "object") scaleFonts(value, factor, FONT_KEYS.has(key));
  }
}

// partial: an animation frame's trace, which carries only what changes: scale only the sizes it sets.
function scaleTrace(trace, scale, partial) {
  scaleFonts(trace, scale.font, false);
  if (!partial && !LINE_TRACES.has(trace.type || "scatter")) return;
  const mode = trace.mode || "lines+markers";
  if (mode.includes("lines") && (!partial || trace.line)) {
    trace.line = trace.line || {};
    if (typeof trace.line.width === "number" || !partial) {
      trace.line.width = (typeof trace.line.width === "number" ? trace.line.width : 2) * scale.line;
    }
  }
  if (mode.includes("markers") && trace.marker) {
    const size = trace.marker.size;
    if (typeof size === "number") trace.marker.size = size * scale.marker;
    else if (Array.isArray(size)) trace.marker.size = size.map((v) => v * scale.marker);
    else if (!partial) trace.marker.size = 6 * scale.marker;
    if (trace.marker.line && typeof trace.marker.line.width === "number") trace.marker.line.width *= scale.line;
  }
}

function scaleFigure(fig, scale) {
  const layout = (fig.layout = fig.layout || {});
  layout.font = layout.font || {};
  if (typeof layout.font.size !== "number") layout.font.size = 12;
  scaleFonts(layout, scale.font, false);
  (fig.data || []).forEach((trace) => scaleTrace(trace, scale, false));
  (fig.frames || []).forEach((frame) => (frame.data || []).forEach((trace) => scaleTrace(trace, scale, true)));
  // Axes that do not measure their labels (automargin off) keep room for them in fixed margins
  // (layout.meta.axis_room px on the left and at the bottom): that room grows with the fonts.
  const room = layout.meta && layout.meta.axis_room;
  if (typeof room === "number" && layout.margin) {
    const extra = Math.round(room * (scale.font - 1));
    for (const side of ["l", "b"]) {
      if (typeof layout.margin[side] === "number") layout.margin[side] += extra;
    }
  }
  (layout.shapes || []).forEach((shape) => {
    if (shape.line) shape.line.width = (typeof shape.line.width === "number" ? shape.line.width : 2) * scale.line;
  });
}

export default function (component) {
  const { parentElement } = component;
  // ui/chart.py sends its arguments as UTF-8 JSON bytes (one encoding on the server, no escaped figure).
  const raw = component.data;
  const data = raw instanceof ArrayBuffer || ArrayBuffer.isView(raw) ? JSON.parse(new TextDecoder().decode(raw)) : raw;
  let gd = parentElement.querySelector(".descent-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "descent-chart";
    gd.style.width = "100%";
    parentElement.appendChild(gd);
    // The column can change width without a window resize (the sidebar folds, a projector's
    // resolution): follow the element itself, but only to a width other than the one the figure was
    // drawn at. The observer also reports the width the element had when first observed; resizing to
    // it redrew each chart a second time right after its first draw (~0.3-1 s of a first visit).
    if (window.ResizeObserver) {
      gd.__descentResize = new ResizeObserver((entries) => {
        const w = Math.round(entries[0].contentRect.width);
        if (w !== gd.__descentWidth && w > 0) {
          gd.__descentWidth = w;
          refit(gd, true);
        }
      });
      gd.__descentResize.observe(gd);
    }
  }
  gd.__descent = component; // the latest callbacks, for the click handler bound once
  gd.__descentScreen = data.screen || null;
  if (data.screen && data.screen.main && !gd.__descentRoom) {
    // a main chart follows the room it has: the window's height and the page above it
    let pending = false;
    const check = () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; refit(gd, false); });
    };
    const page = gd.closest('[data-testid="stMainBlockContainer"]');
    gd.__descentRoom = { check, page: window.ResizeObserver && page ? new ResizeObserver(check) : null };
    if (gd.__descentRoom.page) gd.__descentRoom.page.observe(page);
    window.addEventListener("resize", check);
  }
  const seq = (gd.__descentSeq = (gd.__descentSeq || 0) + 1);

  const fig = data.figure; // parsed anew each render: scaleFigure may change it in place
  if (data.scale) {
    scaleFigure(fig, data.scale);
    flowLegend(fig);
  }
  // screen.legend false: a legend that the markers on the chart, or a chart beside it, make clear is folded
  if (data.screen && data.screen.legend === false) fig.layout.showlegend = false;
  // First visit: every chart waits on plotly.js and, once it has run, all would draw in one long
  // task; drawn one at a time with a paint in between, the first chart shows without waiting for
  // the others. Later figures (plotly.js loaded) draw at once, as before.
  const waited = !window.Plotly;
  const ready = waited
    ? (window.__descentFirstDraws || Promise.resolve()).then(() => loadPlotly(data.src))
    : loadPlotly(data.src);
  const drawn = ready
    // A 3-D scene (seconds in software WebGL) waits for the next frame: the 2-D charts of the same
    // rerun are painted first instead of all four appearing together after the slowest.
    .then((Plotly) => (fig.layout && fig.layout.scene ? afterPaint().then(() => Plotly) : Plotly))
    .then((Plotly) => {
      if (seq !== gd.__descentSeq) return null; // a newer figure arrived in the meantime
      const height = chartHeight(gd, fig.layout);
      if (height !== null) fig.layout.height = height;
      const next = { data: fig.data, layout: fig.layout, frames: fig.frames, config: data.config || {} };
      gd.__descentWidth = Math.round(gd.getBoundingClientRect().width); // what react lays out for
      return Plotly.react(gd, next).then(() => {
        gd.dataset.drawn = String(seq);
        if (data.clickable && !gd.__descentClick) {
          gd.__descentClick = true;
          gd.on("plotly_click", (ev) => {
            const point = clickedPoint(gd, ev && ev.event);
            if (point) gd.__descent.setTriggerValue("click", point);
          });
        }
      });
    })
    .catch((err) => {
      gd.textContent = `The chart could not be drawn (${err.message}). Reload the page to try again.`;
    });
  if (waited) window.__descentFirstDraws = drawn.then(afterPaint);

  // Streamlit keeps only the last cleanup and runs it when the element goes away for good (it may also
  // run a superseded one early): purge only a chart that has left the page.
  return () => {
    setTimeout(() => {
      if (gd.isConnected) return;
      if (gd.__descentResize) gd.__descentResize.disconnect();
      if (gd.__descentRoom) {
        if (gd.__descentRoom.page) gd.__descentRoom.page.disconnect();
        window.removeEventListener("resize", gd.__descentRoom.check);
      }
      if (window.Plotly) window.Plotly.purge(gd);
    }, 0);
  };
}
