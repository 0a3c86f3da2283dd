"""Benchmark the server against the raw SavedModel, and under attack (not a test).

Starts the server (gunicorn, one worker) on 127.0.0.1; for each concurrency, alternates rounds
of the raw SavedModel throughput in this process (``predict_bytes`` on batches of the same JPEG,
the best of batch sizes 1, 2, 4, ... up to the server's max batch) with rounds of load on the
server from this process over loopback (the ratio of each pair, and their median and spread,
all from one run); finally sends many requests to see whether the worker's memory stays flat.

With ``--attacks``, repeats issue 19's attacks instead (slowloris, URLs whose hosts drip a byte
at a time, a multipart of pixel-heavy PNGs) and times a normal request (a health check and
a prediction of a small PNG) before and during each one. ``--server URL`` measures a server
started elsewhere (e.g. an older version, for the figures before a change).

    python benchmarks/server_bench.py --model models/default
    python benchmarks/server_bench.py --attacks
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def test_image(size: tuple[int, int]) -> bytes:
    """A photo-like JPEG: smooth colour with grain."""
    w, h = size
    rng = np.random.default_rng(0)
    x, y = np.meshgrid(np.linspace(0, 1, w), np.linspace(0, 1, h))
    base = np.stack([x, y, (x + y) / 2], axis=-1) * 200
    pixels = np.clip(base + rng.normal(0, 12, (h, w, 3)), 0, 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=88)
    return out.getvalue()


def best_raw_throughput(bundle, image: bytes, max_batch: int, seconds: float) -> float:
    """The best ``raw_throughput`` over batch sizes 1, 2, 4, ... up to ``max_batch``."""
    sizes = [2**k for k in range(max_batch.bit_length()) if 2**k <= max_batch]
    return max(raw_throughput(bundle, image, size, seconds / len(sizes)) for size in sizes)


def raw_throughput(bundle, image: bytes, batch: int, seconds: float) -> float:
    """Images per second of ``predict_bytes`` on batches of ``batch``, in this process."""
    images = [image] * batch
    bundle.predict_bytes(images)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        bundle.predict_bytes(images)
        done += batch
    return done / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model_dir: Path, port: int, extra: list[str]) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "aiorhuman.server",
        "--model",
        str(model_dir),
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command + extra,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.25)
    process.kill()
    sys.exit("the server did not start")


def worker_rss_mib(master: int) -> float:
    """Resident memory of the gunicorn worker (the master's child), in MiB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    status = Path(f"/proc/{children[0]}/status").read_text()
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return kib / 1024


def load(port: int, image: bytes, concurrency: int, total: int) -> tuple[float, list[float]]:
    """Send ``total`` requests from ``concurrency`` keep-alive clients: (images/s, latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))
    headers = {"Content-Type": "image/jpeg"}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while next(counter, None) is not None:
            start = time.perf_counter()
            connection.request("POST", "/v1/predict", body=image, headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {body[:200]!r}")
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total / (time.perf_counter() - start), latencies


def timed_normal_requests(url: str, image: bytes, count: int = 3) -> dict:
    """Seconds of each of ``count`` health checks and predictions ("> 20": gave up)."""
    import requests

    def one(method: str, path: str, **kwargs) -> float | None:
        start = time.perf_counter()
        try:
            requests.request(method, url + path, timeout=20, **kwargs)
        except requests.RequestException:
            return None
        return time.perf_counter() - start

    health, predict = [], []
    for _ in range(count):
        health.append(one("GET", "/healthz"))
        predict.append(
            one("POST", "/v1/predict", data=image, headers={"Content-Type": "image/jpeg"})
        )

    def summary(times: list[float | None]) -> list[float | str]:
        return [round(t, 3) if t is not None else "> 20" for t in times]

    return {"healthz_s": summary(health), "predict_s": summary(predict)}


def slowloris(port: int, stop: threading.Event, connections: int = 100) -> None:
    """Connections that send a request a byte every 2 s."""
    head = b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"

    def drip() -> None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                for byte in head + b"x" * 100_000:
                    sock.sendall(bytes([byte]))
                    if stop.wait(2):
                        return
        except OSError:  # refused, answered or closed by the server
            return

    for _ in range(connections):
        threading.Thread(target=drip, daemon=True).start()


def drip_host(stop: threading.Event) -> str:
    """An HTTP host on 127.0.0.2 whose answers come a byte every 0.5 s."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Drip(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 1000:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if stop.wait(0.5):
                        return
            except OSError:
                return

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.2", 0), Drip)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.2:{httpd.server_address[1]}/image.jpg"


def slow_urls(url: str, stop: threading.Event, count: int = 16) -> None:
    """``count`` URL requests at a time, again and again, to a host that drips."""
    import requests

    target = drip_host(stop)

    def ask() -> None:
        while not stop.is_set():
            with contextlib.suppress(requests.RequestException):
                requests.post(f"{url}/v1/predict", json={"url": target}, timeout=300)

    for _ in range(count):
        threading.Thread(target=ask, daemon=True).start()


def costly_multipart(url: str, stop: threading.Event) -> None:
    """One multipart of 16 solid 6300 x 6300 PNGs (a few MB that decode to 635 MP), repeated."""
    import requests

    out = io.BytesIO()
    Image.new("RGB", (6300, 6300), (200, 30, 60)).save(out, "PNG", optimize=True)
    parts = [("image", (f"{i}.png", out.getvalue(), "image/png")) for i in range(16)]

    def send() -> None:
        while not stop.is_set():
            with contextlib.suppress(requests.RequestException):
                requests.post(f"{url}/v1/predict", files=parts, timeout=300)

    threading.Thread(target=send, daemon=True).start()


def attacks(url: str, image: bytes) -> dict:
    """A normal request's time before and during each attack."""
    port = int(url.rsplit(":", 1)[1])
    launch = {
        "slowloris (100 connections, a byte every 2 s)": lambda stop: slowloris(port, stop),
        "16 URLs whose host drips a byte every 0.5 s": lambda stop: slow_urls(url, stop),
        "multipart of 16 solid 6300 x 6300 PNGs": lambda stop: costly_multipart(url, stop),
    }
    results = {"none": timed_normal_requests(url, image)}
    print(json.dumps({"none": results["none"]}))
    for name, start in launch.items():
        stop, began = threading.Event(), time.monotonic()
        start(stop)
        time.sleep(3)  # the attack is under way
        results[name] = {"after 3 s": timed_normal_requests(url, image)}
        time.sleep(max(began + 33 - time.monotonic(), 0))
        results[name]["after 33 s"] = timed_normal_requests(url, image)  # past the deadlines
        stop.set()
        print(json.dumps({name: results[name]}))
        time.sleep(35)  # what the attack left running ends
    return results


def ratio_summary(served: list[float], raw: list[float]) -> dict:
    """Served over raw throughput, each served round paired with the raw round just before
    it (both saw the same machine): the median ratio and its spread over the rounds."""
    ratios = [s / r for s, r in zip(served, raw, strict=True)]
    return {
        "images_per_s": round(statistics.median(served), 2),
        "raw_images_per_s": round(statistics.median(raw), 2),
        "ratio_to_raw": round(statistics.median(ratios), 3),
        "ratio_spread": [round(min(ratios), 3), round(max(ratios), 3)],
    }


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--image-size", type=int, nargs=2, default=(640, 480))
    parser.add_argument("--concurrency", type=int, nargs="+", default=(1, 4, 16))
    parser.add_argument("--requests", type=int, default=200, help="per round and concurrency")
    parser.add_argument("--rounds", type=int, default=3, help="raw/served rounds per level")
    parser.add_argument("--raw-seconds", type=float, default=12.0, help="per raw round")
    parser.add_argument("--memory-requests", type=int, default=10_000)
    parser.add_argument("--max-batch", type=int, default=8)
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    parser.add_argument("--attacks", action="store_true", help="time requests under attack")
    parser.add_argument("--server", help="with --attacks: a running server's URL")
    args = parser.parse_args()

    image = test_image(tuple(args.image_size))
    if args.attacks and args.server:
        results = attacks(args.server.rstrip("/"), image)
        if args.out:
            args.out.write_text(json.dumps(results, indent=2) + "\n")
        return
    port = free_port()
    server_args = ["--max-batch", str(args.max_batch), "--threads", "32"]
    if args.attacks:  # as audited: 16 threads, a 3 s fetch deadline, a local host to fetch
        server_args = ["--fetch-timeout", "3", "--fetch-allow", "127.0.0.2/32"]
    server = start_server(args.model, port, server_args)
    if args.attacks:
        try:
            results = attacks(f"http://127.0.0.1:{port}", image)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
        if args.out:
            args.out.write_text(json.dumps(results, indent=2) + "\n")
        return
    results: dict = {
        "model": str(args.model),
        "image_bytes": len(image),
        "image_size": list(args.image_size),
        "cpus": os.cpu_count(),
    }
    try:
        load(port, image, 4, 64)  # warm the server up
        from aiorhuman.bundle import load_bundle

        bundle = load_bundle(args.model)
        single = raw_throughput(bundle, image, 1, args.raw_seconds / 2)
        results["raw_batch1_images_per_s"] = round(single, 2)
        print(f"raw SavedModel at batch 1: {single:.1f} img/s")
        results["levels"] = []
        for concurrency in args.concurrency:
            # Raw and served rounds alternate, so that both see the same (maybe shared) machine.
            raws, rates, latencies = [], [], []
            for _ in range(args.rounds):
                raws.append(best_raw_throughput(bundle, image, args.max_batch, args.raw_seconds))
                rate, times = load(port, image, concurrency, args.requests)
                rates.append(rate)
                latencies += times
            level = {
                "concurrency": concurrency,
                **ratio_summary(rates, raws),
                "p50_ms": round(percentile(latencies, 50), 1),
                "p99_ms": round(percentile(latencies, 99), 1),
            }
            results["levels"].append(level)
            print(json.dumps(level))
        if args.memory_requests:
            # RSS after each tenth of the requests; growth is measured from the first tenth on,
            # once the allocator has seen every batch size.
            step = max(args.memory_requests // 10, 1)
            samples = []
            start = time.perf_counter()
            for _ in range(10):
                load(port, image, 16, step)
                samples.append(round(worker_rss_mib(server.pid), 1))
            results["memory"] = {
                "requests": step * 10,
                "rss_mib_every_tenth": samples,
                "growth_percent": round(100 * (samples[-1] - samples[0]) / samples[0], 2),
                "seconds": round(time.perf_counter() - start, 1),
            }
            print(json.dumps(results["memory"]))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
