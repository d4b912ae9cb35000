"""momrel.gitrepo on real git repositories: refs, tags in semantic-version order, files and
commits at a ref, the commits it makes, and one readable error for each way of asking wrong."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

import pytest

from momrel.errors import GitError, MissingPath, MomrelError, NotARepository, UnknownRef
from momrel.gitrepo import Identity, Version, clone, init_repository, open_repository, sort_releases
from support import git, raises_momrel_error

TAGS = ["v1.10.0", "v1.3.0", "v1.4.0", "v1.4.0-dev.1", "v1.4.0-dev.2", "v1.4.0-rc.1", "latest", "v1"]


def _commit(root, name: str, text: str, message: str, when: int) -> str:
    """Commit one file at a fixed committer time, in a +02:00 offset."""
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)
    git(root, "add", name)
    git(root, "commit", "-qm", message, env={**os.environ, "GIT_COMMITTER_DATE": f"@{when} +0200"})
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def tagged(tmp_path):
    """main: three commits; lightweight and annotated tags, some of them not versions."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    first = _commit(root, "sql/schema.sql", "CREATE TABLE a ();\n", "first", 1_700_000_000)
    git(root, "tag", "v1.3.0", first)                          # lightweight
    second = _commit(root, "sql/schema.sql", "CREATE TABLE b ();\n", "second", 1_700_000_100)
    for tag in ("v1.4.0-dev.1", "v1.4.0-dev.2", "v1.4.0-rc.1", "v1"):
        git(root, "tag", "-a", tag, "-m", f"release {tag}", second)
    third = _commit(root, "notes/readme.txt", "hello\n", "third", 1_700_000_200)
    for tag in ("v1.4.0", "v1.10.0", "latest"):
        git(root, "tag", "-a", tag, "-m", f"release {tag}", third)
    return root, {"first": first, "second": second, "third": third}


def test_refs_resolve_to_commits(tagged, tmp_path):
    root, commits = tagged
    repo = open_repository(root)
    assert repo.resolve("v1.3.0") == commits["first"]
    assert repo.resolve("v1.4.0") == commits["third"]          # annotated tag peeled
    assert repo.resolve("HEAD") == repo.resolve("main") == commits["third"]
    assert repo.resolve(commits["second"][:10]) == commits["second"]
    assert repo.resolve("HEAD~2") == commits["first"]
    copy = clone(root, tmp_path / "copy", "main")
    assert copy.resolve("origin/main") == commits["third"]
    assert copy.checked_out_branch() == "main"


def test_tags_and_release_order(tagged):
    repo = open_repository(tagged[0])
    assert sorted(repo.tags()) == sorted(TAGS)
    assert [r.name for r in repo.release_tags()] == \
        ["v1.3.0", "v1.4.0-dev.1", "v1.4.0-dev.2", "v1.4.0-rc.1", "v1.4.0", "v1.10.0"]
    assert repo.release_before("v1.4.0").name == "v1.3.0"
    assert repo.release_before("v1.4.0", include_prereleases=True).name == "v1.4.0-rc.1"
    assert repo.release_before("v1.10.0").name == "v1.4.0"
    assert repo.release_before("v1.3.0") is None
    with raises_momrel_error(1, kind=UnknownRef, match="latest: not a release tag"):
        repo.release_before("latest")


def test_semver_precedence():
    # The example chain of semver.org, section 11.
    chain = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
             "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1", "10.0.0"]
    versions = [Version.parse(v) for v in chain]
    assert all(a < b for a, b in zip(versions, versions[1:]))
    assert sorted(reversed(versions)) == versions
    assert Version.parse("v1.4.0-dev.1") < Version.parse("v1.4.0") < Version.parse("v1.10.0")
    assert Version.parse("1.0.0+build.7") == Version.parse("1.0.0")   # build metadata ignored
    assert str(Version.parse("v1.4.0-dev.1+b.5")) == "1.4.0-dev.1+b.5"
    assert Version.parse("v1.4.0-dev.1").is_prerelease and not Version.parse("1.4.0").is_prerelease
    for not_a_version in ("v1", "1.4", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "latest", "",
                          "1.2.3\n", "V1.2.3", "1.2.3.4", "١.2.3"):
        assert Version.parse(not_a_version) is None, not_a_version
    assert [r.name for r in sort_releases(["v2.0.0", "x", "2.0.0-a", "v1.0.0"])] == \
        ["v1.0.0", "2.0.0-a", "v2.0.0"]


def test_file_and_commit_at_a_ref(tagged):
    root, commits = tagged
    repo = open_repository(root)
    assert repo.read_file("v1.3.0", "sql/schema.sql") == b"CREATE TABLE a ();\n"
    assert repo.read_file("v1.4.0-dev.1", "./sql//schema.sql") == b"CREATE TABLE b ();\n"
    commit = repo.read_commit("v1.4.0")
    assert (commit.sha, commit.parents, commit.message) == \
        (commits["third"], (commits["second"],), "third\n")
    assert commit.tree == git(root, "rev-parse", "v1.4.0^{tree}").strip()
    assert repo.commit_time("v1.3.0") == datetime.fromtimestamp(1_700_000_000, timezone.utc)
    assert repo.commit_time("v1.3.0").utcoffset().total_seconds() == 2 * 3600


def test_bytes_are_read_as_committed(tagged):
    root, _ = tagged
    data = bytes(range(256)) + b"\r\n\n"
    (root / "blob.bin").write_bytes(data)
    git(root, "add", "blob.bin")
    git(root, "commit", "-qm", "binary")
    assert open_repository(root).read_file("HEAD", "blob.bin") == data


@pytest.mark.parametrize("ref, message", [
    ("no-such-ref", "no-such-ref: not a git ref of repo"),
    ("", "an empty git ref"),
    ("--output=x", "--output=x: not a git ref"),
    ("v1.3.0:sql/schema.sql", "not a git ref"),
    ("bad\nref", "'bad\\nref': not a git ref"),
])
def test_unknown_ref_is_one_line_naming_it(tagged, ref, message):
    with raises_momrel_error(1, kind=UnknownRef) as caught:
        open_repository(tagged[0]).resolve(ref)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.ref == ref


@pytest.mark.parametrize("path, message", [
    ("sql/missing.sql", "sql/missing.sql does not exist at v1.4.0 (commit "),
    ("sql", "sql is a folder, not a file, at v1.4.0"),
    ("../outside", "../outside is not a path inside the repository at v1.4.0"),
    ("/sql/schema.sql", "not a path inside the repository"),
    ("sql/*.sql", "does not exist"),
    ("", "'' is not a path inside the repository"),
])
def test_missing_path_is_one_line(tagged, path, message):
    with raises_momrel_error(1, kind=MissingPath, match=re.escape(message)):
        open_repository(tagged[0]).read_file("v1.4.0", path)


def test_symlink_and_unknown_ref_when_reading(tagged):
    root, _ = tagged
    (root / "link.sql").symlink_to("sql/schema.sql")
    git(root, "add", "link.sql")
    git(root, "commit", "-qm", "link")
    repo = open_repository(root)
    with raises_momrel_error(1, kind=MissingPath,
                             match="link.sql is a symbolic link, not a file, at HEAD"):
        repo.read_file("HEAD", "link.sql")
    with raises_momrel_error(1, kind=UnknownRef, match="v9: not a git ref"):
        repo.read_file("v9", "sql/schema.sql")


def test_what_is_not_a_repository(tmp_path):
    with raises_momrel_error(1, kind=NotARepository, match="no such folder"):
        open_repository(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    with raises_momrel_error(1, kind=NotARepository, match="not a folder"):
        open_repository(tmp_path / "file")
    with raises_momrel_error(1, kind=NotARepository, match="is not a git repository"):
        open_repository(tmp_path)
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    with raises_momrel_error(1, kind=NotARepository, match="bare git repository"):
        open_repository(tmp_path / "bare.git")
    empty = init_repository(tmp_path / "empty")
    with raises_momrel_error(1, kind=UnknownRef, match="HEAD: empty has no commits yet"):
        empty.resolve("HEAD")
    assert empty.tags() == [] and empty.release_tags() == []
    assert issubclass(NotARepository, GitError) and issubclass(GitError, MomrelError)


def test_a_folder_inside_a_repository_is_not_one(tagged):
    with raises_momrel_error(1, kind=NotARepository, match="is not a git repository"):
        open_repository(tagged[0] / "sql")


def test_commits_and_tags_it_makes(tmp_path):
    repo = init_repository(tmp_path / "built")
    identity = Identity("builder", "builder@momrel.invalid")
    (repo.root / "a.txt").write_text("one\n")
    first = repo.commit_all("one", identity)
    repo.tag("v1.0.0", "release 1.0.0", identity=identity)
    (repo.root / "a.txt").unlink()
    (repo.root / "b.txt").write_text("two\n")
    second = repo.commit_all("two", identity)
    assert repo.resolve("v1.0.0") == first and repo.resolve("HEAD") == second
    assert git(repo.root, "cat-file", "-t", "v1.0.0").strip() == "tag"   # annotated
    assert git(repo.root, "log", "-1", "--format=%an <%ae> %cn", "HEAD").strip() == \
        "builder <builder@momrel.invalid> builder"
    assert git(repo.root, "ls-tree", "--name-only", "HEAD").split() == ["b.txt"]
    assert repo.read_commit("HEAD").parents == (first,)
    with raises_momrel_error(1, kind=GitError,
                             match="built: git commit failed: nothing to commit"):
        repo.commit_all("nothing", identity)


def test_snapshot_commit_leaves_index_and_work_tree_alone(tagged):
    root, commits = tagged
    repo = open_repository(root)
    (root / "sql" / "schema.sql").write_text("CREATE TABLE c ();\n")
    (root / "new.txt").write_text("new\n")
    status = git(root, "status", "--porcelain")
    tree = repo.snapshot_tree(["sql", "new.txt"])
    commit = repo.commit_tree(tree, [repo.resolve("HEAD")], "snapshot")
    repo.point_branch("snap", commit, "test snapshot")
    assert repo.resolve("snap") == commit and repo.read_commit("snap").parents == (commits["third"],)
    assert repo.read_file("snap", "sql/schema.sql") == b"CREATE TABLE c ();\n"
    assert repo.read_file("snap", "notes/readme.txt") == b"hello\n"
    assert git(root, "status", "--porcelain") == status
    assert repo.checked_out_branch() == "main" and repo.resolve("HEAD") == commits["third"]
    git(root, "checkout", "-q", "--detach", "HEAD")
    assert repo.checked_out_branch() is None


def test_set_config_replaces_the_value(tagged):
    root, _ = tagged
    repo = open_repository(root)
    git(root, "config", "--add", "include.path", "one")
    git(root, "config", "--add", "include.path", "two")
    repo.set_config("include.path", "../hooks/gitconfig")
    assert git(root, "config", "--local", "--get-all", "include.path") == "../hooks/gitconfig\n"
