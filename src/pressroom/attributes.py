"""The ``.gitattributes`` lines pressroom needs, and writing them (no git needed).

Git must merge the store's refs with pressroom's driver and its logs as a
union, and must never convert the bytes of ``.press/`` (objects are named by
their hash), ``content/`` or ``models/`` (a record's file is compared with
its saved blob). Each of those folders gets a ``.gitattributes`` of its own:
a deeper file wins over a ``* text=auto`` in the site's, in any order.
``press init`` writes them before there is a repository; ``press git setup``
and ``press merge-driver install`` write them with the git config.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import BadContentError, Where

DRIVER = "pressroom-ref"
ATTRIBUTES = (
    f"/.press/refs/** merge={DRIVER}",
    f"/.press/schedules/** merge={DRIVER}",
    "/.press/logs/** merge=union",
    "/.press/pruned/** merge=union",
)
_ATTR_HEADER = "# pressroom: merge the store's refs, schedules and logs (press git setup)"
# Folder -> its .gitattributes lines: no conversion, whatever the files above say. The store's
# objects are hashed, so nothing may touch them; content and models may use LFS for other files.
BYTE_FOR_BYTE = {
    ".press": ("* -text -filter -ident -working-tree-encoding",),
    "content": ("* -text",),
    "models": ("* -text",),
}
_BYTES_HEADER = "# pressroom: git checks out and commits these files byte for byte (press git setup)"


@dataclass(frozen=True)
class AttributesWritten:
    """Lines added to the site's ``.gitattributes`` (``site``), and to the ``.gitattributes`` of
    ``.press/``, ``content/`` and ``models/`` (``nested``: file -> lines, only files that changed)."""

    site: list[str]
    nested: dict[str, list[str]]


def write_attributes(root: Path) -> AttributesWritten:
    """Add pressroom's lines to the site's ``.gitattributes`` files (see ``BYTE_FOR_BYTE``).

    Only missing lines are appended; every other line stays as it is. Needs
    no git: ``press init`` writes them before there is a repository.
    """
    nested = {}
    for folder, lines in BYTE_FOR_BYTE.items():
        (root / folder).mkdir(exist_ok=True)
        added = _append_lines(root / folder / ".gitattributes", _BYTES_HEADER, lines)
        if added:
            nested[f"{folder}/.gitattributes"] = added
    return AttributesWritten(site=_append_lines(root / ".gitattributes", _ATTR_HEADER, ATTRIBUTES), nested=nested)


def _append_lines(path: Path, header: str, lines: tuple[str, ...]) -> list[str]:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        text = ""
    except UnicodeDecodeError:
        raise BadContentError("is not UTF-8 text", where=Where(file=str(path)),
                              hint="fix or remove it, then set git up again (Site.setup_git)",
                              cause="git.attributes_not_utf8") from None
    present = {line.strip() for line in text.splitlines()}
    added = [line for line in lines if line not in present]
    if added:
        # One header per file, whichever pressroom wrote it (older ones named `merge-driver install`).
        mine = any(line.startswith("# pressroom:") for line in present)
        block = "" if not text or text.endswith("\n") else "\n"
        block += "".join(f"{line}\n" for line in ([] if mine else [header]) + added)
        with open(path, "a", encoding="utf-8", newline="") as f:
            f.write(block)
    return added
