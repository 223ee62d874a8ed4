"""Command-line entry point and the single error boundary.

Each command group lives in ``costgate/commands/<group>.py`` with ``register(subparsers)``;
its handlers return an exit code. :func:`main` registers only the group of the command being
run (all of them for ``--help`` or an unknown command), so a run imports what it uses. Only this module turns exceptions into exit codes:
:class:`costgate.errors.CostgateError` → its code with one line on stderr, anything else →
3 with a one-line "internal error" message (the traceback only with ``COSTGATE_DEBUG=1``).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from costgate import __version__
from costgate.commands import GROUPS, group_of, load_register
from costgate.errors import CostgateError, ExitCode


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad flags already; keep its message to one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(ExitCode.INPUT_ERROR, f"costgate: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command group, or only the group registering ``command``."""
    parser = _Parser(prog="costgate", description="Terraform cost estimates and budget gates.")
    parser.add_argument("--version", action="version", version=f"costgate {__version__}")
    sub: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )
    only = group_of(command) if command else None
    for module, _ in GROUPS:
        if only is None or module == only:
            load_register(module)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run costgate; return the process exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return ExitCode.INPUT_ERROR
    try:
        return int(handler(args))
    except CostgateError as exc:
        print(f"costgate: error: {_one_line(str(exc))}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("costgate: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # the boundary: never a traceback for users
        if os.environ.get("COSTGATE_DEBUG"):
            traceback.print_exc()
        print(
            f"costgate: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
            "(set COSTGATE_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return ExitCode.INTERNAL_ERROR


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
