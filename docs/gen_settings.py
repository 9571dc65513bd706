"""Write docs/settings.md: every key of pressroom.yaml and of a model file, from the tables the code checks them by.

Run it after adding or changing a setting or a model option:

    python docs/gen_settings.py          # rewrite docs/settings.md
    python docs/gen_settings.py --check  # exit 1 when it is out of date

The keys, defaults and model options' meanings come from the code (site.CONFIG_KEYS,
settings.HOOK_EVENTS/HOOK_KEYS/GIT_KEYS, serve.service.SERVE_KEYS,
models.MODEL_OPTIONS, models.STRATEGIES). What a pressroom.yaml key means is said
here, in SITE_KEYS: a key the code accepts that SITE_KEYS does not explain stops
this script (and tests/docs/test_settings.py), so a new key is documented or fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pressroom.models import MODEL_OPTIONS, STRATEGIES
from pressroom.records import DEFAULT_MAX_FILE_SIZE
from pressroom.serve.service import DEFAULT_CACHE_CONTROL, SERVE_KEYS, TOKEN_ENV
from pressroom.settings import DEFAULT_HOOKS_TIMEOUT, GIT_KEYS, HOOK_EVENTS, HOOK_KEYS
from pressroom.site import CONFIG_KEYS, CONFIG_NAME, Config

SETTINGS = Path(__file__).with_name("settings.md")


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n % factor == 0:
            return f"{n // factor}{unit}"
    return str(n)


def _seconds(s: float) -> str:
    return str(int(s)) if s == int(s) else str(s)


# Each key of pressroom.yaml, nested ones as "parent.key": (default, value, meaning, more at).
SITE_KEYS: dict[str, tuple[str, str, str, str]] = {
    "max_file_size": (_size(DEFAULT_MAX_FILE_SIZE), "a size: bytes, or N B/KiB/MiB/GiB",
                      "the largest record file (working file or `save -f`) press reads", "concepts.md#limits-on-input"),
    "hooks": ("none", "a mapping: event -> a command or a list of commands",
              "commands run after a command changed the published view", "automation.md#hooks"),
    "hooks.<event>": ("", "one of: " + ", ".join(f"`{e}`" for e in HOOK_EVENTS),
                      "the event whose commands these are", "automation.md#hooks"),
    "hooks.<event>[].run": ("", "a command line",
                            "the command, when a hook is given as a mapping (a plain string is the same)",
                            "automation.md#hooks"),
    "hooks.<event>[].timeout": ("hooks_timeout", "seconds", "how long this one hook may run",
                                "automation.md#hooks"),
    "hooks_timeout": (_seconds(DEFAULT_HOOKS_TIMEOUT), "seconds, more than 0", "how long a hook may run",
                      "automation.md#hooks"),
    "git": ("none", "a mapping", "how press works with the git repository the site is in", "automation.md#git"),
    "git.commit": (json.dumps(Config().git_commit), "true or false",
                   "every command commits the records it changed (the default of `--commit/--no-commit`)",
                   "automation.md#--commit"),
    "serve": ("none", "a mapping", "settings of `press serve`, the delivery API", "delivery-api.md"),
    "serve.preview_token_file": ("none", "a path, from the site root",
                                 f"a file holding the preview token (`{TOKEN_ENV}` wins over it)",
                                 "delivery-api.md#drafts-headers-and-the-preview-token"),
    "serve.cache_control": (f"`{DEFAULT_CACHE_CONTROL}`", "a Cache-Control value",
                            "the Cache-Control of published answers (`--cache-control` wins over it)",
                            "delivery-api.md#caching"),
    "serve.cors_origins": ("none", 'a list of origins, or "*"',
                           "origins whose browsers may read the API (`--cors-origin` wins over it)",
                           "delivery-api.md"),
}

# What each strategy of x-link's mapping form does: (key, strategy) -> meaning.
STRATEGY_TEXT: dict[tuple[str, str], str] = {
    ("on_publish", "refuse"): "publishing this record while the linked one is not published is refused, naming "
                              "the link",
    ("on_publish", "publish"): "the linked record is published in the same transaction (its own links' "
                               "strategies apply in turn)",
    ("on_unpublish", "refuse"): "unpublishing or archiving the linked record is refused while this record stays "
                                "published",
    ("on_unpublish", "unpublish"): "this record leaves the published view too",
    ("on_unpublish", "clear"): "the link is removed, in a new version published in the same transaction",
    ("on_delete", "refuse"): "deleting the linked record is refused",
    ("on_delete", "unpublish"): "this record leaves the published view",
    ("on_delete", "clear"): "the link is removed, in a new version published in the same transaction",
}


def code_site_keys() -> set[str]:
    """Every key of pressroom.yaml the code accepts, nested ones as SITE_KEYS names them."""
    return (set(CONFIG_KEYS) | {"hooks.<event>"} | {f"hooks.<event>[].{k}" for k in HOOK_KEYS}
            | {f"git.{k}" for k in GIT_KEYS} | {f"serve.{k}" for k in SERVE_KEYS})


def _default(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return f'`"{value}"`' if value == "" else f"`{value}`"
    return f"`{json.dumps(value)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """The whole of docs/settings.md; a ValueError when the code accepts a key this file does not explain."""
    undocumented = sorted(code_site_keys() - set(SITE_KEYS))
    stale = sorted(set(SITE_KEYS) - code_site_keys())
    missing_strategies = sorted({(k, s) for k, ss in STRATEGIES.items() for s in ss} - set(STRATEGY_TEXT))
    if undocumented or stale or missing_strategies:
        raise ValueError(f"docs/gen_settings.py: undocumented {undocumented + missing_strategies}, "
                         f"no longer in the code {stale}")
    out = [
        "# Settings",
        "",
        f"Every key of `{CONFIG_NAME}` and of a model file, `models/<model>.yaml`, on one page. This file is",
        "generated by `python docs/gen_settings.py` from the tables the code checks these files by;",
        "`tests/docs/test_settings.py` fails when it is out of date or when the code accepts a key it",
        "does not list. A key press does not know is refused, naming the file and the key, never",
        "ignored. Environment variables are listed in the man page (`man -l docs/press.1`, ENVIRONMENT).",
        "",
        f"## {CONFIG_NAME}",
        "",
        "The site's settings, at the site root. Every key is optional.",
        "",
        "| key | default | value | meaning | more |",
        "|---|---|---|---|---|",
    ]
    for key, (default, value, meaning, more) in SITE_KEYS.items():
        shown = default if default.startswith("`") or default in ("", "none") else f"`{default}`"
        out.append(f"| `{key}` | {shown} | {_cell(value)} | {_cell(meaning)} | [{more.split('#')[0]}]({more}) |")
    out += [
        "",
        "```yaml",
        f"# {CONFIG_NAME}",
        "max_file_size: 5MiB",
        "hooks_timeout: 600",
        "hooks:",
        '  after_publish: ["make build"]',
        "  after_schedule_run:",
        "    - {run: ./deploy.sh, timeout: 120}",
        "git: {commit: true}",
        "serve:",
        "  preview_token_file: .preview-token",
        '  cors_origins: ["https://example.org"]',
        "```",
        "",
        "## Model files: models/<model>.yaml",
        "",
        "A model file holds these options; each is optional. A folder `content/<model>/` without a",
        "model file is a model with every default and no schema. See [publishing](publishing.md#models).",
        "",
        "| option | default | meaning |",
        "|---|---|---|",
    ]
    for key, option in MODEL_OPTIONS.items():
        out.append(f"| `{key}` | {_default(option.default)} | {_cell(option.help)} |")
    out += [
        "",
        "## Links: x-link",
        "",
        "`x-link` is the one keyword press reads inside a model's `schema`; any other `x-` key is left",
        "to JSON Schema, which ignores it. On a string property (or on an array's items) it makes the",
        "value the id of a record of a model. Where it may sit: [publishing](publishing.md#models).",
        "",
        "| form | meaning |",
        "|---|---|",
        "| `x-link: MODEL` | a link to a record of MODEL; every strategy is `refuse` |",
        "| `x-link: {model: MODEL, " + ", ".join(f"{k}: ..." for k in STRATEGIES) + "}` "
        "| the same, choosing what happens to this record when the linked one moves |",
        "",
        "| key | strategy | what happens |",
        "|---|---|---|",
    ]
    for key, strategies in STRATEGIES.items():
        for i, strategy in enumerate(strategies):
            default = " (default)" if i == 0 else ""
            out.append(f"| `{key}` | `{strategy}`{default} | {_cell(STRATEGY_TEXT[(key, strategy)])} |")
    out += [
        "",
        "More on link strategies: [publishing](publishing.md#link-strategies-what-a-link-field-does-when-its-"
        "target-moves).",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = SETTINGS.read_text(encoding="utf-8") if SETTINGS.exists() else ""
        if current != text:
            print(f"{SETTINGS} is out of date: run python docs/gen_settings.py", file=sys.stderr)
            return 1
        return 0
    SETTINGS.write_text(text, encoding="utf-8")
    print(f"wrote {SETTINGS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
