"""examples/eleventy builds the sample site with the real Eleventy 3 (from npm, by its lockfile):
a published build holds no text of a draft or an unpublished edit in any file, a preview
build holds all of it, and a build replaces every page of the build before it."""

from __future__ import annotations

from tests.examples.node_helpers import NodeExampleTests


class TestEleventy(NodeExampleTests):
    example = "eleventy"
