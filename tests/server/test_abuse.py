"""Issue 19's attacks on the real server (gunicorn, loopback only): none of them starves it.

Each test repeats one attack and checks that a normal request is answered meanwhile; the
time a normal request takes during each attack is measured by benchmarks/server_bench.py
(see docs/server.md), not asserted here.
"""

from __future__ import annotations

import http.client
import select
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.server import samples
from tests.server.httpfixture import image_server
from tests.server.processes import ROOT, running_servers, serve_command

pytestmark = pytest.mark.slow
GUARDED = (
    "--threads", "8", "--read-timeout", "3", "--fetch-timeout", "1",
    "--fetch-allow", "127.0.0.0/8", "--max-body-bytes", "1000000",
)  # fmt: skip


@pytest.fixture(scope="module")
def servers(tiny_bundle, tmp_path_factory):
    configs = {"guarded": GUARDED, "stopping": ("--threads", "24")}
    with running_servers(tiny_bundle, tmp_path_factory.mktemp("logs"), **configs) as running:
        yield running


def normal_requests_are_answered(url: str, busy: tuple[int, ...] = ()) -> None:
    """A health check and a prediction, each with a client timeout far under the attack's;
    ``busy``: other statuses the prediction may get (503 while every work slot is held)."""
    assert requests.get(f"{url}/healthz", timeout=5).ok
    scored = requests.post(
        f"{url}/v1/predict", data=samples.png(), headers={"Content-Type": "image/png"}, timeout=10
    )
    assert scored.status_code in (200, *busy), scored.text


def test_slowloris_holds_no_thread(servers):
    """Item 2: 30 connections that send a request a byte every 0.5 s (8 threads)."""
    url = servers["guarded"].url
    port = int(url.rsplit(":", 1)[1])
    stop = threading.Event()
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(30)]
    head = b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"

    def drip(sock: socket.socket) -> None:
        for byte in head + b"x" * 1000:
            if stop.wait(0.5):
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:  # answered and closed: the read deadline at work
                return

    drippers = [threading.Thread(target=drip, args=(s,), daemon=True) for s in sockets]
    for thread in drippers:
        thread.start()
    try:
        time.sleep(1.5)  # every dripping connection has started its request
        normal_requests_are_answered(url)
        # The read deadline (3 s) ends the slow requests with a 408.
        select.select(sockets, [], [], 10)
        time.sleep(3)  # the others' next bytes come within 0.5 s
        ready, _, _ = select.select(sockets, [], [], 0)
        answers = [sock.recv(4096)[:12] for sock in ready]
        assert answers == [b"HTTP/1.1 408"] * 30, answers
        normal_requests_are_answered(url)  # the 30 closes linger off the event loop
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


def test_bytes_held_for_arriving_requests_are_bounded(servers):
    """Eight bodies' worth (8 MB here) at most: a crowd of big slow uploads gets 503s."""
    port = int(servers["guarded"].url.rsplit(":", 1)[1])
    head = b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n"
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(12)]
    try:
        for sock in sockets:
            sock.sendall(head + b"\x00" * 990_000)  # all but the last 10 KB
            time.sleep(0.1)
        time.sleep(1)
        ready, _, _ = select.select(sockets, [], [], 5)
        answers = [sock.recv(4096) for sock in ready]
        assert answers and all(a.startswith(b"HTTP/1.1 503") for a in answers), answers
        assert len(answers) <= 12 - 8
        normal_requests_are_answered(servers["guarded"].url)
    finally:
        for sock in sockets:
            sock.close()


def test_expect_100_continue_is_answered_once(servers):
    """Clients (curl past 1 MB) wait for 100 Continue before the body: it must come first."""
    port = int(servers["guarded"].url.rsplit(":", 1)[1])
    body = samples.png()
    head = (
        "POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
        f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head.encode())
        assert sock.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b"100 Continue" not in answer


def test_slow_drip_urls_hold_no_thread_past_the_deadline(servers):
    """Item 1: 16 URLs whose hosts drip a byte every 0.1 s, with --fetch-timeout 1."""
    url = servers["guarded"].url
    with image_server("127.0.0.2") as host, ThreadPoolExecutor(16) as pool:
        targets = [f"{host}/drip-body", f"{host}/drip-headers"] * 8
        slow = [
            pool.submit(requests.post, f"{url}/v1/predict", json={"url": t}, timeout=20)
            for t in targets
        ]
        time.sleep(0.3)
        normal_requests_are_answered(url, busy=(503,))  # at once: 200, or 503 if no slot
        statuses = {future.result().status_code for future in slow}
    assert statuses <= {400, 503}  # fetch-failed (too slow), or overloaded (no free slot)
    normal_requests_are_answered(url)  # the deadline freed every slot


def test_chunked_body_over_the_limit_is_refused(servers):
    """Item 4: the same size with Content-Length got 413; chunked got 200."""
    url = servers["guarded"].url
    image = samples.png()

    def chunks():
        yield image
        for _ in range(20):
            yield b"\x00" * 100_000

    response = requests.post(
        f"{url}/v1/predict", data=chunks(), headers={"Content-Type": "image/png"}, timeout=20
    )
    assert response.status_code == 413, response.text
    assert response.json()["type"].endswith(":body-too-large")
    ok = requests.post(
        f"{url}/v1/predict", data=iter([image]), headers={"Content-Type": "image/png"}, timeout=20
    )
    assert ok.status_code == 200


def test_public_address_without_keys_and_rate_limit_is_refused(tiny_bundle):
    """Item 8: --host 0.0.0.0 with the defaults used to start silently."""
    done = subprocess.run(
        serve_command("--model", str(tiny_bundle), "--host", "0.0.0.0", "--port", "1"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "refusing to start" in done.stderr and "--allow-unprotected-public" in done.stderr


def test_sigterm_closes_kept_alive_connections_cleanly(servers):
    """Item 9: 16 keep-alive clients sending back to back see answers, never a reset."""
    running = servers["stopping"]
    port = int(running.url.rsplit(":", 1)[1])
    outcomes: list[str] = []
    started = threading.Barrier(17)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        started.wait()
        try:
            for _ in range(500):
                connection.request(
                    "POST", "/v1/predict", samples.png(), {"Content-Type": "image/png"}
                )
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    outcomes.append(f"status {response.status}")
                    return
                if response.getheader("Connection", "").lower() == "close":
                    outcomes.append("closed cleanly")
                    return
            outcomes.append("never closed")
        except (OSError, http.client.HTTPException) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(16)]
    for thread in threads:
        thread.start()
    started.wait()
    time.sleep(1.0)
    running.process.send_signal(signal.SIGTERM)
    for thread in threads:
        thread.join(40)
    assert running.process.wait(40) == 0
    assert outcomes == ["closed cleanly"] * 16, outcomes
