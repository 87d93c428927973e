"""Sphinx glue for the book's build (not used by the maths): fixes to third-party extensions and
parallel notebook execution."""

from __future__ import annotations

import fnmatch
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)
_BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


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


def build_jobs() -> int:
    """Notebooks executed at once: ``VANISHING_BUILD_JOBS`` if set, else the number of CPUs."""
    value = os.environ.get("VANISHING_BUILD_JOBS", "")
    if value.strip():
        try:
            jobs = int(value)
        except ValueError:
            raise ValueError(f"VANISHING_BUILD_JOBS must be an integer, got {value!r}") from None
        if jobs < 1:
            raise ValueError(f"VANISHING_BUILD_JOBS must be >= 1, got {jobs}")
        return jobs
    return os.cpu_count() or 1


def _execute(notebook, cwd: str, timeout: int | None, allow_errors: bool):
    """Worker: run one notebook in its own folder; returns (notebook, seconds, error text)."""
    from jupyter_cache.executors.utils import single_nb_execution

    # Kernels inherit this: one BLAS thread each. With several kernels on a few cores, BLAS
    # threads that spin while waiting for work slow every kernel down (about 2x measured).
    for var in _BLAS_THREAD_VARS:
        os.environ[var] = "1"
    result = single_nb_execution(
        notebook, cwd=cwd, timeout=timeout, allow_errors=allow_errors, meta_override=True
    )
    return result.nb, result.time, (result.exc_string if result.err is not None else None)


def _read(env, docname: str):
    """(notebook, reader data) of ``docname`` as myst-nb reads it, or None for plain Markdown."""
    from myst_nb.core.read import create_nb_reader

    path = Path(env.doc2path(docname))
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    return None if reader is None else (reader.read(text), reader.read_fmt)


def _outdated_notebooks(env, docnames) -> list[tuple[Path, object, dict]]:
    """(path, notebook, reader data) of each page to be read whose outputs are not cached."""
    from jupyter_cache import get_cache

    nb_config = env.mystnb_config
    cache = get_cache(nb_config.execution_cache_path)
    todo = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if any(fnmatch.fnmatch(str(path), p) for p in nb_config.execution_excludepatterns):
            continue
        read = _read(env, docname)
        if read is None:
            continue  # plain Markdown, nothing to run
        try:
            cache.match_cache_notebook(read[0])
        except KeyError:
            todo.append((path, *read))
    return todo


def _prefill_cache(app, env, docnames) -> None:
    """Run the outdated notebooks in parallel into myst-nb's cache before Sphinx reads them.

    Jupyter Book 1 reads (and so executes) pages one at a time. Here every notebook that is
    about to be read and has no cached outputs runs first, several at once; myst-nb then finds
    them in the cache. A notebook that fails is not cached, so myst-nb runs it again while
    reading and reports (and fails on) its error exactly as without this hook.
    """
    nb_config = getattr(env, "mystnb_config", None)
    if not docnames or nb_config is None or nb_config.execution_mode != "cache":
        return
    jobs = build_jobs()
    todo = _outdated_notebooks(env, docnames)
    if jobs < 2 or len(todo) < 2:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(nb_config.execution_cache_path)
    # Longest sources first: a crude but stable guess at which notebooks take longest.
    todo.sort(key=lambda item: -item[0].stat().st_size)
    logger.info(f"executing {len(todo)} notebooks, {min(jobs, len(todo))} at a time")
    context = multiprocessing.get_context("spawn")  # no forked copy of Sphinx's state
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context) as pool:
        futures = {
            pool.submit(
                _execute,
                notebook,
                str(path.parent),
                nb_config.execution_timeout,
                nb_config.execution_allow_errors,
            ): (path, read_fmt)
            for path, notebook, read_fmt in todo
        }
        for future in as_completed(futures):
            path, read_fmt = futures[future]
            executed, seconds, error = future.result()
            if error is not None:
                logger.info(f"{path.name} failed in the parallel run; it will run again")
                continue
            record = cache.add_nb_to_project(str(path), read_data=read_fmt)
            cache.cache_notebook_bundle(
                CacheBundleIn(executed, record.uri, data={"execution_seconds": seconds}),
                check_validity=False,
                overwrite=True,
            )
            logger.info(f"executed {path.name} in {seconds:.2f} s")


def _executed(env, docname: str):
    """The executed notebook of ``docname`` from myst-nb's cache, or None if it is not there."""
    from jupyter_cache import get_cache

    read = _read(env, docname)
    if read is None:
        return None
    cache = get_cache(env.mystnb_config.execution_cache_path)
    try:
        return cache.merge_match_into_notebook(read[0])[1]
    except KeyError:
        return None


_WRITTEN: dict[int, set[str]] = {}  # per Sphinx app: pages written in this build


def _note_written_page(app, pagename, templatename, context, doctree) -> None:
    """Remember each page written in this build (a no-change build writes none)."""
    _WRITTEN.setdefault(id(app), set()).add(pagename)


def _downloadable_notebooks(app, exception) -> None:
    """Make each ``_sources/**/*.ipynb`` written in this build (the theme's download button) the
    *executed* notebook, with cells numbered ``cell-0``, ``cell-1``, ...

    In cache mode myst-nb 1.4 writes the notebook it parsed, not the one with the cached outputs
    merged in, so the theme would offer a notebook without outputs; and the reader gives each
    cell a random id, while two builds of the same sources must give the same files.
    """
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    sources = Path(app.outdir) / "_sources"
    cached = getattr(app.env, "mystnb_config", None) is not None and (
        app.env.mystnb_config.execution_mode == "cache"
    )
    for docname in sorted(_WRITTEN.pop(id(app), set())):
        path = sources / f"{docname}.ipynb"
        if not path.exists():
            continue
        executed = _executed(app.env, docname) if cached and docname in app.env.all_docs else None
        notebook = executed if executed is not None else nbformat.read(path, as_version=4)
        for k, cell in enumerate(notebook.cells):
            cell["id"] = f"cell-{k}"
        nbformat.write(notebook, path)


def setup(app):
    """Register the hooks; safe for parallel builds."""
    # html-page-context is emitted "first result wins": run before any handler that returns.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    app.connect("env-before-read-docs", _prefill_cache)
    app.connect("html-page-context", _note_written_page)
    app.connect("build-finished", _downloadable_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
