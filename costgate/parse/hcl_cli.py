"""Command-line wiring for HCL mode, kept out of ``commands/estimate.py`` (one small hook there).

``--path DIR`` replaces ``--plan FILE``; ``--var``/``--var-file`` may repeat. ``TF_VAR_*`` and
``TF_WORKSPACE`` are read from the environment here, at the edge, and passed down as values.
The HCL reader (and python-hcl2) is imported only when ``--path`` is used.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from costgate.errors import InputError
from costgate.model.resource import ParsedInput


def add_hcl_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--path``, ``--var``, ``--var-file`` and make ``--plan`` optional (one is required)."""
    for action in parser._actions:
        if action.dest == "plan":
            action.required = False
    parser.add_argument("--path", metavar="DIR",
                        help="HCL mode: estimate the Terraform code in DIR (no plan needed)")
    parser.add_argument("--var", dest="hcl_vars", action="append", default=[],
                        metavar="NAME=VALUE", help="with --path: set a root variable (repeatable)")
    parser.add_argument("--var-file", dest="hcl_var_files", action="append", default=[],
                        metavar="FILE", help="with --path: a .tfvars file (repeatable)")


def load_hcl_from_args(
    args: argparse.Namespace,
    *,
    default_regions: Mapping[str, str] | None = None,
    region_override: Mapping[str, str] | None = None,
) -> ParsedInput | None:
    """The HCL-mode input when ``--path`` was given, None for plan mode."""
    path = getattr(args, "path", None)
    plan = getattr(args, "plan", None)
    var_flags = list(getattr(args, "hcl_vars", None) or [])
    var_files = list(getattr(args, "hcl_var_files", None) or [])
    if path and plan:
        raise InputError("give either --plan FILE or --path DIR, not both")
    if not path:
        if not plan:
            raise InputError("one of --plan FILE or --path DIR is required")
        if var_flags or var_files:
            raise InputError("--var and --var-file only apply with --path (HCL mode)")
        return None
    from costgate.parse.hcl_plan import load_hcl

    env = {k: v for k, v in os.environ.items() if k.startswith("TF_VAR_")}
    return load_hcl(
        path,
        var_files=var_files,
        var_flags=var_flags,
        env=env,
        workspace=os.environ.get("TF_WORKSPACE") or "default",
        default_regions=default_regions,
        region_override=region_override,
    )
