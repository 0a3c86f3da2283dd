"""gunicorn's threaded worker, with each request read whole before a thread serves it.

gunicorn's ``gthread`` worker gives a connection to a thread as soon as its first bytes
arrive, and the thread then reads the rest with blocking reads: a client that sends a byte
every few seconds (slowloris) holds the thread for as long as it likes, and twenty such
clients hold every thread. Here a thread only takes what has already arrived, without
waiting, and hands the connection back to gunicorn's poller (its ``_DEFER``) until the whole
request (head and body, up to the body limit) is in; then the request is served from those
bytes. A slow client costs a socket and its bytes, never a thread, and one that has not sent
its whole request within ``read_timeout`` seconds gets a 408 and is closed. (nginx and
waitress buffer requests the same way; gunicorn has no option for it.) The framing here only
decides when enough bytes are in (end of head, Content-Length, last chunk); gunicorn's own
parser then reads the request from those bytes and refuses anything malformed.

The bytes of requests still arriving are bounded per worker by ``8 x max_body_bytes`` in
all: past it, the connection that would add more gets a 503 and is closed, so a crowd of
large, slow uploads cannot fill the memory.

gunicorn closes connections gracefully on its one event-loop thread, lingering up to 2 s to
drain what the client still sends: a hundred slow clients answered at once would stall that
loop (accepting, dispatching) for minutes. Closes are handed to a few threads of their own.
"""

from __future__ import annotations

import json
import re
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from gunicorn.workers import gthread

from aiorhuman.server.problems import CATALOGUE, MEDIA_TYPE, TYPE_PREFIX

MAX_HEAD_BYTES = 64 * 1024  # beyond this without an end of head, gunicorn's parser refuses it
BUFFERED_BODIES = 8  # bytes held for requests still arriving: at most this x max_body_bytes
_RECV_BYTES = 256 * 1024
_EXPECT = re.compile(rb"(?im)^expect:[^\r\n]*\r\n")


@dataclass(eq=False)  # hashed by identity, for the weak set of requests arriving
class _Incoming:
    """A request being received."""

    started: float
    data: bytearray = field(default_factory=bytearray)
    head_end: int = -1
    chunk_pos: int = -1  # where the next chunk of a chunked body starts
    continued: bool = False  # 100 Continue sent


def _headers(head: bytes) -> dict[bytes, bytes]:
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip().lower()
    return fields


def _chunked_done(incoming: _Incoming) -> bool:
    """Walk the chunks received since the last call; True once the last chunk is in."""
    data = incoming.data
    while True:
        line_end = data.find(b"\r\n", incoming.chunk_pos)
        if line_end < 0:
            return False
        try:
            size = int(bytes(data[incoming.chunk_pos : line_end]).split(b";")[0], 16)
        except ValueError:  # malformed: gunicorn's parser answers it
            return True
        if size == 0:  # the last chunk, then optional trailers and an empty line
            return data.find(b"\r\n\r\n", line_end) >= 0
        if line_end + 2 + size + 2 > len(data):
            return False
        incoming.chunk_pos = line_end + 2 + size + 2


def complete(incoming: _Incoming, max_body: int) -> bool:
    """Whether enough of the request is in to serve it without waiting on the client.

    True for a whole request, for a body past ``max_body`` (the app answers 413 without
    reading the rest) and for a malformed head (gunicorn's parser answers it).
    """
    data = incoming.data
    if incoming.head_end < 0:
        incoming.head_end = data.find(b"\r\n\r\n")
        if incoming.head_end < 0:
            return len(data) > MAX_HEAD_BYTES
    body_start = incoming.head_end + 4
    received = len(data) - body_start
    fields = _headers(bytes(data[: incoming.head_end]))
    if b"chunked" in fields.get(b"transfer-encoding", b""):
        if incoming.chunk_pos < 0:
            incoming.chunk_pos = body_start
        return received > max_body or _chunked_done(incoming)
    try:
        length = int(fields.get(b"content-length", b"0"))
    except ValueError:
        return True
    return received >= length or length > max_body


def problem_response(status: int, reason: str, slug: str, title: str, detail: str) -> bytes:
    """A problem answered before the app sees the request, closing the connection."""
    body = json.dumps(
        {"type": TYPE_PREFIX + slug, "title": title, "status": status, "detail": detail}
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {MEDIA_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class ReadingWorker(gthread.ThreadWorker):
    """``gthread`` whose threads serve only requests that have fully arrived."""

    def init_process(self):
        self._closer = ThreadPoolExecutor(4, thread_name_prefix="close")
        self._arriving: weakref.WeakSet[_Incoming] = weakref.WeakSet()  # gone with their conns
        super().init_process()

    def handle(self, conn):
        if "close" not in vars(conn):  # first sight of this connection
            close = conn.close
            conn.close = lambda graceful=False: self._closer.submit(close, graceful)
        if self.cfg.is_ssl:  # TLS is left to a reverse proxy; its bytes cannot be framed here
            return super().handle(conn)
        settings = self.app.settings
        incoming = getattr(conn, "incoming", None)
        if incoming is None:
            incoming = conn.incoming = _Incoming(time.monotonic())
            self._arriving.add(incoming)
            if conn.parser is not None:  # kept alive: bytes read ahead start this request
                incoming.data += conn.parser.unreader.take_buffered()
        if not self._receive(conn, incoming, settings.max_body_bytes):
            return False
        if not complete(incoming, settings.max_body_bytes):
            if time.monotonic() - incoming.started > settings.read_timeout:
                detail = f"The request was not received within {settings.read_timeout:g} s."
                self._refuse(conn, 408, "Request Timeout", "request-timeout", detail)
                return False
            held = sum(len(other.data) for other in self._arriving)
            if held > BUFFERED_BODIES * settings.max_body_bytes:
                detail = "Too many requests are being uploaded at once; try again shortly."
                self._refuse(conn, 503, "Service Unavailable", "overloaded", detail)
                return False
            self._continue(conn, incoming)
            return gthread._DEFER
        conn.incoming = None  # and so out of ``_arriving``
        conn.data_ready = True
        conn.init()
        data = bytes(incoming.data)
        if incoming.continued:  # answered already: gunicorn must not send a second 100
            head = _EXPECT.sub(b"", data[: incoming.head_end + 2])
            data = head + data[incoming.head_end + 2 :]
        conn.parser.unreader.unread(data)
        return super().handle(conn)

    @staticmethod
    def _receive(conn, incoming: _Incoming, max_body: int) -> bool:
        """Take what has arrived, without waiting; False if the client is gone."""
        conn.sock.setblocking(False)
        while not complete(incoming, max_body):
            try:
                chunk = conn.sock.recv(_RECV_BYTES)
            except (BlockingIOError, InterruptedError):
                return True
            except OSError:
                return False
            if not chunk:
                return False
            incoming.data += chunk
        return True

    @classmethod
    def _continue(cls, conn, incoming: _Incoming) -> None:
        """Answer ``Expect: 100-continue`` once the head is in, so the client sends its body."""
        if incoming.continued or incoming.head_end < 0:
            return
        fields = _headers(bytes(incoming.data[: incoming.head_end]))
        if fields.get(b"expect") == b"100-continue":
            incoming.continued = True
            cls._send(conn, b"HTTP/1.1 100 Continue\r\n\r\n")

    def _refuse(self, conn, status: int, reason: str, slug: str, detail: str) -> None:
        conn.incoming = None
        self._send(conn, problem_response(status, reason, slug, CATALOGUE[slug][1], detail))

    @staticmethod
    def _send(conn, data: bytes) -> None:
        conn.sock.setblocking(True)
        conn.sock.settimeout(5)
        try:
            conn.sock.sendall(data)
        except OSError:
            pass
        finally:
            conn.sock.settimeout(None)
            conn.sock.setblocking(False)
