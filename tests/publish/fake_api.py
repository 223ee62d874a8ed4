"""The server base every fake code host shares, plus helpers for the publish tests.

:class:`FakeApi` records every call, answers faults queued per method + path pattern (any
status and headers, "apply then fail", delays for client timeouts), and an optional barrier
in list calls to force two runs to race. :func:`no_waiting` makes retries instant;
:func:`ci_inputs` and :func:`clear_ci_env` serve the ``costgate ci`` tests of every platform.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest

from costgate.model.estimate import (
    Counts,
    Estimate,
    EstimateMetadata,
    PriceSnapshot,
    ResourceCostChange,
    ResourceStatus,
)
from costgate.model.resource import Action

_T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)
Answer = tuple[int, Any, dict[str, str]]
_CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "TF_BUILD", "BITBUCKET_", "SYSTEM_", "BUILD_",
                "COSTGATE_", "RUNNER_")


def ci_inputs(root: Path) -> dict[str, str]:
    """A saved estimate of ``examples/plan.json`` (+$29.20/mo) and a passing and a failing
    policy around it: ``costgate ci --plan`` then skips pricing, so CI tests stay fast."""
    from shared_data import REPO

    from costgate import cli

    est = root / "estimate.json"
    assert cli.main(["diff", "--plan", str(REPO / "examples" / "plan.json"), "--format", "json",
                     "--out", str(est)]) == 0
    files = {"estimate": str(est)}
    for name, limit in (("pass", 500), ("fail", 10)):
        path = root / f"{name}.yml"
        path.write_text("version: 1\ncurrency: USD\nrules:\n  - id: monthly-increase\n"
                        f"    max_monthly_increase: {limit}\n    severity: fail\n")
        files[name] = str(path)
    return files


def priced_estimate(costs: dict[str, str], *, source: str = "plan", snapshot: str = "t",
                    region: str | None = None) -> Estimate:
    """A saved estimate of created, priced ``aws_instance`` rows (address -> monthly cost)."""
    rows = tuple(
        ResourceCostChange(address=addr, type="aws_instance", provider="aws", region=region,
                           action=Action.CREATE, status=ResourceStatus.PRICED,
                           monthly_cost_before=Decimal(0), monthly_cost_after=Decimal(cost),
                           monthly_delta=Decimal(cost))
        for addr, cost in costs.items())
    total = sum((Decimal(c) for c in costs.values()), Decimal(0))
    return Estimate(price_snapshot=PriceSnapshot(id=snapshot),
                    total_monthly_cost_before=Decimal(0), total_monthly_cost_after=total,
                    total_monthly_delta=total, counts=Counts(priced=len(rows)), resources=rows,
                    metadata=EstimateMetadata(source=source))


def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make retries and mutation pacing instant; returns the list of sleeps asked for."""
    from costgate.publish import base, http

    slept: list[float] = []
    monkeypatch.setattr(http, "MUTATION_INTERVAL", 0.0)
    monkeypatch.setattr(http, "_default_sleep", slept.append)
    monkeypatch.setattr(base, "_default_sleep", slept.append)
    return slept


def clear_ci_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the real CI's variables (tests may run inside one) and make retries instant."""
    no_waiting(monkeypatch)
    for key in list(os.environ):
        if key.startswith(_CI_PREFIXES) and key != "COSTGATE_CACHE_DIR":
            monkeypatch.delenv(key)


@dataclass
class Fault:
    method: str
    pattern: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # FakeApi.fail fills in the platform's default
    apply: bool = False  # perform the request's effect, then answer with the fault
    delay: float = 0.0  # sleep before answering (client timeouts); after the effect if apply
    count: int = 1


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message  # case-insensitive lookups, as on the wire
    body: Any

    @property
    def auth(self) -> str:
        return str(self.headers.get("Authorization", ""))


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and hung up is expected in the timeout tests."""


class FakeApi:
    """Server plumbing; subclasses implement :meth:`user_for` and :meth:`route`."""

    fault_message = "500 Internal Server Error"  # the default body of a queued fault
    time_format = "%Y-%m-%dT%H:%M:%S.000Z"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.list_barrier: threading.Barrier | None = None
        self.lock = threading.RLock()
        self._ids = 1000
        self._tick = 0
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def fail(self, method: str, pattern: str, **kw: Any) -> None:
        kw.setdefault("body", {"message": self.fault_message})
        self.faults.append(Fault(method, pattern, **kw))

    def mutations(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "PUT", "PATCH", "DELETE")]

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def now(self) -> str:
        self._tick += 1
        return (_T0 + timedelta(seconds=self._tick)).strftime(self.time_format)

    def wait_barrier(self) -> None:
        if self.list_barrier is not None:
            try:
                self.list_barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass

    # subclasses
    def user_for(self, headers: dict[str, str], path: str) -> Any:
        raise NotImplementedError

    def unauthorized(self, headers: dict[str, str]) -> Answer:
        return 401, {"message": "401 Unauthorized"}, {}

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any,
              user: Any) -> Answer:
        raise NotImplementedError


def _handler(fake: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, data: Any, headers: dict[str, str]) -> None:
            raw = b"" if data is None else json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                self.close_connection = True

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            query = parse_qs(parts.query)
            with fake.lock:
                fake.calls.append(Call(method, parts.path, query, self.headers, body))
                fault = next((f for f in fake.faults if f.method == method and f.count > 0
                              and re.search(f.pattern, parts.path)), None)
                if fault is not None:
                    fault.count -= 1
            if fault is not None and not fault.apply:
                time.sleep(fault.delay)
                self._send(fault.status, fault.body, fault.headers)
                return
            user = fake.user_for(headers, parts.path)
            answer = fake.unauthorized(headers) if user is None else fake.route(
                method, parts.path, query, body, user)
            if fault is not None:  # applied; the client sees the fault, after any delay
                time.sleep(fault.delay)
                answer = (fault.status, fault.body, fault.headers)
            self._send(*answer)

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._handle("POST")

        def do_PUT(self) -> None:  # noqa: N802
            self._handle("PUT")

        def do_PATCH(self) -> None:  # noqa: N802
            self._handle("PATCH")

        def do_DELETE(self) -> None:  # noqa: N802
            self._handle("DELETE")

    return Handler
