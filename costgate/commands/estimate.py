"""``costgate breakdown`` and ``costgate diff``: price one plan (or state) and render it.

Both commands compute the same estimate (before and after sides); ``breakdown`` shows what
will run after the change, ``diff`` shows before → after and the delta. Output goes to stdout
or, with ``--out``, to a file written atomically (temp file + ``os.replace``), so an error
never leaves a half-written report behind.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from costgate.commands import _backends as backends
from costgate.commands import gitdiff, report_options
from costgate.errors import InputError
from costgate.fileutil import write_text_atomic
from costgate.parse.hcl_cli import add_hcl_options, load_hcl_from_args
from costgate.report.formats import OutputFormat

if TYPE_CHECKING:
    from costgate.model.estimate import Estimate

PROVIDERS = ("aws", "azure", "google")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``breakdown`` and ``diff``."""
    for name, diff, text in (
        ("breakdown", False, "monthly cost of everything the plan will run"),
        ("diff", True, "monthly cost before and after the plan, and the delta"),
    ):
        p = sub.add_parser(name, help=text, description=f"Show the {text}.")
        add_input_options(p)
        add_hcl_options(p)
        p.add_argument("--usage-file", metavar="FILE", help="usage values (Infracost-shaped YAML)")
        p.add_argument("--format", choices=[f.value for f in OutputFormat], default="table")
        p.add_argument("--out", metavar="FILE", help="write here (atomically) instead of stdout")
        p.add_argument(
            "--currency", metavar="CODE", help="ISO code, e.g. EUR (env COSTGATE_CURRENCY; USD)"
        )
        p.add_argument("--show-skipped", action="store_true",
                       help="list free and unsupported resources one by one")
        report_options.add_options(p, diff=diff)
        gitdiff.add_options(p, git=diff)
        p.set_defaults(handler=run_diff if diff else run_breakdown)


def add_input_options(p: argparse.ArgumentParser) -> None:
    """``--plan`` and the region flags shared with ``usage init``."""
    p.add_argument("--plan", required=True, metavar="FILE",
                   help="terraform show -json output (plan or state)")
    p.add_argument("--default-region", action="append", default=[], metavar="PROVIDER=REGION",
                   help="region when the plan names none (env COSTGATE_AWS_DEFAULT_REGION, ...)")
    p.add_argument("--region-override", action="append", default=[], metavar="PROVIDER=REGION",
                   help="price every resource of PROVIDER in REGION "
                        "(env COSTGATE_AWS_OVERRIDE_REGION, ...)")


def run_breakdown(args: argparse.Namespace) -> int:
    """Handler for ``costgate breakdown``."""
    return _run(args, diff=False)


def run_diff(args: argparse.Namespace) -> int:
    """Handler for ``costgate diff``."""
    return _run(args, diff=True)


def _run(args: argparse.Namespace, *, diff: bool) -> int:
    """Projects, base/head, policy, showback and rendering: ``report_options`` (issue 4)."""
    code = report_options.env_currency(args.currency)
    with _gc_paused():
        if gitdiff.handles(args):  # --base-ref and costgate.yml / auto-detected projects
            return gitdiff.run(args, diff=diff, currency=_currency(code) if code else None)
        return report_options.run(args, diff=diff, currency=_currency(code) if code else None)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic GC while building ~10^5 acyclic objects: it was half the time of a big plan."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute(args: argparse.Namespace, currency: str) -> Estimate:
    """Load the input and usage file, price it, and return the estimate."""
    from costgate.pricing.engine import estimate

    registry = backends.registry()
    default_regions = region_map(args.default_region, "DEFAULT")
    region_override = region_map(args.region_override, "OVERRIDE")
    parsed = load_hcl_from_args(
        args, default_regions=default_regions, region_override=region_override
    ) or backends.load_input(
        args.plan, default_regions=default_regions, region_override=region_override
    )
    usage, parsed = backends.load_usage(args.usage_file, registry, parsed)
    store, snapshot = backends.open_store()
    conversion = backends.conversion(currency) if currency != "USD" else None
    return estimate(parsed, registry=registry, store=store, usage=usage, currency=currency,
                    conversion=conversion, snapshot=snapshot)


def region_map(flags: list[str], kind: str) -> dict[str, str]:
    """``aws=eu-west-1`` flags over ``COSTGATE_AWS_<kind>_REGION`` environment values."""
    out: dict[str, str] = {}
    for provider in PROVIDERS:
        value = os.environ.get(f"COSTGATE_{provider.upper()}_{kind}_REGION")
        if value:
            out[provider] = value.strip()
    for flag in flags:
        provider, sep, region = flag.partition("=")
        provider, region = provider.strip().lower(), region.strip()
        if not sep or provider not in PROVIDERS or not region:
            raise InputError(
                f"bad region flag {flag!r}: expected PROVIDER=REGION with PROVIDER one of "
                f"{', '.join(PROVIDERS)}"
            )
        out[provider] = region
    return out


def _currency(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InputError(f"bad currency {code!r}: expected an ISO 4217 code such as EUR")
    return code


def write_output(text: str, out: str | None) -> None:
    """stdout, or ``out`` replaced atomically (never a partial file)."""
    if not out or out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(out)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{out}: directory {directory} does not exist")
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise InputError(f"{out}: cannot write: {exc.strerror or exc}") from exc
