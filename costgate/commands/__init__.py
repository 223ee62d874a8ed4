"""Command groups, in the order ``costgate --help`` lists them (an explicit registry).

Each group is a module with ``register(subparsers)``. The registry names modules instead of
importing them: ``costgate breakdown`` imports only :mod:`costgate.commands.estimate` (see
:func:`costgate.cli.build_parser`), which keeps a 10-resource run well under half a second.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

#: (module in ``costgate.commands``, the top-level commands it registers).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("estimate", ("breakdown", "diff")),
    ("usage", ("usage",)),
    ("pricing", ("pricing",)),
    ("ci", ("ci", "comment")),
)


def group_of(command: str) -> str | None:
    """The module that registers ``command`` (None for an unknown name)."""
    return next((module for module, names in GROUPS if command in names), None)


def load_register(module: str) -> Register:
    """Import one group's module and return its ``register``."""
    register: Register = importlib.import_module(f"costgate.commands.{module}").register
    return register
