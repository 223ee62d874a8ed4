"""Shared test fixtures."""

from __future__ import annotations

import os
import socket

import pytest
from shared_data import REPO, SHARED, shared_path  # noqa: F401  (re-exported)


def pytest_addoption(parser: pytest.Parser) -> None:
    """One ``--update-golden`` flag for every golden-file test (resources, engine, reports)."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files instead of comparing (review the diff before committing)",
    )


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse any socket connection that is not to loopback: no test touches the internet."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise OSError(f"test tried to reach the network: {host}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point costgate's user cache at one temp dir for the session: tests never write to ~.

    Session-scoped so the price index is built once; tests needing an empty cache set
    ``COSTGATE_CACHE_DIR`` themselves with monkeypatch.
    """
    os.environ["COSTGATE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
