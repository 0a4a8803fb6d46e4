"""The benchmarks still run: tiny science timings, the wrk parser and the hello-world app. No timing is checked."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import hello_wsgi
import http_bench
import science_bench

WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:8000/healthz
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.71ms    6.02ms  61.13ms   93.22%
    Req/Sec     2.41k   301.52     3.05k    71.00%
  Latency Distribution
     50%  812.00us
     75%    2.96ms
     90%    9.14ms
     99%    1.02s
  24011 requests in 5.01s, 7.11MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   4792.55
Transfer/sec:      1.42MB
"""


def test_parse_wrk_reads_rate_percentiles_and_errors():
    result = http_bench.parse_wrk(WRK_OUTPUT)
    assert result.rps == pytest.approx(4792.55)
    assert result.p50_ms == pytest.approx(0.812)
    assert result.p99_ms == pytest.approx(1020.0)
    assert (result.requests, result.errors) == (24011, 7)


def test_parse_wrk_refuses_output_it_cannot_read():
    with pytest.raises(ValueError, match="could not read"):
        http_bench.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_hello_world_is_a_wsgi_app():
    seen = []
    body = b"".join(hello_wsgi.app({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: seen.append(a)))
    assert seen[0][0] == "200 OK"
    assert dict(seen[0][1])["Content-Length"] == str(len(body))


def test_production_env_is_throwaway(tmp_path):
    env = http_bench.production_env(tmp_path)
    assert env["DJANGO_SETTINGS_MODULE"] == "tichub.config.settings.prod"
    assert len(env["SECRET_KEY"]) == 60
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'bench.sqlite3'}"


def test_science_bench_runs_every_function():
    report = science_bench.run(n_values=50, budget=0.01, progress=False)
    for name in ("round_gbt8170", "decide", "single_sampling_plan", "signedqr.decode", "algorithm_a"):
        assert name in report
    assert "200,000/s" in report
