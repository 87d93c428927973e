"""Sphinx glue for the book's build (not used by the maths): fixes to third-party extensions."""

from __future__ import annotations


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep one copy of each script: sphinx-thebe 0.3.1 registers its inline config once per
    read phase, and a second ``const THEBE_JS_URL`` is a JavaScript error on every page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        # The same file or inline body, whatever priority each registration gave it.
        attributes = getattr(script, "attributes", {})
        filename = getattr(script, "filename", script) or ""  # inline scripts: None or ""
        key = (str(filename), tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # in place: handlers that run later (MathJax) append to this list


def setup(app):
    """Register the page hook; safe for parallel builds."""
    # html-page-context is emitted "first result wins": run before any handler that returns.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
