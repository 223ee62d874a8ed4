"""Finding and reading a Terraform module directory, its variable files and its modules.

A directory becomes one :class:`ModuleSource` (every ``.tf``/``.tofu``/``.tf.json`` file
merged, in name order as Terraform loads them). Files that must not be read (too large,
binary, symlink loops) and module sources that leave the repository are reported as
diagnostics and skipped, never fatal; a syntax error is fatal for the project
(:class:`~costgate.parse.hcl.HclSyntaxError` names file:line:column).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from costgate.errors import InputError
from costgate.fileutil import TERRAFORM_SUFFIXES
from costgate.parse.hcl import Body, Refused, load_file

_CONFIG_SUFFIXES = TERRAFORM_SUFFIXES
_MANIFEST = Path(".terraform") / "modules" / "modules.json"


@dataclass
class ModuleSource:
    """The merged blocks of one module directory."""

    dir: Path
    shown: str  # path shown in messages, relative to the root module
    variables: dict[str, Body] = field(default_factory=dict)
    locals: dict[str, str] = field(default_factory=dict)
    resources: list[tuple[str, str, str, Body]] = field(default_factory=list)  # mode, type, name
    modules: dict[str, Body] = field(default_factory=dict)
    providers: list[tuple[str, Body]] = field(default_factory=list)
    outputs: dict[str, Body] = field(default_factory=dict)
    required_providers: dict[str, str] = field(default_factory=dict)  # local name → source


def config_files(directory: Path) -> list[Path]:
    """Terraform/OpenTofu files of one directory, in load order (``x.tofu`` hides ``x.tf``)."""
    try:
        names = sorted(e.name for e in os.scandir(directory) if e.name.endswith(_CONFIG_SUFFIXES))
    except OSError as exc:
        raise InputError(f"{directory}: cannot list directory ({exc.strerror or exc})") from None
    present = set(names)
    out = []
    for name in names:
        if name.endswith(".tf") and name[:-3] + ".tofu" in present:
            continue
        if name.endswith(".tf.json") and name[:-8] + ".tofu.json" in present:
            continue
        out.append(directory / name)
    return out


def read_module(directory: Path, shown: str, warn: Any) -> ModuleSource:
    """Load every config file of ``directory``; ``warn(code, message)`` records diagnostics."""
    module = ModuleSource(directory, shown)
    for path in config_files(directory):
        label = f"{shown}/{path.name}" if shown not in ("", ".") else path.name
        stem = path.name.split(".", 1)[0]
        if stem == "override" or stem.endswith("_override"):
            warn("hcl-override-skipped", f"{label}: override files are not merged; file skipped")
            continue
        try:
            body = load_file(path, label)
        except Refused as exc:
            warn("hcl-file-refused", str(exc))
            continue
        _merge(module, body, label, warn)
    return module


def _merge(module: ModuleSource, body: Body, label: str, warn: Any) -> None:
    for block in body["blocks"]:
        kind, labels, inner = block["type"], block["labels"], block["body"]
        if kind == "variable" and labels:
            module.variables[labels[0]] = inner
        elif kind == "locals":
            module.locals.update(inner["attrs"])
        elif kind in ("resource", "data") and len(labels) == 2:
            module.resources.append(("managed" if kind == "resource" else "data", *labels, inner))
        elif kind == "module" and labels:
            module.modules[labels[0]] = inner
        elif kind == "provider" and labels:
            module.providers.append((labels[0], inner))
        elif kind == "output" and labels:
            module.outputs[labels[0]] = inner
        elif kind == "terraform":
            for sub in inner["blocks"]:
                if sub["type"] == "required_providers":
                    for name, src in sub["body"]["attrs"].items():
                        module.required_providers[name] = _provider_source(src)
    if body["attrs"]:
        warn("hcl-stray-attribute", f"{label}: top-level attributes are not valid here; ignored")


def _provider_source(src: str) -> str:
    """``{source = "hashicorp/aws", version = "~> 5"}`` → ``hashicorp/aws`` (text only)."""
    from costgate.parse.hcl_expr import HclSyntax, parse_expression

    try:
        node = parse_expression(src)
    except HclSyntax:
        return ""
    if node[0] == "object":
        for key, value in node[1]:
            if key == ("lit", "source") and value[0] == "tmpl" and len(value[1]) == 1:
                lit = value[1][0]
                if lit[0] == "lit" and isinstance(lit[1], str):
                    return lit[1]
    if node[0] == "tmpl" and len(node[1]) == 1 and node[1][0][0] == "lit":
        return str(node[1][0][1])  # Terraform 0.12 style: aws = "~> 2.0" (a version)
    return ""


# -- variable values ----------------------------------------------------------------------------

#: A root variable value before typing: ("hcl", expression source) or ("str", raw text).
RawValue = tuple[str, str]


def root_values(
    root: Path,
    *,
    var_files: Sequence[str | Path] = (),
    var_flags: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    warn: Any,
) -> dict[str, RawValue]:
    """Variable values in Terraform's precedence order (later wins).

    ``TF_VAR_*`` (from ``env``, a mapping the caller passes: no os.environ here) <
    ``terraform.tfvars`` < ``terraform.tfvars.json`` < ``*.auto.tfvars[.json]`` (by name) <
    ``--var-file``/``--var`` in the order given (files first, then flags).
    """
    values: dict[str, RawValue] = {}
    for key, text in (env or {}).items():
        if key.startswith("TF_VAR_") and len(key) > 7:
            values[key[7:]] = ("str", text)
    auto = [root / n for n in ("terraform.tfvars", "terraform.tfvars.json") if (root / n).is_file()]
    try:
        extra = sorted(
            e.name for e in os.scandir(root) if e.name.endswith((".auto.tfvars", ".auto.tfvars.json"))
        )
    except OSError:
        extra = []
    auto.extend(root / name for name in extra)
    for path in [*auto, *(Path(f) for f in var_files)]:
        explicit = path not in auto
        if explicit and not path.is_file():
            raise InputError(f"{path}: variable file not found")
        try:
            body = load_file(path, str(path) if explicit else path.name, vars_file=True)
        except Refused as exc:
            if explicit:
                raise InputError(str(exc)) from None
            warn("hcl-file-refused", str(exc))
            continue
        values.update({k: ("hcl", v) for k, v in body["attrs"].items()})
    for flag in var_flags:
        name, sep, text = flag.partition("=")
        if not sep or not name.strip():
            raise InputError(f"bad --var {flag!r}: expected NAME=VALUE")
        values[name.strip()] = ("str", text)
    return values


# -- module sources -----------------------------------------------------------------------------


def is_local_source(source: str) -> bool:
    """``./x`` and ``../x`` are local paths; everything else is a registry/git/URL source."""
    return source.startswith(("./", "../", ".\\", "..\\")) or source in (".", "..")


def manifest(root: Path) -> dict[str, Path]:
    """``.terraform/modules/modules.json`` as {dotted call path: directory}; {} when absent."""
    path = root / _MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, Path] = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
            out[entry["Key"]] = root / entry["Dir"]
    return out


def find_repo_root(start: Path) -> Path:
    """The nearest ancestor holding ``.git`` (module sources must stay inside), else ``start``."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start
