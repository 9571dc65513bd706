"""``~N`` as typed in a shell: bash turns a bare ``~0`` (``~1``... after pushd) into a folder.

``@~N`` and ``current~N`` reach press intact; a version that arrives as an
absolute path is named for what it is, with the spelling to use instead.
"""

from __future__ import annotations

import pytest

from pressroom import Site
from tests.conftest import write


@pytest.fixture
def three(site: Site) -> list[str]:
    out = []
    for i in range(3):
        write(site.root, "post/x", f"title: v{i}\n")
        out.append(site.save("post/x").saved[0].version)
    return out


def test_at_tilde_and_current_tilde_name_versions_everywhere(site: Site, three: list[str], cli) -> None:
    for name in ("@~1", "current~1", "~1"):
        code, out = cli.json("show", f"post/x@{name}")
        assert (code, out["data"]["version"]) == (0, three[1]), name
        code, out = cli.json("diff", "post/x", name)
        assert code == 0 and out["data"]["old"]["version"] == three[1], out
    code, out = cli.json("revert", "post/x", "--to", "@~2")
    assert code == 0 and out["data"]["reverted_to"] == three[0], out


@pytest.mark.parametrize("args", [("revert", "post/x", "--to", "{cwd}"), ("diff", "post/x", "{cwd}"),
                                  ("show", "post/x@{cwd}"), ("diff", "post/x", "@~1", "{cwd}")])
def test_a_version_the_shell_expanded_to_a_path_says_how_to_write_it(site: Site, three: list[str], cli,
                                                                     args: tuple[str, ...]) -> None:
    # What `press revert post/x --to ~0` receives from bash.
    cwd = str(site.root.parent)
    code, out = cli.json(*(a.format(cwd=cwd) for a in args))
    assert code == 2, out
    (error,) = out["errors"]
    assert cwd in error["message"]
    assert "@~N" in error["hint"] and "shell" in error["hint"]
    assert [v for _oid, v in site.store.history(site.store.read_ref("current", "post/x"))][0].parent == three[1]
