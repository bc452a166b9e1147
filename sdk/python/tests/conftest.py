"""Fixtures: one real Certus-Trust server for the whole session.

The server is ``node bin/certus-trust.js serve --port 0`` from the repository this SDK lives in,
on a fresh data directory; its "listening" log line gives the URL. Set CERTUS_TRUST_URL to test
against a server that is already running instead.

While the service is being built, some RPCs answer ``unimplemented``. With
CERTUS_TRUST_SDK_ALLOW_PENDING=1 a test that meets one is skipped (saying so); without it, it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import functools
import inspect
import threading
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import pytest

from certus_trust import Code, TrustError

REPO = Path(os.environ.get("CERTUS_TRUST_REPO", Path(__file__).resolve().parents[3]))
ALLOW_PENDING = os.environ.get("CERTUS_TRUST_SDK_ALLOW_PENDING") == "1"
START_TIMEOUT_S = 60


def skip_if_pending(err: TrustError) -> None:
    """Skips the test when the server does not implement the RPC yet and that is allowed."""
    if err.code == Code.UNIMPLEMENTED and ALLOW_PENDING:
        pytest.skip(f"server answered unimplemented ({err.message}); CERTUS_TRUST_SDK_ALLOW_PENDING=1")


F = TypeVar("F", bound=Callable[..., Any])


def pending_ok(test: F) -> F:
    """Decorates a test whose RPCs may still be pending: an ``unimplemented`` TrustError from
    anywhere in it becomes a skip when CERTUS_TRUST_SDK_ALLOW_PENDING=1 (else it fails)."""
    if inspect.iscoroutinefunction(test):

        @functools.wraps(test)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await test(*args, **kwargs)
            except TrustError as e:
                skip_if_pending(e)
                raise

        return run_async  # type: ignore[return-value]

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return test(*args, **kwargs)
        except TrustError as e:
            skip_if_pending(e)
            raise

    return run  # type: ignore[return-value]


def _node() -> str:
    pinned = REPO / "node_modules" / ".bin" / "node"
    return str(pinned) if pinned.exists() else (shutil.which("node") or "node")


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    if os.environ.get("CERTUS_TRUST_URL"):
        yield os.environ["CERTUS_TRUST_URL"].rstrip("/")
        return
    data_dir = tempfile.mkdtemp(prefix="certus-sdk-py-")
    proc = subprocess.Popen(
        [_node(), str(REPO / "bin" / "certus-trust.js"), "serve", "--port", "0", "--data-dir", data_dir, "--log-level", "info"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url: list[str] = []
    ready = threading.Event()
    log: list[str] = []

    def pump() -> None:
        # Keeps draining the server's output so it never blocks on a full pipe.
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "certus-trust listening" and "url" in entry:
                url.append(entry["url"])
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        if not ready.wait(START_TIMEOUT_S) or not url:
            raise RuntimeError("certus-trust did not start:\n" + "".join(log[-40:]))
        yield url[0]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
