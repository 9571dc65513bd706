"""examples/astro builds the sample site with the real Astro 5 (from npm, by its lockfile):
a published build holds no text of a draft or an unpublished edit in any file, a preview
build holds all of it, and a build replaces every page of the build before it."""

from __future__ import annotations

from tests.examples.node_helpers import NodeExampleTests


class TestAstro(NodeExampleTests):
    example = "astro"
