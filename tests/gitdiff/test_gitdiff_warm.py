"""Warm ``diff --base-ref`` runs: keys from git blob ids, no export, reused priced estimates.

The second run of the same diff must give byte-identical results while reading nothing it
already knows: the base revision is keyed from ``git ls-tree`` (no export), projects come
from the project cache, priced estimates from the estimate cache. Every shortcut must still
notice a change (a file, a called module, downloaded modules, the pricing context).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from gitdiff_fakes import FakeBackend, commit, git, init_repo, write

from costgate import projects as proj
from costgate import projects_cache as pc
from costgate import vcs
from costgate.commands import gitdiff
from costgate.model.estimate import Estimate
from costgate.model.resource import ParsedInput

APP = 'module "net" {\n  source = "../modules/net"\n}\nresource "aws_instance" "a" {}\n'
NET = 'resource "aws_ebs_volume" "n" {\n  size = 10\n}\n'
DB = 'resource "aws_ebs_volume" "db" {\n  size = 100\n}\n'


class Recording(FakeBackend):
    """Records reads and pricings; has a pricing context, like the real backend."""

    def __init__(self, context: str = "prices-1") -> None:
        self.loads: list[tuple[str, str]] = []
        self.prices: list[tuple[str, str]] = []
        self.context = context

    def load(self, job: proj.Job, settings: proj.Settings) -> ParsedInput:
        self.loads.append(job.key)
        return super().load(job, settings)

    def price(self, job: proj.Job, parsed: ParsedInput, settings: proj.Settings) -> Estimate:
        self.prices.append(job.key)
        return super().price(job, parsed, settings)

    def price_key(self, job: proj.Job, settings: proj.Settings) -> str | None:
        return self.context


@pytest.fixture(autouse=True)
def _cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COSTGATE_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: app (calls modules/net) + db; feature: db bigger, app and net unchanged."""
    r = init_repo(tmp_path / "repo")
    commit(r, {"infra/app/main.tf": APP, "infra/modules/net/main.tf": NET,
               "infra/db/main.tf": DB}, "base")
    git(r, "checkout", "-q", "-b", "feature")
    commit(r, {"infra/db/main.tf": DB.replace("100", "300")}, "head")
    return r


def _diff(repo: Path, backend: FakeBackend, **kw: Any) -> Any:
    request = gitdiff.Request(path=repo / "infra", base_ref="main", **kw)
    return gitdiff.estimate_request(request, proj.Settings(), backend, 1, diff=True)


def _no_export(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = vcs.export_tree

    def spy(*args: Any, **kw: Any) -> Any:
        calls.append(str(args[2]))
        return real(*args, **kw)

    monkeypatch.setattr(vcs, "export_tree", spy)
    return calls


def test_warm_diff_reads_prices_and_exports_nothing(repo: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    exports = _no_export(monkeypatch)
    cold_backend = Recording()
    cold = _diff(repo, cold_backend)
    assert len(exports) == 1  # the changed project's base side had to be read
    # app is unchanged: one read serves both sides; db differs: read on each side
    assert sorted(cold_backend.loads) == [("app", "head"), ("db", "base"), ("db", "head")]
    warm_backend = Recording()
    warm = _diff(repo, warm_backend)
    assert len(exports) == 1 and warm_backend.loads == [] and warm_backend.prices == []
    assert warm == cold  # equal amounts (JSON money strings are normalised)
    delta = {p.name: p.estimate.total_monthly_delta for p in warm.projects if p.estimate}
    assert delta == {"app": 0, "db": 16}  # 200 GB more gp3 at 0.08


def test_a_new_pricing_context_prices_again_without_reading(repo: Path) -> None:
    _diff(repo, Recording("prices-1"))
    again = Recording("prices-2")  # e.g. a new snapshot id
    _diff(repo, again)
    assert again.loads == [] and sorted(again.prices) == [
        ("app", "head"), ("db", "base"), ("db", "head")]


def test_a_changed_called_module_in_the_work_tree_is_noticed(repo: Path) -> None:
    _diff(repo, Recording())
    (repo / "infra/modules/net/main.tf").write_text(NET + "# edited\n", encoding="utf-8")
    backend = Recording()
    _diff(repo, backend)
    assert backend.loads == [("app", "head")]  # base app is still keyed from main's blobs


def test_git_listing_keys_equal_work_tree_keys(repo: Path) -> None:
    rev = vcs.resolve(repo, "main")
    listing = vcs.list_tree(repo, rev)
    prints = pc.Fingerprints()
    virtual = repo.parent / "never-written"
    prints.add_tree(virtual, pc.GitTree(listing, prints.facts,
                                        lambda shas: vcs.read_blobs(repo, shas)))
    assert not virtual.exists()
    for name, same in (("infra/app", True), ("infra/db", False)):
        work = prints.key(repo / name, repo, ["x"])
        base = prints.key(virtual / name, virtual, ["x"])
        assert work is not None and base is not None
        assert (work == base) is same
    # and detection from blob facts finds what a scan of the files finds
    files = prints.tree(virtual).tf_files("infra")
    assert files is not None
    from_git = proj.detect_projects(virtual / "infra", files, on_disk=False)
    assert [p.path for p in from_git] == ["app", "db"]
    assert [p.path for p in proj.detect_projects(repo / "infra")] == ["app", "db"]


def test_json_module_calls_are_part_of_the_key(tmp_path: Path) -> None:
    write(tmp_path, {"r/p/main.tf.json": '{"module": {"m": {"source": "../mod"}}}',
                     "r/mod/main.tf": "# v1\n"})
    root = tmp_path / "r"
    first = pc.Fingerprints().key(root / "p", root, [])
    (root / "mod/main.tf").write_text("# v2\n", encoding="utf-8")
    second = pc.Fingerprints().key(root / "p", root, [])
    assert first is not None and second is not None and first != second


def test_symlinks_in_the_revision_fall_back_to_an_export(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    r = init_repo(tmp_path / "r")
    write(r, {"infra/app/main.tf": 'resource "aws_instance" "a" {}\n'})
    os.symlink("/etc/hostname", r / "infra" / "app" / "notes.txt")
    commit(r, {}, "one")
    exports = _no_export(monkeypatch)
    first = _diff(r, Recording())
    second = _diff(r, Recording())
    assert len(exports) == 2  # never keyed from git: the link target is outside
    assert first == second
    codes = {d.code for p in second.projects if p.estimate for d in p.estimate.diagnostics}
    assert "git_symlink_outside" in codes


def test_downloaded_modules_are_shared_and_keyed(repo: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    mods = repo / "infra/app/.terraform/modules"
    write(mods, {"modules.json": '{"Modules": []}', "vpc/main.tf": "# v1\n"})
    exports = _no_export(monkeypatch)
    cold = _diff(repo, Recording())
    n = len(exports)
    warm = _diff(repo, Recording())
    assert len(exports) == n and warm == cold
    codes = [d.code for p in warm.projects if p.name == "app" and p.estimate
             for d in p.estimate.diagnostics]
    assert codes.count("base_uses_working_tree_modules") == 1
    (mods / "vpc/main.tf").write_text("# v2\n", encoding="utf-8")
    backend = Recording()
    _diff(repo, backend)
    assert backend.loads == [("app", "head")]  # both sides share the new download: one read
    assert len(exports) == n  # ...so the base was not written out


def test_head_ref_with_a_projects_file(repo: Path) -> None:
    write(repo, {"infra/costgate.yml": "version: 1\nprojects:\n  - {path: db}\n"})
    backend = Recording()
    out = _diff(repo, backend, head_ref="feature")
    assert [p.name for p in out.projects] == ["db"]
    assert out.projects[0].estimate is not None and out.projects[0].error is None


def test_facts_cache_survives_and_is_content_addressed(tmp_path: Path) -> None:
    text = 'module "m" {\n  source = "./m"\n}\nprovider "aws" {}\n# module "x" {\n'
    facts = pc.tf_facts(text)
    assert facts == {"k": ["./m"], "o": False, "r": True, "m": ["./m"]}
    cache = pc.FactsCache()
    blob = pc.blob_id(text.encode())
    assert cache.get(blob, text.encode) == facts
    cache.save()
    assert pc.FactsCache().known(blob)
    (tmp_path / "main.tf").write_text(text, encoding="utf-8")
    assert blob == git(tmp_path, "hash-object", "main.tf").strip()  # git's own blob id


def test_resolve_refuses_multi_line_refs(repo: Path) -> None:
    with pytest.raises(vcs.GitError, match="not a valid git revision"):
        vcs.resolve(repo, "main\nHEAD")


def test_downloaded_modules_given_to_the_base_are_in_its_key(repo: Path) -> None:
    mods = repo / "infra/app/.terraform/modules"
    write(mods, {"modules.json": '{"Modules": []}', "vpc/main.tf": "# v1\n"})
    listing = vcs.list_tree(repo, vcs.resolve(repo, "main"))
    virtual = repo.parent / "never-written"
    overlays: dict[str, Path] = {}

    def key() -> str | None:
        prints = pc.Fingerprints()
        prints.add_tree(virtual, pc.GitTree(listing, prints.facts,
                                            lambda shas: vcs.read_blobs(repo, shas), overlays))
        return prints.key(virtual / "infra/app", virtual, [])

    plain = key()
    overlays["infra/app"] = mods
    shared = key()
    assert shared == pc.Fingerprints().key(repo / "infra/app", repo, [])  # as the head sees it
    (mods / "vpc/main.tf").write_text("# v2\n", encoding="utf-8")
    assert len({plain, shared, key()}) == 3
    os.symlink("/etc", mods / "etc")
    assert key() is None  # links in a copied folder: never keyed


def test_detection_follows_symlinked_module_dirs_on_the_base_side(tmp_path: Path) -> None:
    r = init_repo(tmp_path / "r")
    write(r, {"infra/shared/x/main.tf": 'resource "aws_instance" "x" {}\n',
              "infra/live/a/main.tf": 'module "x" {\n  source = "./x"\n}\n'})
    os.symlink("../../shared/x", r / "infra" / "live" / "a" / "x")
    commit(r, {}, "one")
    out = _diff(r, Recording())
    assert [p.name for p in out.projects] == ["live/a"]  # shared/x is a called module


def test_resolve_an_expression_git_cannot_evaluate_is_missing(repo: Path) -> None:
    with pytest.raises(vcs.GitError, match="base ref '@{upstream}' not found"):
        vcs.resolve(repo, "@{upstream}")  # no upstream configured: git itself fails
    assert vcs.resolve(repo, "feature~1").hexsha == vcs.resolve(repo, "main").hexsha
