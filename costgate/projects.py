"""Projects: which Terraform root modules a run estimates, and estimating them in parallel.

Projects come from a ``costgate.yml`` (``version: 1``, ``projects: [...]``, unique names) or
from auto-detection of root modules under a directory. Each project is estimated in its own
job on a process pool (HCL evaluation is CPU-bound Python); a job that fails returns its
one-line error instead of an estimate, so one broken project never hides the others. Callers
sort results by name, so the output does not depend on which worker finished first.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import Field, ValidationError, field_validator, model_validator

from costgate.errors import ConfigError, CostgateError
from costgate.fileutil import TERRAFORM_SUFFIXES
from costgate.model.base import Frozen
from costgate.model.estimate import Estimate
from costgate.model.resource import ParsedInput

if TYPE_CHECKING:
    from costgate.projects_cache import Facts, FactsCache, Fingerprints

CONFIG_NAMES = ("costgate.yml", "costgate.yaml")
TF_SUFFIXES = TERRAFORM_SUFFIXES


class ProjectConfig(Frozen):
    """One ``projects[]`` entry; ``path`` is relative to the config file's directory."""

    path: str
    name: str = ""  # default: the path
    var_files: tuple[str, ...] = ()  # relative to the project path, like terraform -var-file
    vars: dict[str, Any] = Field(default_factory=dict)
    usage_file: str | None = None  # relative to the config file's directory
    workspace: str | None = None
    environment: str | None = None  # for environment budgets; default: tags["environment"]
    policy: str | None = None  # relative to the config file's directory
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("path")
    @classmethod
    def _inside(cls, value: str) -> str:
        norm = os.path.normpath(value.strip() or ".")
        if os.path.isabs(norm) or norm == ".." or norm.startswith(".." + os.sep):
            raise ValueError(f"path {value!r} must stay inside the config file's directory")
        return Path(norm).as_posix()

    @model_validator(mode="after")
    def _default_name(self) -> ProjectConfig:
        if not self.name:
            object.__setattr__(self, "name", self.path)
        return self


class ProjectsFile(Frozen):
    """The whole ``costgate.yml``."""

    version: Literal[1]
    projects: tuple[ProjectConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ProjectsFile:
        seen: set[str] = set()
        for p in self.projects:
            if p.name in seen:
                raise ValueError(f"duplicate project name {p.name!r}; names must be unique")
            seen.add(p.name)
        return self


def find_config(directory: Path) -> Path | None:
    """``costgate.yml`` (or ``.yaml``) in ``directory``, if any."""
    return next((directory / n for n in CONFIG_NAMES if (directory / n).is_file()), None)


def load_config(path: Path) -> ProjectsFile:
    """Read and validate a projects file; every problem is one ConfigError line naming it."""
    import yaml  # only runs with a projects file need it (start-up time)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{where}: not valid YAML") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'version: 1' and 'projects'")
    try:
        return ProjectsFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{path}: {loc}: {msg}") from None


# --- auto-detection -----------------------------------------------------------------------


def detect_projects(root: Path, files: Iterable[tuple[str, Facts]] | None = None,
                    facts: FactsCache | None = None, *,
                    on_disk: bool | None = None) -> list[ProjectConfig]:
    """Root modules under ``root``, named by their path relative to it (``.`` for root).

    A directory with Terraform files is a root unless another directory calls it as a local
    module (``source = "./…"``); a called directory is still a root when it configures a
    provider or a backend itself. Uncalled directories under a ``modules/`` folder without
    provider or backend are taken as reusable modules. ``.terraform/`` and hidden folders are
    skipped. A text scan, not a parse: a file with a syntax error still makes its project
    (which then fails with the reader's file:line:column message).

    ``files`` gives (directory relative to ``root``, :func:`~costgate.projects_cache.tf_facts`)
    for every Terraform file, e.g. from a git listing without symlinks; by default the files
    under ``root`` are read (each scanned once per content, see the facts cache). Module
    paths follow symlinks like ``Path.resolve`` when the files are ``on_disk``.
    """
    from costgate.projects_cache import FactsCache, FsTree

    root = root.resolve()
    on_disk = files is None if on_disk is None else on_disk
    if files is None:
        files = FsTree(root, facts or FactsCache()).tf_files(".") or iter(())
    dirs: dict[str, bool] = {}  # dir -> configures a provider/backend
    called: set[str] = set()
    real: dict[str, str] = {}
    for directory, fact in files:
        dirs[directory] = dirs.get(directory, False) or bool(fact["r"])
        for src in fact["m"]:
            target = posixpath.normpath(posixpath.join(directory, src))
            if on_disk:  # follow symlinks like Path.resolve (memoised: calls repeat)
                if target not in real:
                    real[target] = os.path.relpath(os.path.realpath(root / target), root)
                target = Path(real[target]).as_posix()
            called.add(target)
    roots = []
    for rel, has_root_block in sorted(dirs.items(), key=lambda kv: _sort_key(kv[0])):
        if rel in called and not has_root_block:
            continue
        if not has_root_block and "modules" in rel.split("/"):
            continue
        roots.append(ProjectConfig(path=rel))
    return roots


def _sort_key(rel: str) -> tuple[str, ...]:
    return () if rel == "." else tuple(rel.split("/"))


def has_terraform_files(directory: Path) -> bool:
    """True when ``directory`` itself holds ``.tf``/``.tofu`` files."""
    return any(p.name.endswith(TF_SUFFIXES) for p in directory.iterdir() if p.is_file())


# --- parallel estimation -------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One project on one side (``head``/``base``), with everything a worker needs."""

    key: tuple[str, str]  # (project name, side)
    project: ProjectConfig
    directory: str  # absolute directory to read
    root: str  # the repository root of this side: module sources may not leave it
    variables: Mapping[str, Any] = field(default_factory=dict)  # config vars, then --var
    var_files: tuple[str, ...] = ()  # absolute, in load order
    workspace: str | None = None
    usage_file: str | None = None  # absolute
    relabel: tuple[tuple[str, str], ...] = ()  # (temp path, shown as) for messages
    weight: int = 0  # bytes of Terraform code: big jobs are started first


@dataclass(frozen=True)
class Settings:
    """Run-wide options shared by every job (picklable: sent to the workers)."""

    currency: str = "USD"
    default_regions: Mapping[str, str] = field(default_factory=dict)
    region_override: Mapping[str, str] = field(default_factory=dict)
    env_vars: Mapping[str, str] = field(default_factory=dict)  # TF_VAR_* without the prefix
    cache: bool = True  # reuse evaluated projects by content key (projects_cache)


@dataclass(frozen=True)
class JobResult:
    """One job's outcome: an estimate or the error that stopped the project."""

    key: tuple[str, str]
    estimate: Estimate | None = None
    error: str | None = None


@dataclass(frozen=True)
class Loaded:
    """A worker's answer: the parsed input, or the error that stopped it."""

    key: tuple[str, str]
    parsed: ParsedInput | None = None
    error: str | None = None


class Backend(Protocol):
    """Reads (in a worker) and prices (in the parent) one job; fakes replace it in tests."""

    def load(self, job: Job, settings: Settings) -> ParsedInput:
        """Read the job's Terraform code; raise CostgateError for bad input."""
        ...

    def price(self, job: Job, parsed: ParsedInput, settings: Settings) -> Estimate:
        """Price what :meth:`load` read (one price store for the whole run)."""
        ...


def parallelism(requested: int | None = None) -> int:
    """Workers: ``--parallelism``, else ``COSTGATE_PARALLELISM``, else the CPU count."""
    if requested is None:
        env = os.environ.get("COSTGATE_PARALLELISM", "").strip()
        requested = int(env) if env.isdigit() else 0
    return requested if requested > 0 else (os.cpu_count() or 1)


def run_jobs(jobs: Sequence[Job], settings: Settings, backend: Backend, workers: int, *,
             prints: Fingerprints | None = None,
             materialize: Mapping[str, Callable[[], None]] | None = None,
             ) -> dict[tuple[str, str], JobResult]:
    """Load every job (in a process pool when it helps), then price them here.

    Reading and evaluating HCL is the CPU-bound part, so only that runs in workers; pricing
    stays in this process, where one price store (and its partition cache) serves every
    project and no two processes build the same price index at once. Jobs with the same
    content key (:mod:`costgate.projects_cache`: an unchanged project on both sides of a
    diff) are read once; a key already in the cache is not read at all. Head jobs go first.

    ``prints`` may know revisions that are not on disk yet (a git listing); ``materialize``
    maps such a root to the function that writes it out, called only when one of its jobs
    must really be read.
    """
    from costgate import projects_cache as pc

    order = sorted(jobs, key=lambda j: (j.key[1] != "head", -j.weight, j.key))
    if settings.cache:
        prints = prints or pc.Fingerprints()
    else:
        prints = None
    leaders: dict[str, Job] = {}
    follows: dict[tuple[str, str], Job] = {}  # job key -> the job whose result it reuses
    keys: dict[tuple[str, str], str | None] = {}
    for j in order:
        k = keys[j.key] = _job_key(prints, j, settings, backend) if prints else None
        if k is not None and k in leaders:
            follows[j.key] = leaders[k]
        elif k is not None:
            leaders[k] = j
    if prints is not None:
        prints.facts.save()
    priced = _priced_keys(order, keys, follows, settings, backend)
    raw: dict[tuple[str, str], JobResult] = {}
    loaded: dict[tuple[str, str], Loaded] = {}
    todo = []
    for j in order:
        k, entry = keys[j.key], priced.get(j.key)
        if j.key in follows or k is None:
            if j.key not in follows:
                todo.append(j)
            continue
        done = pc.load_model(entry, Path(j.root), Estimate) if entry else None
        if done is not None:  # priced before with the same input, prices and rules
            raw[j.key] = JobResult(j.key, estimate=done)
        elif (hit := pc.load(k, Path(j.root))) is not None:
            loaded[j.key] = Loaded(j.key, parsed=hit)
        else:
            todo.append(j)
    for root in dict.fromkeys(j.root for j in todo):
        if materialize and root in materialize:
            materialize[root]()
    for r in _load_all(todo, settings, backend, workers):
        loaded[r.key] = r
        k = keys[r.key]
        if k is not None and r.parsed is not None:
            pc.store(k, Path(_root_of(todo, r.key)), r.parsed)
    for j in order:
        if j.key in loaded:
            raw[j.key] = result = price_job(j, loaded[j.key], settings, backend)
            entry = priced.get(j.key)
            if entry is not None and result.estimate is not None:
                pc.store(entry, Path(j.root), result.estimate)
    for j in order:  # the same input prices the same: reuse the leader's estimate
        if j.key in follows:
            raw[j.key] = _follow(raw[follows[j.key].key], follows[j.key], j)
    return {j.key: _labelled(raw[j.key], j) for j in order}


def _priced_keys(order: Sequence[Job], keys: Mapping[tuple[str, str], str | None],
                 follows: Mapping[tuple[str, str], Job], settings: Settings,
                 backend: Backend) -> dict[tuple[str, str], str]:
    """Cache entries of priced estimates: the input key plus the backend's pricing context
    (``price_key``: snapshot id, pricing code, usage file); none when it has no context."""
    from costgate import projects_cache as pc

    context = getattr(backend, "price_key", None)
    out: dict[tuple[str, str], str] = {}
    for j in order:
        k = keys[j.key]
        if context is not None and k is not None and j.key not in follows:
            pricing = context(j, settings)
            if pricing is not None:
                out[j.key] = pc.priced_key(k, pricing)
    return out


def _job_key(prints: Fingerprints, job: Job, settings: Settings,
             backend: Backend) -> str | None:
    root = Path(job.root)
    digests = prints.file_digests(job.var_files, root)
    if digests is None:
        return None
    extra = [type(backend).__module__, type(backend).__qualname__, dict(job.variables),
             digests, job.workspace, dict(settings.default_regions),
             dict(settings.region_override), dict(settings.env_vars)]
    return prints.key(Path(job.directory), root, extra)


def _root_of(jobs: Sequence[Job], key: tuple[str, str]) -> str:
    return next(j.root for j in jobs if j.key == key)


def _follow(result: JobResult, leader: Job, job: Job) -> JobResult:
    """The leader's (unlabelled) result as if read from ``job``'s copy of the repository."""
    from costgate.projects_cache import rebase

    if result.estimate is None:
        old = str(Path(leader.root).resolve())
        return JobResult(job.key, error=(result.error or "").replace(old, job.root))
    return JobResult(job.key, estimate=rebase(result.estimate, Path(leader.root), Path(job.root)))


def _labelled(result: JobResult, job: Job) -> JobResult:
    """Messages and sources name refs (``main:infra/a.tf``), not temp directories."""
    if not job.relabel:
        return result
    if result.estimate is None:
        return JobResult(job.key, error=relabel(result.error or "", job.relabel))
    return JobResult(job.key, estimate=relabel_estimate(result.estimate, job.relabel))


def _load_all(jobs: Sequence[Job], settings: Settings, backend: Backend,
              workers: int) -> list[Loaded]:
    if workers <= 1 or len(jobs) <= 1:
        return [load_job(j, settings, backend) for j in jobs]
    import multiprocessing

    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
        futures = [(j, pool.submit(load_job, j, settings, backend)) for j in jobs]
        return [_loaded(job, fut) for job, fut in futures]


def _loaded(job: Job, fut: Future[Loaded]) -> Loaded:
    try:
        return fut.result()
    except Exception as exc:  # a worker died (OOM, signal): only its project fails
        return Loaded(job.key, error=f"worker process failed: {exc or type(exc).__name__}")


def load_job(job: Job, settings: Settings, backend: Backend) -> Loaded:
    """Read one job, turning any failure into a one-line error (never raises)."""
    try:
        return Loaded(job.key, parsed=backend.load(job, settings))
    except Exception as exc:  # CostgateError, or a reader bug: only this project fails
        text = str(exc) if isinstance(exc, CostgateError) else (
            f"internal error: {type(exc).__name__}: {exc}")
        return Loaded(job.key, error=text)


def price_job(job: Job, loaded: Loaded, settings: Settings, backend: Backend) -> JobResult:
    """Price one loaded job (never raises)."""
    if loaded.parsed is None:
        return JobResult(job.key, error=loaded.error or "not loaded")
    try:
        return JobResult(job.key, estimate=backend.price(job, loaded.parsed, settings))
    except Exception as exc:
        text = str(exc) if isinstance(exc, CostgateError) else (
            f"internal error: {type(exc).__name__}: {exc}")
        return JobResult(job.key, error=text)


def relabel(text: str, pairs: Iterable[tuple[str, str]]) -> str:
    """Show temp export paths as ``REF:path`` in messages; one line."""
    for old, new in pairs:
        text = text.replace(old + os.sep, new).replace(old, new.rstrip("/:") or ".")
    return " ".join(text.split())


def relabel_estimate(est: Estimate, pairs: Sequence[tuple[str, str]]) -> Estimate:
    """Relabel the diagnostics and source of an estimate made from a temp export."""
    diags = tuple(d.model_copy(update={"message": relabel(d.message, pairs)})
                  for d in est.diagnostics)
    meta = est.metadata
    source = relabel(meta.source, pairs) if meta.source else meta.source
    return est.model_copy(update={"diagnostics": diags,
                                  "metadata": meta.model_copy(update={"source": source})})


def code_weight(directory: Path) -> int:
    """Bytes of Terraform code directly in ``directory`` (a cheap proxy for work)."""
    try:
        return sum(p.stat().st_size for p in directory.iterdir() if p.name.endswith(TF_SUFFIXES))
    except OSError:
        return 0

