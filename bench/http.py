"""The HTTP pass: the app under gunicorn (production settings, DEBUG off, sync workers as in
the Dockerfile) driven by wrk, or by a small threaded Python client when wrk is missing
(``apt-get install wrk``)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.measure import Case, _percentile

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = """
wrk.headers[os.getenv("BENCH_HEADER_NAME")] = os.getenv("BENCH_HEADER_VALUE")
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCHJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p95_us\\":%d," ..
    "\\"p99_us\\":%d,\\"max_us\\":%d,\\"errors_status\\":%d,\\"errors_connect\\":%d," ..
    "\\"errors_read\\":%d,\\"errors_timeout\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int):
        self.port = _free_port()
        self.env = {**os.environ, **env}
        self.workers = workers
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the process
            prefix="bench-gunicorn-", suffix=".log", delete=False
        )

    def __enter__(self) -> Gunicorn:
        binary = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(binary),
                "gam.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start within 60 s")

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _get(port: int, case: Case) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", case.path, headers=case.headers())
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wrk(port: int, case: Case, *, connections: int, duration: float) -> dict:
    name, value = next(iter(case.headers().items()))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{case.path}",
            ],
            env={**os.environ, "BENCH_HEADER_NAME": name, "BENCH_HEADER_VALUE": value},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("BENCHJSON "))
    data = json.loads(line.removeprefix("BENCHJSON "))
    seconds = data["duration_us"] / 1e6
    errors = sum(v for k, v in data.items() if k.startswith("errors_"))
    return {
        "requests": data["requests"],
        "median_ms": round(data["p50_us"] / 1000, 1),
        "p95_ms": round(data["p95_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
        "rps": round(data["requests"] / seconds, 1) if seconds else 0,
        "errors": errors,
    }


def _python_client(
    port: int, case: Case, *, connections: int, duration: float, at_least: int = 3
) -> dict:
    """Threads with keep-alive connections (reopened when the server closes them); each
    thread makes at least ``at_least`` requests, however slow they are."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker():
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        while time.monotonic() < deadline or len(mine) + bad < at_least:
            started = time.perf_counter()
            try:
                conn.request("GET", case.path, headers=case.headers())
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    return {
        "requests": len(latencies),
        "median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(_percentile(latencies, 95), 1) if latencies else None,
        "p99_ms": round(_percentile(latencies, 99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "rps": round(len(latencies) / seconds, 1),
        "errors": errors,
    }


def run(
    cases: list[Case],
    *,
    env: dict[str, str],
    workers: int,
    connections: int,
    duration: float,
    client: str = "auto",
) -> dict:
    use_wrk = client == "wrk" or (client == "auto" and shutil.which("wrk") is not None)
    load = _wrk if use_wrk else _python_client
    rows = []
    with Gunicorn(env, workers) as server:
        # Warm every worker: imports, connections, the first request of each kind.
        for case in cases:
            if case.available:
                for _ in range(workers):
                    _get(server.port, case)
        for case in cases:
            row = {"case": case.name, "role": case.role, "kind": case.kind}
            if not case.available:
                rows.append({**row, "skipped": case.note})
                continue
            status, _body = _get(server.port, case)
            if status != 200:
                rows.append({**row, "error": f"HTTP {status}"})
                continue
            row.update(load(server.port, case, connections=connections, duration=duration))
            if row["requests"] < 10 and load is _wrk:
                # Too slow for a meaningful wrk sample: time a few requests one by one.
                row.update(_python_client(server.port, case, connections=1, duration=duration))
                row["note"] = "slow: timed sequentially (1 connection)"
            row["target_ms"] = case.target_ms
            rows.append(row)
            print(
                f"  {case.role:5} {case.name[:70]:70} p50 {row['median_ms']:7.1f}  "
                f"p95 {row['p95_ms']:7.1f} ms  {row['rps']:6.1f} req/s",
                flush=True,
            )
    return {
        "client": "wrk" if use_wrk else "python http.client threads",
        "server": f"gunicorn, {workers} sync workers, production settings (DEBUG off)",
        "connections": connections,
        "duration_s": duration,
        "rows": rows,
    }
