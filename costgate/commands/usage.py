"""``costgate usage init``: write a commented usage-file template for a plan."""

from __future__ import annotations

import argparse
from pathlib import Path

from costgate.commands import _backends as backends
from costgate.commands.estimate import add_input_options, region_map, write_output
from costgate.errors import InputError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``usage init``."""
    group = sub.add_parser("usage", help="usage files (values a plan cannot know)")
    usage_sub = group.add_subparsers(dest="usage_command", metavar="COMMAND")
    p = usage_sub.add_parser(
        "init", help="write a commented template with every usage key the plan's resources read"
    )
    add_input_options(p)
    p.add_argument("--out", default="costgate-usage.yml", metavar="FILE",
                   help="where to write (default costgate-usage.yml; - for stdout)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace) -> int:
    """Handler for ``costgate usage init``."""
    from costgate.parse.usage import usage_template

    if args.out != "-" and Path(args.out).exists() and not args.force:
        raise InputError(f"{args.out} already exists; use --force to overwrite it")
    parsed = backends.load_input(
        args.plan,
        default_regions=region_map(args.default_region, "DEFAULT"),
        region_override=region_map(args.region_override, "OVERRIDE"),
    )
    pairs = [(c.address, c.type) for c in parsed.changes if c.after is not None]
    write_output(usage_template(pairs, backends.registry()), args.out)
    return 0
