"""ui.head: the page's HTML starts loading plotly.js and names the server; the bundle is gzipped once;
everything else passes through as it was."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from ui import chart
from ui.head import PlotlyPreload, head_tags, page_of, with_tags
from ui.pages import URL_PATHS

HTML = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body><div id=root></div></body></html>"


def _app(body: bytes, content_type: bytes, chunks: int = 1, seen: list | None = None):
    """A stand-in for Streamlit's ASGI app: answers every request with ``body`` in ``chunks`` parts."""

    async def app(scope, receive, send):
        if seen is not None:
            seen.append(scope)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        step = -(-len(body) // chunks)
        for i in range(chunks):
            await send({"type": "http.response.body", "body": body[i * step:(i + 1) * step],
                        "more_body": i < chunks - 1})

    return app


def _get(app, path: str, method: str = "GET", query: bytes = b"") -> tuple[dict, bytes]:
    """Run one request through ``app``; the response's headers and body."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": query,
             "headers": [(b"accept-encoding", b"gzip, br")]}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return dict(start["headers"]), b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


@pytest.mark.parametrize(("path", "page"), [("/", None), ("/race", "race"), ("/learning-rate", "learning-rate")])
def test_a_page_gets_the_tags_at_the_end_of_its_head(path, page):
    seen: list[dict] = []
    headers, body = _get(PlotlyPreload(_app(HTML, b"text/html; charset=utf-8", chunks=3, seen=seen)), path)
    tags = head_tags(page)
    assert tags is not None and chart.plotly_js_url().encode() in tags
    assert body == HTML.replace(b"</head>", tags + b"</head>")
    assert (b"BACKEND_BASE_URL" in tags) == (page is not None)  # a deep link names the server's base URL
    assert headers[b"content-length"] == str(len(body)).encode()  # one length, the new one
    assert b"accept-encoding" not in dict(seen[0]["headers"])  # so the HTML reaches the middleware plain


def test_the_bundle_is_gzipped_once_and_cached_for_good():
    src = chart.plotly_js_url()
    path, version = "/" + src.split("?")[0], src.split("?")[1].encode()
    never: list[dict] = []
    headers, body = _get(PlotlyPreload(_app(b"", b"text/plain", seen=never)), path, query=version)
    assert not never  # answered by the middleware
    assert gzip.decompress(body) == (chart.STATIC / chart.PLOTLY_JS).read_bytes()
    assert headers[b"content-encoding"] == b"gzip" and b"immutable" in headers[b"cache-control"]
    # another version's URL (an old page) goes to Streamlit's static files as before
    _get(PlotlyPreload(_app(b"x", b"text/javascript", seen=never)), path, query=b"v=000000000000")
    assert len(never) == 1


@pytest.mark.parametrize(("path", "method", "content_type"), [
    ("/app/static/plotly-descent.min.js", "GET", b"text/javascript"),
    ("/static/js/index.DormvYxC.js", "GET", b"text/javascript"),
    ("/_stcore/health", "GET", b"text/plain"),
    ("/race", "HEAD", b"text/html"),
    ("/race", "GET", b"application/json"),  # not HTML: streamed as it came
])
def test_everything_else_passes_through_unchanged(path, method, content_type):
    body = HTML if content_type.startswith(b"text/html") else b"x" * 5000
    seen: list[dict] = []
    headers, got = _get(PlotlyPreload(_app(body, content_type, chunks=2, seen=seen)), path, method)
    assert got == body and headers[b"content-length"] == str(len(body)).encode()
    if page_of(path) is None or method != "GET":
        assert dict(seen[0]["headers"])[b"accept-encoding"] == b"gzip, br"  # compression as Streamlit decides


def test_what_counts_as_a_page():
    assert page_of("/") == "" and page_of("/race") == "race" and page_of("/race/") == "race"
    assert all(page_of("/" + p) == p for p in URL_PATHS)
    assert page_of("/deploy/race", "deploy") == "race" and page_of("/deploy", "/deploy/") == ""
    assert not any(page_of(p) is not None for p in [
        "/favicon.png", "/_stcore/stream", "/_stcore/health", "/media/abc", "/app/static/plotly-descent.min.js",
        "/static/js/x.js", "/race/_stcore/host-config", "/manifest.json", "/nosuch", "/deploy/race"])


def test_html_without_a_head_is_left_alone():
    assert with_tags(b"<p>no head</p>", b"<script></script>") == b"<p>no head</p>"


def test_without_the_bundle_nothing_is_added(tmp_path, monkeypatch):
    monkeypatch.setattr(chart, "STATIC", tmp_path / "nowhere")
    chart.plotly_js_url.cache_clear()
    try:
        assert head_tags(None) is None and head_tags("race") is None
        assert _get(PlotlyPreload(_app(HTML, b"text/html")), "/race")[1] == HTML
    finally:
        chart.plotly_js_url.cache_clear()
