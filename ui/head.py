"""What the page's HTML does before Streamlit starts: fetch plotly.js, and find the server at once.

``PlotlyPreload`` is an ASGI middleware (``st.App``'s ``middleware=``, app.py). Measured on a first
visit (``make bench``, section load; README), three things stood between a link and its first chart:

- plotly.js was requested only once the session's first run had sent an element that asked for it:
  about a second after navigation. The middleware writes a ``<link rel="preload">`` for the bundle
  into the head of every page's HTML, so it downloads while Streamlit's own JavaScript does.
- Evaluating the bundle takes ~0.3 s of the main thread. Run as soon as it arrived, it delayed
  Streamlit's start by as much, and run when Streamlit had checked its server, it held up the
  WebSocket's "open" and so the request for the page. It now runs right after that request goes out
  (the first WebSocket's "open"), while the server runs the page's script.
- On a deep link (``/race``) Streamlit's frontend first looks for its server under the page's path
  (``/race/_stcore/health``), gets a 404, and tries the parent ~0.14 s later. The head tells it the
  app's base URL (``window.__streamlit.BACKEND_BASE_URL``, Streamlit's setting for hosts): the page's
  URL without its last segment. Only for a request whose path the server itself sees as one of the
  app's pages, so a proxy's prefix stays in the URL.

The bundle itself is answered here too: gzipped once per process rather than per request by
Streamlit's middleware (~45 ms of the server's event loop each first visit), and cached by the
browser for a year (its URL carries the content's hash: ``ui.chart.plotly_js_url``).

Only GET requests are touched: the app's root and its pages' URL paths (``ui.pages.URL_PATHS``).
Their HTML is held until complete and rewritten only if it has a ``</head>``; the request's
Accept-Encoding is dropped for them so it arrives uncompressed (under 8 kB). Every other response
streams through unchanged.
"""

from __future__ import annotations

import gzip
import json
from functools import cache

from streamlit import config

from ui.chart import PLOTLY_JS, STATIC, plotly_js_url
from ui.pages import URL_PATHS

YEAR = 365 * 24 * 3600
_HEAD = """<link rel="preload" as="script" href="{src}">
<script>/* Descent (ui/head.py): plotly.js evaluated once Streamlit has asked for the page{base_note} */
(() => {{
  const src = new URL({src_json}, window.location.href).href;
  {base_js}
  function load() {{
    if (window.__descentPlotly) return;
    window.__descentPlotly = new Promise((resolve, reject) => {{
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {{ window.__descentPlotly = undefined; reject(new Error("could not load plotly.js")); }};
      document.head.appendChild(script);
    }});
  }}
  /* Streamlit opens one WebSocket and sends its first request on "open"; the evaluation follows it. */
  const Native = window.WebSocket;
  if (typeof Native === "function") {{
    window.WebSocket = class extends Native {{
      constructor(...args) {{
        super(...args);
        window.WebSocket = Native;  /* the first connection only */
        this.addEventListener("open", () => setTimeout(load, 0), {{ once: true }});
      }}
    }};
  }} else {{
    load();
  }}
  setTimeout(load, 5000);  /* whatever happens: ui/chart.js waits on the same promise */
}})();
</script>"""
_BASE_JS = """const page = {page_json};
  const parts = window.location.pathname.replace(/\\/+$/, "").split("/");
  if (parts[parts.length - 1] === page && !(window.__streamlit && window.__streamlit.BACKEND_BASE_URL)) {{
    const base = new URL(parts.slice(0, -1).join("/") + "/", window.location.href).href;
    window.__streamlit = Object.assign({{}}, window.__streamlit, {{ BACKEND_BASE_URL: base }});
  }}"""


def head_tags(page: str | None) -> bytes | None:
    """The tags for a page's head; ``page`` is the deep link's URL path (None for the app's root).
    None where the bundle is missing."""
    src = plotly_js_url()
    if src is None:
        return None
    base_js = _BASE_JS.format(page_json=json.dumps(page)) if page else ""
    return _HEAD.format(src=src, src_json=json.dumps(src), base_js=base_js,
                        base_note="; the server's base URL" if page else "").encode()


def page_of(path: str, base_url: str = "") -> str | None:
    """The page a request path asks for: "" for the app's root, the URL path of a deep link, and None
    for anything else (a file, Streamlit's own routes, an unknown path): only these get index.html."""
    base = base_url.strip("/")
    prefix = f"/{base}" if base else ""
    if prefix and not (path == prefix or path.startswith(prefix + "/")):
        return None
    rest = path[len(prefix):].strip("/")
    return rest if rest == "" or rest in URL_PATHS else None


def with_tags(html: bytes, tags: bytes) -> bytes:
    """``html`` with ``tags`` at the end of its head; unchanged without a ``</head>``."""
    at = html.find(b"</head>")
    return html if at < 0 else html[:at] + tags + html[at:]


@cache
def _bundle_gzip() -> bytes:
    return gzip.compress((STATIC / PLOTLY_JS).read_bytes(), compresslevel=9, mtime=0)


def _accepts_gzip(headers) -> bool:
    return any(k.lower() == b"accept-encoding" and b"gzip" in v.lower() for k, v in headers)


class PlotlyPreload:
    """ASGI middleware: the head tags on every page, the bundle gzipped once (module docstring)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        base = config.get_option("server.baseUrlPath") or ""
        src = plotly_js_url()
        bundle = "/" + "/".join(p for p in (base.strip("/"), "app/static", PLOTLY_JS) if p)
        if (src is not None and scope["path"] == bundle and _accepts_gzip(scope["headers"])
                and scope.get("query_string", b"").decode() == src.split("?", 1)[1]):  # this version only
            await self._bundle(send)
            return
        page = page_of(scope["path"], base)
        tags = head_tags(page or None) if page is not None else None
        if tags is None:
            await self.app(scope, receive, send)
            return
        scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"])
        await self.app(scope, receive, _HeldHtml(send, tags))

    @staticmethod
    async def _bundle(send):
        body = _bundle_gzip()
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/javascript; charset=utf-8"), (b"content-encoding", b"gzip"),
            (b"content-length", str(len(body)).encode()), (b"vary", b"Accept-Encoding"),
            (b"cache-control", f"public, max-age={YEAR}, immutable".encode())]})
        await send({"type": "http.response.body", "body": body})


class _HeldHtml:
    """The ``send`` of a page request: an HTML response is held until complete and sent with the tags."""

    def __init__(self, send, tags: bytes):
        self.send, self.tags = send, tags
        self.start: dict | None = None
        self.chunks: list[bytes] = []
        self.passing = False

    async def __call__(self, message):
        if self.passing:
            await self.send(message)
        elif message["type"] == "http.response.start":
            kind = dict(message.get("headers", [])).get(b"content-type", b"")
            self.passing = not kind.startswith(b"text/html")
            if self.passing:
                await self.send(message)
            else:
                self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = with_tags(b"".join(self.chunks), self.tags)
            headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
            await self.send({**self.start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await self.send({"type": "http.response.body", "body": body})
        else:  # an extension message (pathsend, trailers): what is held goes first, unchanged
            self.passing = True
            if self.start is not None:
                await self.send(self.start)
            await self.send(message)
