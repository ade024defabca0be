"""`python -m bot serve` (what `make run` runs) starts on embedded defaults, answers, and
stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_starts_on_defaults_answers_health_and_stops_on_interrupt(tmp_path: Path) -> None:
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("APP_", "DATABASE_", "GRAPH_", "HR_", "BOT_"))
    }
    env |= {
        "BOT_PORT": str(port),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        health: dict[str, object] | None = None
        while health is None and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.load(r)
            except OSError:
                time.sleep(0.2)
        assert health is not None, process.stderr.read() if process.poll() is not None else ""
        assert health["entries"] == 55
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"listening on http://127.0.0.1:{port}/api/messages" in out
    assert "Traceback" not in err
    assert (tmp_path / "bot.sqlite").is_file()
