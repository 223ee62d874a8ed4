"""Command groups, in the order ``costgate --help`` lists them (an explicit registry)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from costgate.commands import ci, estimate, pricing, usage

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

COMMAND_GROUPS: tuple[Register, ...] = (
    estimate.register,
    usage.register,
    pricing.register,
    ci.register,
)
