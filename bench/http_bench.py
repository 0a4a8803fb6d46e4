"""HTTP throughput and latency of TICHub under its production server setup (WSGI under granian).

Run alone with `python bench/http_bench.py [--quick]`, or through `bench/run.py`.

What it does, all in a temporary directory that is removed at the end:

1. a throwaway SQLite database with the production settings: `tichub migrate`, then bench/http_seed.py seeds one
   institution with an admin member, some 80 audit events (through the services) and a read-scope API token;
2. granian serves `tichub.config.wsgi:application` (2 workers, 2 blocking threads each) and the load generator
   hits `/healthz` and the authenticated `GET /api/v1/audit-events?page_size=50` (50 rows), runs interleaved;
3. the same granian command serves bench/hello_wsgi.py, a bare WSGI app with healthz's body, under the same load;
4. a table of medians: req/s, p50 and p99 latency, and req/s as a ratio to the hello-world.

The load generator is wrk (installed with apt-get when missing and we are root); without it, a Python load
generator (http.client, processes × threads, keep-alive) stands in and the output says so. On a small machine the
load generator shares the CPU with the server: compare the rows with each other, not with other machines.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from benchlib import fmt_ms, fmt_rate, machine, median, stage, table  # noqa: E402

BIN = Path(sys.executable).parent  # the virtualenv's bin: granian and tichub live next to its python
API_PATH = "/api/v1/audit-events?page_size=50"
API_ROWS = 50
WORKERS, BLOCKING_THREADS = 2, 2
THREADS, CONNECTIONS = 2, 16


# --- load generation --------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int = 0  # socket errors, timeouts and non-2xx/3xx answers
    detail: str = ""


@dataclass
class Target:
    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    results: list[LoadResult] = field(default_factory=list)
    # A file of paths, one a line: each request then takes one of them at random (`path` is only checked first).
    paths_file: str = ""


_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """Read req/s, the 50 % and 99 % latencies and the error counts from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise ValueError(f"could not read wrk's output:\n{output}")
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    return LoadResult(float(rps.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), int(total.group(1)), errors)


WRK_PATHS_SCRIPT = """-- each request: one path of %(file)s at random (written by bench/http_bench.py)
local paths, threads = {}, 0
function setup(thread) threads = threads + 1; thread:set("number", threads) end
function init(args)
  for line in io.lines(%(file)s) do if #line > 0 then paths[#paths + 1] = line end end
  math.randomseed(os.time() * 100 + number)
end
function request() return wrk.format(nil, paths[math.random(#paths)]) end
"""


def wrk_paths_script(paths_file: str) -> str:
    """A wrk Lua script (written next to `paths_file`) that sends each request to one of its paths at random."""
    script = Path(paths_file).with_suffix(".lua")
    script.write_text(WRK_PATHS_SCRIPT % {"file": json.dumps(str(paths_file))}, encoding="utf-8")
    return str(script)


def run_wrk(wrk: str, url: str, headers: dict[str, str], seconds: float, paths_file: str = "") -> LoadResult:
    cmd = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if paths_file:
        cmd += ["-s", wrk_paths_script(paths_file)]
    done = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def _python_load_worker(
    host: str, port: int, path: str, headers: dict[str, str], threads: int, seconds: float, paths_file: str = ""
):
    """One load process: `threads` keep-alive connections, each sending requests back to back until the end
    (each to a path of `paths_file` at random when one is given)."""
    paths = [line for line in Path(paths_file).read_text().splitlines() if line] if paths_file else [path]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    start_at = time.perf_counter() + 0.2  # all threads start together
    stop_at = start_at + seconds

    def loop(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=5)
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        while (began := time.perf_counter()) < stop_at:
            try:
                conn.request("GET", random.choice(paths), headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[i] += 1
                latencies[i].append(time.perf_counter() - began)
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=5)
        conn.close()

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return [x for per_thread in latencies for x in per_thread], sum(errors)


def run_python_load(
    host: str, port: int, path: str, headers: dict[str, str], seconds: float, paths_file: str = ""
) -> LoadResult:
    """The stand-in for wrk: THREADS processes (so the GIL is not the bottleneck) sharing CONNECTIONS threads."""
    per_process = CONNECTIONS // THREADS
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(THREADS, mp_context=context) as pool:
        futures = [
            pool.submit(_python_load_worker, host, port, path, headers, per_process, seconds, paths_file)
            for _ in range(THREADS)
        ]
        parts = [future.result(timeout=seconds + 60) for future in futures]
    latencies = sorted(x for lat, _ in parts for x in lat)
    errors = sum(err for _, err in parts)
    if not latencies:
        return LoadResult(0.0, float("nan"), float("nan"), 0, errors)

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return LoadResult(len(latencies) / seconds, pct(0.50), pct(0.99), len(latencies), errors)


def find_wrk(allow_install: bool) -> str | None:
    """wrk from PATH; when missing and we are root, from Debian's archive (apt-get)."""
    found = shutil.which("wrk")
    if found or not allow_install or os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("wrk is missing: installing the Debian package (apt-get install -y wrk) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)
    return shutil.which("wrk")


# --- the throwaway site -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def production_env(tmp: Path) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tichub.config.settings.prod",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(60)),
        "TICHUB_SIGNING_SECRET": secrets.token_urlsafe(36),  # prod settings refuse to start without one
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "TICHUB_VAR_DIR": str(tmp),
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("REDIS_URL", None)  # one machine, no shared cache needed: the settings' local-memory cache
    return env


def run_checked(cmd: Sequence[str], env: dict[str, str], what: str, timeout: float = 300) -> str:
    done = subprocess.run(
        list(cmd), env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_database(env: dict[str, str]) -> dict[str, object]:
    run_checked([str(BIN / "tichub"), "migrate", "--no-input", "-v", "0"], env, "tichub migrate")
    out = run_checked([sys.executable, str(BENCH_DIR / "http_seed.py")], {**env, "BENCH_SEED": "1"}, "seeding")
    return json.loads(out.strip().splitlines()[-1])


@contextlib.contextmanager
def granian(app: str, env: dict[str, str], log: Path, working_dir: Path | None = None) -> Iterator[int]:
    """Serve `app` with the production granian command on a free port; always stopped on the way out."""
    port = free_port()
    cmd = [str(BIN / "granian"), "--interface", "wsgi", "--workers", str(WORKERS)]
    cmd += ["--blocking-threads", str(BLOCKING_THREADS), "--host", "127.0.0.1", "--port", str(port)]
    if working_dir is not None:
        cmd += ["--working-dir", str(working_dir)]
    with log.open("wb") as log_file:
        # A session of its own: on the way out the whole group (granian and its workers) is ours to stop.
        server = subprocess.Popen(
            [*cmd, app], env=env, cwd=PROJECT_DIR, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_up(server, port, log)
            yield port
        finally:
            stop(server)


def wait_until_up(server: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"granian exited ({server.returncode}) before answering:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _ = fetch(port, "/healthz")
            if status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"granian did not answer /healthz within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to granian (it stops its workers and exits); SIGKILL to its process group if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
    # Workers left behind by a crashed master are still in the group granian's session started.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)


def fetch(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def check_api(port: int, headers: dict[str, str]) -> None:
    """The authenticated list must really answer 200 with 50 rows, or the figures mean nothing."""
    status, body = fetch(port, API_PATH, headers)
    if status != 200:
        raise RuntimeError(f"GET {API_PATH} answered {status}: {body[:500]!r}")
    rows = len(json.loads(body)["items"])
    if rows != API_ROWS:
        raise RuntimeError(f"GET {API_PATH} returned {rows} rows, expected {API_ROWS}")


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    runs: int
    seconds: float
    warmup: float
    loadgen: str  # "wrk" or "python"
    wrk: str | None = None


def measure(plan: Plan, port: int, targets: Sequence[Target], bar) -> None:
    """A warm-up per target, then `plan.runs` rounds with the targets interleaved (drift hits all of them alike)."""

    def once(target: Target, seconds: float) -> LoadResult:
        if plan.loadgen == "wrk":
            assert plan.wrk is not None
            url = f"http://127.0.0.1:{port}{target.path}"
            return run_wrk(plan.wrk, url, target.headers, seconds, target.paths_file)
        return run_python_load("127.0.0.1", port, target.path, target.headers, seconds, target.paths_file)

    for target in targets:
        bar.set_postfix_str(f"{target.label} warm-up")
        once(target, plan.warmup)
        bar.update(1)
    for run in range(plan.runs):
        for target in targets:
            bar.set_postfix_str(f"{target.label} run {run + 1}/{plan.runs}")
            result = once(target, plan.seconds)
            target.results.append(result)
            bar.update(1)
            if result.errors:
                bar.write(f"  ! {target.label} run {run + 1}: {result.errors} errors of {result.requests} requests")


def report(targets: Sequence[Target], hello: Target) -> str:
    hello_rps = median([r.rps for r in hello.results])
    rows = []
    for target in targets:
        rps = median([r.rps for r in target.results])
        rows.append(
            [
                target.label,
                fmt_rate(rps),
                fmt_ms(median([r.p50_ms for r in target.results])),
                fmt_ms(median([r.p99_ms for r in target.results])),
                f"{rps / hello_rps:.3f}" if hello_rps > 0 else "n/a",
                " / ".join(fmt_rate(r.rps) for r in target.results),
                str(sum(r.errors for r in target.results)),
            ]
        )
    return table(
        ["endpoint", "req/s (median)", "p50 ms", "p99 ms", "× hello req/s", "req/s per run", "errors"],
        rows,
        right=[False, True, True, True, True, True, True],
    )


def run(*, quick: bool = False, runs: int = 3, seconds: float | None = None, loadgen: str = "auto") -> str:
    from tqdm import tqdm

    seconds = seconds if seconds is not None else (2.0 if quick else 5.0)
    plan = Plan(runs=runs, seconds=seconds, warmup=1.0 if quick else 2.0, loadgen="python")
    if loadgen in ("auto", "wrk"):
        plan.wrk = find_wrk(allow_install=True)
        if plan.wrk:
            plan.loadgen = "wrk"
        elif loadgen == "wrk":
            raise RuntimeError("wrk is not installed and could not be installed")
    if plan.loadgen == "wrk":
        print(f"load: wrk -t{THREADS} -c{CONNECTIONS} -d{seconds:.0f}s --latency ({plan.wrk})")
    else:
        print(
            f"load: NOTE wrk unavailable, Python load generator instead ({THREADS} processes × "
            f"{CONNECTIONS // THREADS} keep-alive http.client threads, {seconds:.0f} s); it costs far more CPU "
            "per request than wrk, so absolute figures are lower: read the ratios"
        )
    print(
        f"server: granian --interface wsgi --workers {WORKERS} --blocking-threads {BLOCKING_THREADS}; "
        f"{runs} runs per endpoint, interleaved, after a {plan.warmup:.0f} s warm-up; {machine()}",
        flush=True,
    )

    token_header: dict[str, str] = {}
    targets = [Target("/healthz", "/healthz"), Target(f"GET {API_PATH} (bearer)", API_PATH, token_header)]
    hello = Target("hello-world WSGI (bench/hello_wsgi.py)", "/")
    with tempfile.TemporaryDirectory(prefix="tichub-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        env = production_env(tmp)
        print("preparing: migrate a throwaway SQLite database (prod settings) and seed it ...", flush=True)
        seeded = prepare_database(env)
        token_header["Authorization"] = f"Bearer {seeded['token']}"
        print(f"seeded: 1 institution, 1 admin, {seeded['audit_events']} audit events, 1 read token", flush=True)

        total = (len(targets) + 1) * (1 + runs)
        with tqdm(total=total, desc="http", unit="load", leave=False) as bar:
            with granian("tichub.config.wsgi:application", env, tmp / "granian-tichub.log") as port:
                check_api(port, token_header)
                measure(plan, port, targets, bar)
            hello_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
            with granian("hello_wsgi:app", hello_env, tmp / "granian-hello.log", working_dir=BENCH_DIR) as port:
                measure(plan, port, [hello], bar)
    return report([*targets, hello], hello)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s runs and 1 s warm-ups instead of 5 s and 2 s")
    parser.add_argument("--runs", type=int, default=3, help="runs per endpoint (default 3; medians are reported)")
    parser.add_argument("--seconds", type=float, help="seconds per run (default 5, quick 2)")
    parser.add_argument(
        "--loadgen", choices=("auto", "wrk", "python"), default="auto", help="auto: wrk if it can be had"
    )
    args = parser.parse_args(argv)
    stage("HTTP: granian (WSGI) serving TICHub with production settings vs a bare WSGI hello-world")
    with terminate_as_exit():
        print(run(quick=args.quick, runs=args.runs, seconds=args.seconds, loadgen=args.loadgen), flush=True)
    return 0


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM/SIGHUP unwind like Ctrl-C, so that servers are stopped and temporary files removed."""

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


if __name__ == "__main__":
    sys.exit(main())
