"""``colloquy intake bench``: submissions/s and latency of a real server."""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
import http.client
import json
from pathlib import Path
import sys
import tempfile
import time

from plugins.intake.manifest import VERSION
from plugins.intake.process import IntakeProcess

SITE = "https://bench.example"


@dataclass(frozen=True, slots=True)
class Result:
    """What one benchmark run measured."""

    clients: int
    accepted: int
    failed: int
    seconds: float
    latencies: tuple[float, ...]  # seconds, sorted

    def percentile(self, share: float) -> float:
        """Return the latency below which ``share`` of the requests finished."""
        if not self.latencies:
            return 0.0
        index = min(len(self.latencies) - 1, int(share * len(self.latencies)))
        return self.latencies[index]

    def report(self) -> str:
        """Return the result as a few readable lines."""
        rate = self.accepted / self.seconds if self.seconds else 0.0
        ms = 1000
        return (
            f"clients: {self.clients}  accepted: {self.accepted}"
            f"  failed: {self.failed}  wall: {self.seconds:.2f} s\n"
            f"throughput: {rate:.0f} submissions/s\n"
            f"latency: p50 {self.percentile(0.5) * ms:.1f} ms"
            f"  p99 {self.percentile(0.99) * ms:.1f} ms"
            f"  max {self.latencies[-1] * ms if self.latencies else 0:.1f} ms\n"
        )


def _client(port: int, client: int, count: int) -> tuple[list[float], int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times, failed = [], 0
    headers = {"Content-Type": "application/json", "Origin": SITE}
    conn.request("GET", "/perspectives/token?post=bench", headers={"Origin": SITE})
    token = json.loads(conn.getresponse().read())["token"]
    for n in range(count):
        body = json.dumps(
            {"post": "bench", "name": f"Reader {client}", "email": "r@example.org",
             "text": f"Perspective {n} from reader {client}. " * 8, "token": token}
        )  # fmt: skip
        start = time.perf_counter()
        conn.request("POST", "/perspectives", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - start)
        failed += response.status != 201  # noqa: PLR2004
    conn.close()
    return times, failed


def run(clients: int, submissions: int, threads: int, workdir: Path) -> Result:
    """Start a server on ``workdir``, load it, stop it, and return the numbers."""
    manifest = workdir / "manifest.json"
    post = {"title": "Bench", "path": "bench/", "url": f"{SITE}/bench/"}
    manifest.write_text(
        json.dumps({"version": VERSION, "site_url": SITE, "posts": {"bench": post}}),
        encoding="utf-8",
    )
    server = IntakeProcess(
        queue=workdir / "queue",
        manifest=manifest,
        site_url=SITE,
        log=workdir / "intake.log",
        flags=("--min-seconds", "0", "--rate-limit", "0", "--threads", str(threads)),
    ).start()
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            results = list(
                pool.map(lambda c: _client(server.port, c, submissions), range(clients))
            )
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    latencies = tuple(sorted(t for times, _ in results for t in times))
    failed = sum(f for _, f in results)
    return Result(clients, len(latencies) - failed, failed, seconds, latencies)


def add_bench_command(verbs: argparse._SubParsersAction) -> None:
    """Add ``intake bench``."""
    bench = verbs.add_parser(
        "bench",
        help="measure submissions/s and latency of a real server on 127.0.0.1",
        description="Start `colloquy intake serve` on a scratch queue, send it "
        "CLIENTS concurrent keep-alive clients of SUBMISSIONS each, and report "
        "throughput and latency percentiles.",
    )
    bench.add_argument("--clients", type=int, default=50, help="default: %(default)s")
    bench.add_argument(
        "--submissions", type=int, default=20, help="per client; default: %(default)s"
    )
    bench.add_argument(
        "--threads", type=int, default=8, help="server threads; default: %(default)s"
    )
    bench.add_argument(
        "--workdir",
        type=Path,
        help="where the scratch queue goes (its disk decides the fsync cost);"
        " default: the system's temporary folder",
    )
    bench.set_defaults(handler=bench_command)


def bench_command(args: argparse.Namespace) -> int:
    """Run the benchmark and print its report."""
    with tempfile.TemporaryDirectory(
        prefix="colloquy-bench-", dir=args.workdir
    ) as scratch:
        result = run(args.clients, args.submissions, args.threads, Path(scratch))
    sys.stdout.write(result.report())
    return 1 if result.failed else 0
