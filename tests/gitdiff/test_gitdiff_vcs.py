"""costgate.vcs: revisions read from git objects, safely, without touching the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitdiff_fakes import commit, git, init_repo, snapshot_repo, write

from costgate import vcs


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = init_repo(tmp_path / "repo")
    commit(r, {"infra/main.tf": 'resource "aws_instance" "a" {}\n',
               "infra/modules/db/main.tf": "# db\n", "README.md": "v1\n"}, "one")
    git(r, "tag", "v1")
    commit(r, {"infra/main.tf": 'resource "aws_instance" "b" {}\n', "new.txt": "n\n"}, "two")
    return r


def test_export_writes_the_revision_not_the_working_tree(repo: Path, tmp_path: Path) -> None:
    (repo / "infra" / "main.tf").write_text("# uncommitted edit\n", encoding="utf-8")
    rev = vcs.resolve(repo, "v1")
    diags = vcs.export_tree(repo, rev, tmp_path / "out")
    out = tmp_path / "out"
    assert diags == []
    assert (out / "infra/main.tf").read_text() == 'resource "aws_instance" "a" {}\n'
    assert (out / "infra/modules/db/main.tf").read_text() == "# db\n"
    assert not (out / "new.txt").exists()  # added only in the second commit
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "README.md", "infra/main.tf", "infra/modules/db/main.tf"]


def test_resolve_branch_tag_sha_and_relative(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    first = git(repo, "rev-parse", "HEAD~1").strip()
    assert vcs.resolve(repo, "main").hexsha == head
    assert vcs.resolve(repo, "v1").hexsha == first  # lightweight tag
    assert vcs.resolve(repo, "HEAD~1").hexsha == first
    assert vcs.resolve(repo, first[:10]).hexsha == first


def test_annotated_tag_resolves_to_its_commit(repo: Path) -> None:
    git(repo, "tag", "-a", "-m", "release", "rel", "HEAD~1")
    assert vcs.resolve(repo, "rel").hexsha == git(repo, "rev-parse", "HEAD~1").strip()


def test_missing_ref_is_one_clear_line(repo: Path) -> None:
    with pytest.raises(vcs.GitError) as err:
        vcs.resolve(repo, "nope")
    assert str(err.value) == ("base ref 'nope' not found; fetch it with "
                              "`git fetch --depth=1 origin nope`")
    assert err.value.exit_code == 2


def test_ref_naming_a_tree_is_refused(repo: Path) -> None:
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    with pytest.raises(vcs.GitError, match="names a tree, not a commit"):
        vcs.resolve(repo, tree)


def test_option_like_ref_is_refused(repo: Path) -> None:
    with pytest.raises(vcs.GitError, match="not a valid git revision"):
        vcs.resolve(repo, "--output=/tmp/x")


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(vcs.GitError, match="is not inside a git repository"):
        vcs.locate(plain)


def test_locate_gives_root_and_relative_path(repo: Path) -> None:
    where = vcs.locate(repo / "infra" / "modules")
    assert where.root == repo.resolve()
    assert where.relative == "infra/modules"
    assert vcs.locate(repo).relative == "."


def test_symlinks_inside_kept_outside_skipped(tmp_path: Path) -> None:
    r = init_repo(tmp_path / "r")
    write(r, {"mods/net/main.tf": "# net\n", "env/dev/x.tf": "# x\n"})
    os.symlink("../../mods/net", r / "env" / "dev" / "net")
    os.symlink("/etc/passwd", r / "env" / "dev" / "passwd.tf")
    os.symlink("../../../outside", r / "env" / "dev" / "up")
    os.symlink("loop2", r / "loop1")
    os.symlink("loop1", r / "loop2")
    commit(r, {}, "links")
    out = tmp_path / "out"
    diags = vcs.export_tree(r, vcs.resolve(r, "HEAD"), out)
    assert (out / "env/dev/net").is_symlink()
    assert (out / "env/dev/net/main.tf").read_text() == "# net\n"
    assert not (out / "env/dev/passwd.tf").exists() and not (out / "env/dev/up").exists()
    codes = sorted((d.code, d.message.split(":")[0]) for d in diags)
    assert codes == [("git_symlink_outside", "env/dev/passwd.tf"),
                     ("git_symlink_outside", "env/dev/up")]
    # a loop stays inside the export: recreated as links, refused later by the reader
    assert os.readlink(out / "loop1") == "loop2"


def test_submodule_is_skipped_with_a_diagnostic(tmp_path: Path) -> None:
    r = init_repo(tmp_path / "r")
    sha = commit(r, {"main.tf": "# m\n"}, "one")
    git(r, "update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/mod")
    git(r, "commit", "-q", "-m", "gitlink")
    out = tmp_path / "out"
    diags = vcs.export_tree(r, vcs.resolve(r, "HEAD"), out)
    assert [d.code for d in diags] == ["git_submodule_skipped"]
    assert "vendor/mod" in diags[0].message
    assert (out / "main.tf").is_file() and not (out / "vendor" / "mod").exists()


def test_oversized_blob_is_skipped(repo: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vcs, "MAX_BLOB_BYTES", 10)
    diags = vcs.export_tree(repo, vcs.resolve(repo, "HEAD"), tmp_path / "out")
    too_big = sorted(d.message.split(":")[0] for d in diags if d.code == "git_file_too_large")
    assert too_big == ["infra/main.tf"]  # 31 bytes; the 5- and 2-byte files are written
    assert (tmp_path / "out" / "README.md").is_file()


def test_reading_changes_nothing_in_the_repository(repo: Path, tmp_path: Path) -> None:
    (repo / "infra" / "main.tf").write_text("# dirty\n", encoding="utf-8")
    (repo / "untracked.tf").write_text("# new\n", encoding="utf-8")
    git(repo, "add", "untracked.tf")  # a staged change must stay staged
    before = snapshot_repo(repo)
    where = vcs.locate(repo / "infra")
    vcs.export_tree(where.root, vcs.resolve(where.root, "HEAD~1"), tmp_path / "out")
    with pytest.raises(vcs.GitError):
        vcs.resolve(where.root, "missing")
    assert snapshot_repo(repo) == before


def test_shallow_clone_with_and_without_the_base_commit(repo: Path, tmp_path: Path) -> None:
    url = (repo / ".git").as_uri()
    deep = tmp_path / "depth2"
    git(tmp_path, "clone", "-q", "--depth=2", url, str(deep))
    rev = vcs.resolve(deep, "HEAD~1")
    vcs.export_tree(deep, rev, tmp_path / "out")
    assert (tmp_path / "out" / "infra/main.tf").read_text() == 'resource "aws_instance" "a" {}\n'
    assert vcs.resolve(deep, "main").hexsha == git(deep, "rev-parse", "HEAD").strip()

    shallow = tmp_path / "depth1"
    git(tmp_path, "clone", "-q", "--depth=1", url, str(shallow))
    with pytest.raises(vcs.GitError) as err:
        vcs.resolve(shallow, "HEAD~1")
    assert str(err.value) == ("base ref 'HEAD~1' not found (this clone is shallow); fetch it "
                              "with `git fetch --depth=1 origin HEAD~1`")


def test_remote_tracking_branch_is_used_for_a_bare_branch_name(repo: Path,
                                                               tmp_path: Path) -> None:
    git(repo, "branch", "release", "HEAD~1")
    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--no-single-branch", "--depth=2", (repo / ".git").as_uri(),
        str(clone))
    assert "refs/heads/release" not in git(clone, "for-each-ref")
    assert vcs.resolve(clone, "release").hexsha == git(repo, "rev-parse", "release").strip()
