"""``costgate diff --path DIR --base-ref REF`` and multi-project runs (``costgate.yml``).

The estimate command calls :func:`handles` and, when it says yes, :func:`run`. The base side
is read straight from git objects into a temp directory (:mod:`costgate.vcs`); the head side
is the working tree (or ``--head-ref``, exported the same way). Every project × side is one job
on the process pool (:mod:`costgate.projects`); each project's two estimates are diffed with
:func:`costgate.diff.diff_estimates`. A project that fails on either side is reported with its
error and the run exits 2 after writing every other project's result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import posixpath
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from costgate import vcs
from costgate.errors import InputError
from costgate.model.estimate import Counts, Estimate, EstimateMetadata
from costgate.model.projects import MultiProjectEstimate, ProjectEstimate
from costgate.model.report import Report
from costgate.model.resource import Diagnostic, ParsedInput

if TYPE_CHECKING:
    from costgate import projects as proj
else:  # the process pool and YAML load on first use: `breakdown --plan` never needs them
    from costgate.commands._lazy import lazy_module

    proj = lazy_module("costgate.projects")

WORKING_TREE = "working tree"


def add_options(p: argparse.ArgumentParser, *, git: bool) -> None:
    """``--config``/``--parallelism`` (both commands) and ``--base-ref``/``--head-ref`` (diff)."""
    if git:
        p.add_argument("--base-ref", metavar="REF",
                       help="diff --path against this git revision (read from git objects)")
        p.add_argument("--head-ref", metavar="REF",
                       help="the other side of --base-ref (default: the working tree)")
    p.add_argument("--config", metavar="FILE",
                   help="projects file (default: costgate.yml in --path, else auto-detect)")
    p.add_argument("--parallelism", type=int, metavar="N",
                   help="worker processes (env COSTGATE_PARALLELISM; default: CPU count)")


def handles(args: argparse.Namespace) -> bool:
    """True for git-ref diffs and multi-project runs; plain plan/HCL runs go the usual way."""
    if getattr(args, "base_ref", None) or getattr(args, "head_ref", None):
        return True
    if getattr(args, "config", None):
        return True
    path = getattr(args, "path", None)
    if not path or getattr(args, "plan", None) or not Path(path).is_dir():
        return False
    return proj.find_config(Path(path)) is not None or not proj.has_terraform_files(Path(path))


def run(args: argparse.Namespace, *, diff: bool, currency: str | None) -> int:
    """Estimate, add policy/showback like the plan flow, render, write; then the exit code.

    The report is written before a failing exit (1 policy, 2 a project failed) so CI can
    still post it.
    """
    from costgate.commands import report_options as ro
    from costgate.commands.estimate import write_output
    from costgate.report.formats import OutputFormat, ReportOptions, TableOptions, render

    policy, policy_ccy = _policy(getattr(args, "policy", None))
    currency = currency or policy_ccy or "USD"
    if policy_ccy is not None and policy_ccy != currency:
        raise InputError(f"{args.policy}: policy amounts are in {policy_ccy} but the estimate "
                         f"is in {currency}; use --currency {policy_ccy}")
    report = compute(args, currency, diff=diff).report()
    report = _decorate(report, args, policy)
    text = render(OutputFormat(args.format), report,
                  TableOptions(diff=diff, show_skipped=getattr(args, "show_skipped", False)),
                  ReportOptions(max_chars=getattr(args, "max_chars", None),
                                details=not getattr(args, "no_details", False),
                                tag=getattr(args, "comment_tag", None)))
    for p in report.projects:
        if p.error:
            print(f"costgate: error: project {p.name}: {p.error}", file=sys.stderr)
    write_output(text, getattr(args, "out", None))
    return ro.exit_code(report.policy, report)


def _policy(path: str | None) -> tuple[Any, str | None]:
    if not path:
        return None, None
    from costgate.policy.config import load_policy

    policy = load_policy(Path(path))
    return policy, policy.currency


def _decorate(report: Report, args: argparse.Namespace, policy: Any) -> Report:
    """Showback (``--group-by``) and the policy verdict (``--policy``) on the whole run."""
    import datetime as dt

    from costgate.report.showback import parse_group_by, showback

    update: dict[str, Any] = {}
    keys = parse_group_by(getattr(args, "group_by", None))
    if keys:
        update["showback"] = showback((r for _, r in report.resources()), keys)
    if policy is not None:
        from costgate.policy.evaluate import evaluate
        from costgate.report.subject import policy_subject

        update["policy"] = evaluate(policy, policy_subject(report), today=dt.date.today(),
                                    source=args.policy)
    return report.model_copy(update=update) if update else report


def compute(args: argparse.Namespace, currency: str, *, diff: bool,
            backend: proj.Backend | None = None) -> MultiProjectEstimate:
    """Every project's estimate (or git diff), sorted by name."""
    from costgate.commands.estimate import region_map

    if getattr(args, "head_ref", None) and not getattr(args, "base_ref", None):
        raise InputError("--head-ref needs --base-ref")
    if not getattr(args, "path", None):
        raise InputError("--base-ref and --config need --path DIR (the Terraform code)")
    other = [f for f, d in (("--plan", "plan"), ("--project", "project"), ("--base", "base"),
                            ("--head", "head")) if getattr(args, d, None)]
    if other:
        raise InputError(f"--path with --base-ref/--config does not combine with {other[0]}")
    settings = proj.Settings(
        currency=currency,
        default_regions=region_map(getattr(args, "default_region", []) or [], "DEFAULT"),
        region_override=region_map(getattr(args, "region_override", []) or [], "OVERRIDE"),
        env_vars=tf_var_env(os.environ),
    )
    request = Request(
        path=Path(args.path),
        config=Path(args.config) if getattr(args, "config", None) else None,
        base_ref=getattr(args, "base_ref", None),
        head_ref=getattr(args, "head_ref", None),
        cli_vars=parse_vars(getattr(args, "hcl_vars", None) or []),
        cli_var_files=tuple(getattr(args, "hcl_var_files", None) or ()),
        usage_file=getattr(args, "usage_file", None),
        workspace=os.environ.get("TF_WORKSPACE") or None,
    )
    workers = proj.parallelism(getattr(args, "parallelism", None))
    return estimate_request(request, settings, backend or HclBackend(), workers, diff=diff)


@dataclass(frozen=True)
class Request:
    """What to estimate, independent of argparse (the API tests and the bench use)."""

    path: Path
    config: Path | None = None
    base_ref: str | None = None
    head_ref: str | None = None
    cli_vars: Mapping[str, Any] = field(default_factory=dict)
    cli_var_files: tuple[str, ...] = ()
    usage_file: str | None = None
    workspace: str | None = None  # TF_WORKSPACE; a project's own workspace wins


@dataclass
class Side:
    """One revision as a directory tree: the working tree, or a git revision.

    A revision starts as its ``git ls-tree`` listing only (``listing`` set, ``exported``
    False): detection and project keys work from blob ids, and the files are written to
    ``root`` by :meth:`materialize` only when some project must really be read.
    """

    name: str  # "base" | "head"
    label: str  # the ref, or "working tree"
    root: Path  # the repository root of this side
    relabel: tuple[tuple[str, str], ...] = ()
    diagnostics: list[Diagnostic] = field(default_factory=list)
    listing: vcs.Listing | None = None
    exported: bool = True
    overlays: dict[str, Path] = field(default_factory=dict)  # rel dir -> .terraform/modules

    def is_dir(self, rel: str) -> bool:
        """``rel`` (relative to the repository root) is a directory on this side."""
        if self.listing is not None and not self.exported:
            return self.listing.is_dir(rel)
        return (self.root / rel).is_dir()

    def is_file(self, rel: str) -> bool:
        """``rel`` is a file an export writes (or a file in the working tree)."""
        if self.listing is not None and not self.exported:
            e = self.listing.get(rel)
            return e is not None and e.kind == "blob" and vcs.safe_path(e.path)
        return (self.root / rel).is_file()

    def weight(self, rel: str) -> int:
        """Bytes of Terraform code directly in ``rel`` (big jobs start first)."""
        if self.listing is not None and not self.exported:
            top = posixpath.normpath(rel)
            return sum(e.size for e in self.listing.under(top) if e.is_file
                       and posixpath.dirname(e.path) == ("" if top == "." else top)
                       and e.path.endswith(proj.TF_SUFFIXES))
        return proj.code_weight(self.root / rel)

    def materialize(self) -> None:
        """Write the revision's files (and shared downloaded modules) under ``root``."""
        if self.exported or self.listing is None:
            return
        vcs.export_tree(self.listing.root, self.listing.revision, self.root, self.listing)
        for rel_dir, src in self.overlays.items():
            _copy_modules(src, self.root / rel_dir / ".terraform" / "modules")
        self.exported = True


def estimate_request(request: Request, settings: proj.Settings, backend: proj.Backend,
                     workers: int, *, diff: bool) -> MultiProjectEstimate:
    """Resolve the sides, list the projects, run the jobs, pair the results."""
    from costgate import projects_cache as pc

    path = request.path
    if not path.is_dir():
        raise InputError(f"{path}: not a directory")
    prints = pc.Fingerprints()
    with ExitStack() as stack:
        if request.base_ref:
            where = vcs.locate(path)
            base = _revision(stack, where.root, request.base_ref, "base", prints)
            head = (_revision(stack, where.root, request.head_ref, "head", prints)
                    if request.head_ref else Side("head", WORKING_TREE, where.root))
            rel, sides, repo = where.relative, [base, head], where.root
        else:
            repo = _git_root(path)
            rel = Path(os.path.relpath(path.resolve(), repo)).as_posix()
            sides = [Side("head", WORKING_TREE, repo)]
        configs = _projects(request, path, rel, sides, repo, prints)
        if len(sides) == 2 and not sides[1].relabel:
            for _, rel_dir in configs:
                _share_downloaded_modules(sides[1].root / rel_dir, sides[0], rel_dir)
        jobs = [job for cfg, base_dir in configs for side in sides
                if (job := _job(cfg, base_dir, side, rel, request)) is not None]
        results = proj.run_jobs(jobs, settings, backend, workers, prints=prints,
                                materialize={str(s.root): s.materialize for s in sides})
    out = [_assemble(cfg, base_dir, sides, results) for cfg, base_dir in configs]
    return MultiProjectEstimate.build(out, kind="diff" if diff else "breakdown")


def _share_downloaded_modules(head_dir: Path, base: Side, rel_dir: str) -> None:
    """Registry/git modules are not in git: give the base the working tree's download.

    Without it every resource of such a module would show as created. The versions are the
    working tree's (a diagnostic says so). The copy happens when the base is written out.
    """
    src = head_dir / ".terraform" / "modules"
    if not (src / "modules.json").is_file() or not base.is_dir(rel_dir):
        return
    dot = posixpath.join(rel_dir, ".terraform")
    if base.listing is not None and not base.exported:
        got = base.listing.get(dot)
        if (got is not None and got.kind != "tree") or base.listing.get(dot + "/modules"):
            return
        base.overlays[posixpath.normpath(rel_dir)] = src
    elif (base.root / dot / "modules").exists():
        return
    else:
        _copy_modules(src, base.root / dot / "modules")
    base.diagnostics.append(Diagnostic(
        code="base_uses_working_tree_modules", level="info",
        message=f"{rel_dir}: the base side uses the working tree's .terraform/modules "
                "(module versions as downloaded now)"))


def _copy_modules(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns(".git"))


def _git_root(path: Path) -> Path:
    try:
        return vcs.locate(path).root
    except vcs.GitError:
        return path.resolve()


def _revision(stack: ExitStack, root: Path, ref: str, side: str,
              prints: Any) -> Side:
    """A revision as a listing (nothing written yet); its keys come from git's blob ids."""
    from costgate import projects_cache as pc

    revision = vcs.resolve(root, ref, side=side)
    listing = vcs.list_tree(root, revision)
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"costgate-{side}-")))
    tree = tmp / "tree"
    diagnostics = vcs.plan_export(listing).diagnostics  # what the export would say
    result = Side(side, ref, tree, ((str(tree), f"{ref}:"),), diagnostics, listing=listing,
                  exported=False)
    prints.add_tree(tree, pc.GitTree(
        listing, prints.facts, lambda shas: vcs.read_blobs(root, shas), result.overlays,
        max_bytes=vcs.MAX_BLOB_BYTES, safe=vcs.safe_path))
    return result


def _projects(request: Request, path: Path, rel: str, sides: Sequence[Side], repo: Path,
              prints: Any) -> list[tuple[proj.ProjectConfig, str]]:
    """(project, its directory relative to the repo root) for every project of the run."""
    config = request.config or proj.find_config(path)
    if config is not None:
        loaded = proj.load_config(config)
        cfg_dir = Path(os.path.relpath(config.resolve().parent, repo)).as_posix()
        if cfg_dir.startswith("..") and len(sides) > 1:
            raise InputError(f"{config}: the projects file must be inside the repository")
        here = config.resolve().parent
        return [(_absolute_files(p, here), _join(cfg_dir, p.path)) for p in loaded.projects]
    if proj.has_terraform_files(path):
        name = path.resolve().name or "root"
        return [(proj.ProjectConfig(path=".", name=name), rel)]
    found: dict[str, proj.ProjectConfig] = {}
    for side in sides:
        if side.is_dir(rel):
            for p in _detect(side, rel, prints):
                found.setdefault(p.name, p)
    prints.facts.save()
    if not found:
        raise InputError(f"{path}: no Terraform root modules found (no .tf or .tofu files)")
    return [(p, _join(rel, p.path)) for _, p in sorted(found.items())]


def _detect(side: Side, rel: str, prints: Any) -> list[proj.ProjectConfig]:
    """Auto-detection on one side: from blob facts when possible, else from the files."""
    files = prints.tree(side.root).tf_files(rel)
    if files is None:  # a revision with symlinks: write it out and read it like a checkout
        side.materialize()
        files = prints.tree(side.root).tf_files(rel) if side.listing is None else None
    on_disk = side.listing is None or side.exported
    return proj.detect_projects(side.root / rel, files, prints.facts, on_disk=on_disk)


def _absolute_files(cfg: proj.ProjectConfig, here: Path) -> proj.ProjectConfig:
    """usage_file and policy are relative to the config file's directory."""
    update = {k: str(here / v) for k in ("usage_file", "policy") if (v := getattr(cfg, k))}
    return cfg.model_copy(update=update) if update else cfg


def _join(a: str, b: str) -> str:
    return Path(os.path.normpath(Path(a) / b)).as_posix()


def _job(cfg: proj.ProjectConfig, rel_dir: str, side: Side, rel: str,
         request: Request) -> proj.Job | None:
    directory = side.root / rel_dir
    if not side.is_dir(rel_dir):
        return None  # the project does not exist on this side: an empty estimate
    var_files = [str(directory / f) for f in cfg.var_files]
    var_files += [_side_file(f, side) for f in request.cli_var_files]
    usage = cfg.usage_file or request.usage_file
    return proj.Job(
        key=(cfg.name, side.name),
        project=cfg,
        directory=str(directory),
        root=str(side.root),
        variables={**cfg.vars, **request.cli_vars},
        var_files=tuple(var_files),
        workspace=cfg.workspace or request.workspace,
        usage_file=str(Path(usage).resolve()) if usage else None,
        relabel=side.relabel,
        weight=side.weight(rel_dir),
    )


def _side_file(name: str, side: Side) -> str:
    """A --var-file inside the repository is read from this side's revision when it exists."""
    path = Path(name).resolve()
    if not side.relabel:
        return str(path)
    work_root = _git_root(path.parent) if path.parent.is_dir() else None
    if work_root is not None:
        inside = os.path.relpath(path, work_root)
        if side.is_file(Path(inside).as_posix()):
            return str(side.root / inside)
    return str(path)


def _assemble(cfg: proj.ProjectConfig, rel_dir: str, sides: Sequence[Side],
              results: Mapping[tuple[str, str], proj.JobResult]) -> ProjectEstimate:
    common: dict[str, Any] = {"name": cfg.name, "path": rel_dir, "tags": cfg.tags,
                              "policy": cfg.policy, "workspace": cfg.workspace,
                              "environment": cfg.environment or cfg.tags.get("environment")}
    got = {s.name: results.get((cfg.name, s.name)) for s in sides}
    errors = [f"{s.name} ({s.label}): {r.error}" if len(sides) > 1 else str(r.error)
              for s in sides if (r := got[s.name]) is not None and r.error]
    if errors:
        return ProjectEstimate(**common, error="; ".join(errors))
    ests = {name: r.estimate for name, r in got.items() if r is not None and r.estimate}
    if not ests:
        return ProjectEstimate(**common, error=f"{rel_dir}: directory not found on any side")
    if len(sides) == 1:
        return ProjectEstimate(**common, estimate=_with_source(ests["head"], sides[0], rel_dir))
    from costgate.diff import diff_estimates

    some = next(iter(ests.values()))
    base = ests.get("base") or empty_estimate(some)
    head = ests.get("head") or empty_estimate(some)
    result = diff_estimates(_with_source(base, sides[0], rel_dir),
                            _with_source(head, sides[1], rel_dir))
    # both sides usually repeat the same reader warnings: show each once
    diags = tuple(dict.fromkeys((*result.diagnostics, *(d for s in sides for d in s.diagnostics))))
    result = result.model_copy(update={"diagnostics": diags})
    return ProjectEstimate(**common, estimate=result)


def _with_source(est: Estimate, side: Side, rel_dir: str) -> Estimate:
    source = f"{side.label}:{rel_dir}" if side.relabel else rel_dir
    return est.model_copy(update={"metadata": est.metadata.model_copy(update={"source": source})})


def empty_estimate(like: Estimate) -> Estimate:
    """No resources, priced with the same snapshot and currency as ``like``."""
    zero = Decimal(0)
    return Estimate(currency=like.currency, price_snapshot=like.price_snapshot,
                    total_monthly_cost_before=zero, total_monthly_cost_after=zero,
                    total_monthly_delta=zero, counts=Counts(),
                    metadata=EstimateMetadata(kind="hcl"))


def parse_vars(flags: Sequence[str]) -> dict[str, str]:
    """``--var NAME=VALUE`` flags (the HCL reader converts the text to the variable's type)."""
    out: dict[str, str] = {}
    for flag in flags:
        name, sep, value = flag.partition("=")
        if not sep or not name.strip():
            raise InputError(f"bad --var {flag!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def tf_var_env(environ: Mapping[str, str]) -> dict[str, str]:
    """``TF_VAR_name`` environment values by variable name."""
    return {k[7:]: v for k, v in environ.items() if k.startswith("TF_VAR_") and len(k) > 7}


# --- the production backend -----------------------------------------------------------------

_PROCESS_STATE: dict[str, Any] = {}  # registry, store, snapshot, conversions: once per run


@dataclass(frozen=True)
class HclBackend:
    """Reads a job's directory with the HCL reader; prices it with the local snapshot."""

    def load(self, job: proj.Job, settings: proj.Settings) -> ParsedInput:
        """The HCL reader (runs in a worker process)."""
        from costgate.parse.hcl_plan import load_hcl

        return load_hcl(
            job.directory,
            var_files=job.var_files,
            var_flags=[f"{k}={_flag_value(v)}" for k, v in job.variables.items()],
            env={f"TF_VAR_{k}": v for k, v in settings.env_vars.items()},
            workspace=job.workspace or "default",
            repo_root=Path(job.root),
            default_regions=settings.default_regions,
            region_override=settings.region_override,
        )

    def price_key(self, job: proj.Job, settings: proj.Settings) -> str | None:
        """The pricing context of ``job`` for reusing a priced estimate (see run_jobs)."""
        return _price_context(job, settings)

    def price(self, job: proj.Job, parsed: ParsedInput, settings: proj.Settings) -> Estimate:
        """Usage file and pricing (in the parent: the store is opened once per run)."""
        from costgate.commands import _backends as backends
        from costgate.parse.usage import load_usage_file
        from costgate.pricing.engine import estimate

        state = _PROCESS_STATE
        if "registry" not in state:
            state["registry"] = backends.registry()
        if "store" not in state:
            state["store"], state["snapshot"] = backends.open_store()
        registry = state["registry"]
        usage = load_usage_file(job.usage_file, registry) if job.usage_file else None
        if usage is not None and usage.warnings:
            extra = tuple(backends.usage_diagnostics(usage.warnings))
            parsed = parsed.model_copy(update={"diagnostics": parsed.diagnostics + extra})
        currency = settings.currency
        if currency != "USD" and currency not in state:
            state[currency] = backends.conversion(currency)
        return estimate(parsed, registry=registry, store=state["store"], usage=usage,
                        currency=currency, conversion=state.get(currency),
                        snapshot=state["snapshot"])


def _price_context(job: proj.Job, settings: proj.Settings) -> str | None:
    """What a priced estimate depends on besides its input (None: do not reuse one).

    The snapshot id is a digest of the price data; the code hash covers the rules, the
    engine, the store and the models; the usage file is hashed by content. Other currencies
    are always priced (exchange-rate tables change under the same name).
    """
    from costgate import projects_cache as pc
    from costgate.commands import _backends as backends

    if settings.currency != "USD":
        return None
    state = _PROCESS_STATE
    if "price_code" not in state:
        state["price_code"] = pc.code_hash("pricing", "model", "parse/usage", "diff")
    if "store" not in state:
        state["store"], state["snapshot"] = backends.open_store()
    usage = "-"
    if job.usage_file:
        try:
            usage = hashlib.sha256(Path(job.usage_file).read_bytes()).hexdigest()
        except OSError:
            return None  # pricing reports the missing file
    return json.dumps([state["price_code"], state["snapshot"].model_dump(mode="json"), usage])


def _flag_value(value: Any) -> str:
    """A config value as ``--var`` text: strings as they are, anything else as JSON (valid HCL)."""
    return value if isinstance(value, str) else json.dumps(value, default=str)
