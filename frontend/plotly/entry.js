// Descent's plotly.js: the core (which brings the scatter trace) and the other trace types the app's
// figures use. `make plotly-js` bundles it into static/plotly-descent.min.js (ui/chart.py serves it):
// 1.75 MB instead of the full 4.8 MB plotly.min.js, which a first visit spent about a second
// downloading and evaluating before the first chart (benchmarks/load.py).
// A new trace type in viz/ must be added here: tests/apptest.py checks every figure's traces.
var Plotly = require("plotly.js/lib/core");

Plotly.register([
  require("plotly.js/lib/contour"),
  require("plotly.js/lib/heatmap"),
  require("plotly.js/lib/surface"),
  require("plotly.js/lib/scatter3d"),
]);

window.Plotly = Plotly;
