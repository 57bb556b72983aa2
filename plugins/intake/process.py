"""Run ``colloquy intake serve`` as a child process: for the benchmark and tests."""

from __future__ import annotations

import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import time

_LISTENING = re.compile(r"serving on http://([\d.]+):(\d+)/")


class IntakeProcess:
    """A real intake server in a subprocess, on a free port of 127.0.0.1."""

    def __init__(
        self, *, queue: Path, manifest: Path, site_url: str, log: Path, flags=()
    ) -> None:
        self.queue, self.manifest, self.site_url, self.log = (
            queue,
            manifest,
            site_url,
            log,
        )
        self.flags = tuple(flags)
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, attempts: int = 400) -> IntakeProcess:
        """Start the server and wait (a bounded number of polls) until it listens."""
        command = [
            sys.executable, "-m", "plugins.cli", "intake", "serve",
            "--queue", str(self.queue), "--manifest", str(self.manifest),
            "--site-url", self.site_url, "--host", "127.0.0.1", "--port", "0",
            *self.flags,
        ]  # fmt: skip
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": str(root)}
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=root, env=env, stdout=log, stderr=log
            )
        for _ in range(attempts):
            with self.log.open("rb") as log:
                log.seek(offset)
                found = _LISTENING.search(log.read().decode("utf-8", "replace"))
            if found:
                self.port = int(found[2])
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.kill()
        tail = self.log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"intake server did not start:\n{tail}")

    def stop(self, *, timeout: float = 60) -> int:
        """Send SIGTERM and wait for a clean exit; return the exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
