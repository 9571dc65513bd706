"""``press serve``: a read-only HTTP delivery API over the site's store.

``service`` answers requests as plain data (no web framework in it);
``app`` puts it on Starlette and uvicorn. Only ``press serve`` imports this
package, so the rest of the CLI never pays for loading the web stack.
"""
