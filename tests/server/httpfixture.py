"""A small HTTP server on a loopback address for URL-fetching tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from tests.server import samples

DRIPS = ("/drip-headers", "/drip-body")
DRIP_SECONDS = 0.1


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict] = {}

    def do_GET(self) -> None:
        if self.path in DRIPS:
            self._drip(self.path == "/drip-headers")
            return
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        status, headers, body, delay = route
        time.sleep(delay)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        chunks = [body] if body is not None else [b"\x00" * (1 << 20)] * 50  # no length: 50 MB
        for chunk in chunks:
            try:
                self.wfile.write(chunk)
            except OSError:  # the client stopped reading (the size cap at work)
                return

    def _drip(self, in_headers: bool) -> None:
        """Answer one byte every ``DRIP_SECONDS`` (in the headers or in the body), for minutes:
        every read is quick, the whole never ends."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n"
        body = b"\r\n" + samples.png()
        sent, drip = (b"", b"X-Padding: " + b"a" * 10_000) if in_headers else (head, body)
        try:
            self.wfile.write(sent)
            for byte in drip:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(DRIP_SECONDS)
        except OSError:  # the fetcher hung up: what the test wants
            return

    def log_message(self, *args) -> None:
        pass


def routes(port: int) -> dict:
    image = samples.png()
    return {
        "/image.png": (200, {"Content-Type": "image/png"}, image, 0),
        "/wrong-type": (200, {"Content-Type": "text/html"}, image, 0),
        "/text": (200, {"Content-Type": "image/png"}, samples.TEXT, 0),
        "/svg": (200, {"Content-Type": "image/png"}, samples.SVG, 0),
        "/redirect": (302, {"Location": "/image.png"}, b"", 0),
        "/redirect-private": (302, {"Location": "http://10.0.0.1/image.png"}, b"", 0),
        "/redirect-metadata": (
            301,
            {"Location": "http://169.254.169.254/latest/meta-data/"},
            b"",
            0,
        ),
        "/redirect-file": (302, {"Location": "file:///etc/passwd"}, b"", 0),
        "/loop": (302, {"Location": "/loop"}, b"", 0),
        "/big-declared": (200, {"Content-Length-Note": "x"}, b"\x00" * (3 << 20), 0),
        "/big-stream": (200, {}, None, 0),
        "/slow": (200, {"Content-Type": "image/png"}, image, 3.0),
        "/missing": (404, {}, b"", 0),
    }


@contextmanager
def image_server(host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``routes`` on ``host`` (a loopback address); yields the base URL."""
    httpd = ThreadingHTTPServer((host, 0), _Handler)
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    _Handler.routes = routes(port)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
