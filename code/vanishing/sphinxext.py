"""Sphinx glue for the book's build (not used by the maths): fixes to third-party extensions,
re-execution of the chapters whose package code changed, parallel notebook execution, and the
layout of the PDF (title page, parts, preface, solutions appendix; the HTML is unaffected), and
two reading aids of the HTML: figures legible on a phone, and previews of references that work
offline."""

from __future__ import annotations

import fnmatch
import json
import multiprocessing
import os
import posixpath
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from math import ceil
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)
_DEPENDENCY_FILE = "vanishing-dependencies.json"  # in myst-nb's execution cache folder
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
    import tempfile

    from jupyter_cache.executors.utils import single_nb_execution
    from jupyter_client import KernelManager

    # Kernels inherit this: one BLAS thread each. With several kernels on a few cores, BLAS
    # threads that spin while waiting for work slow every kernel down (about 2x measured).
    for var in _BLAS_THREAD_VARS:
        os.environ[var] = "1"
    # The kernel talks to us over Unix sockets in a private folder (IPC transport), not over
    # unencrypted TCP on localhost, which ipykernel 7 warns about once per notebook.
    with tempfile.TemporaryDirectory(prefix="vanishing-kernel-") as folder:
        name = notebook.metadata.get("kernelspec", {}).get("name", "python3")
        km = KernelManager(kernel_name=name, transport="ipc", ip=str(Path(folder) / "kernel"))
        try:
            result = single_nb_execution(
                notebook,
                cwd=cwd,
                timeout=timeout,
                allow_errors=allow_errors,
                meta_override=True,
                km=km,
            )
        finally:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    return result.nb, result.time, (result.exc_string if result.err is not None else None)


def _read(env, docname: str):
    """(notebook, reader data) of ``docname`` as myst-nb reads it, or None for plain Markdown."""
    from myst_nb.core.read import create_nb_reader

    path = Path(env.doc2path(docname))
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    return None if reader is None else (reader.read(text), reader.read_fmt)


def _notebook_sources(env, docnames) -> dict[str, str]:
    """docname -> MyST text, for each of ``docnames`` that is a notebook with code cells."""
    sources = {}
    for docname in docnames:
        path = Path(env.doc2path(docname))
        if path.suffix == ".md" and path.is_file():
            text = path.read_text(encoding="utf-8")
            if "{code-cell}" in text:
                sources[docname] = text
    return sources


def _dependency_hashes(env, docnames) -> dict[str, str]:
    """docname -> hash of the package modules its code cells run (``vanishing.builddeps``)."""
    import vanishing

    from .builddeps import dependency_hashes

    return dependency_hashes(_notebook_sources(env, docnames), Path(vanishing.__file__).parent)


def _recorded_hashes(env) -> dict[str, str]:
    """The dependency hash each cached notebook was executed with, as the last build wrote it."""
    path = Path(env.mystnb_config.execution_cache_path) / _DEPENDENCY_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _caching(env) -> bool:
    """True when myst-nb executes into its cache (the book's ``execute_notebooks: cache``)."""
    nb_config = getattr(env, "mystnb_config", None)
    return nb_config is not None and nb_config.execution_mode == "cache"


def _changed_dependencies(app, env, added, changed, removed) -> list[str]:
    """Pages to read again although their source did not change: those whose package code
    changed since their cached outputs were made (Sphinx's ``env-get-outdated``)."""
    if not _caching(env):
        return []
    unchanged = set(env.found_docs) - set(added) - set(changed) - set(removed)
    recorded = _recorded_hashes(env)
    current = _dependency_hashes(env, unchanged)
    return sorted(doc for doc, digest in current.items() if recorded.get(doc) != digest)


def _static_hash(app) -> str:
    """SHA-256 of the names and contents of every file in the project's static folders."""
    import hashlib

    digest = hashlib.sha256()
    for folder in app.config.html_static_path:
        root = Path(app.confdir, folder)
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _changed_static_files(app, env, added, changed, removed) -> list[str]:
    """Read the root page again when a static file (the book's CSS or JS) changed: Sphinx copies
    static files only in a build that writes a page, so a CSS-only edit would otherwise never
    reach the HTML (Sphinx's ``env-get-outdated``)."""
    digest = _static_hash(app)
    if getattr(env, "vanishing_static_hash", None) == digest:
        return []
    env.vanishing_static_hash = digest  # pickled with the environment after reading
    return [app.config.root_doc] if app.config.root_doc in env.found_docs else []


_READ_HASHES: dict[int, dict[str, str]] = {}  # per build environment: docname -> hash when read


def _drop_stale_outputs(env, docnames) -> None:
    """Remove the cached outputs of each notebook about to be read whose package code changed
    since it was executed (or whose record is missing), so that it runs again."""
    from jupyter_cache import get_cache

    current = _dependency_hashes(env, docnames)
    _READ_HASHES[id(env)] = current
    recorded = _recorded_hashes(env)
    cache = get_cache(env.mystnb_config.execution_cache_path)
    for docname, digest in current.items():
        if recorded.get(docname) == digest:
            continue
        read = _read(env, docname)
        try:
            record = cache.match_cache_notebook(read[0])
        except KeyError:
            continue
        logger.info(f"{docname}: its package code changed; executing it again")
        cache.remove_cache(record.pk)


def _record_hashes(app, exception) -> None:
    """After a build, note the dependency hash of each notebook read in it that is now cached."""
    current = _READ_HASHES.pop(id(app.env), None)
    if not current or not _caching(app.env):
        return
    from jupyter_cache import get_cache

    cache = get_cache(app.env.mystnb_config.execution_cache_path)
    recorded = _recorded_hashes(app.env)
    for docname, digest in current.items():
        read = _read(app.env, docname)
        try:
            cache.match_cache_notebook(read[0])
            recorded[docname] = digest
        except KeyError:
            recorded.pop(docname, None)  # it failed: nothing cached to vouch for
    path = Path(app.env.mystnb_config.execution_cache_path) / _DEPENDENCY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")


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
    reading and reports (and fails on) its error exactly as without this hook. Before that, the
    cached outputs of notebooks whose package code changed are dropped (``_drop_stale_outputs``).
    """
    if not docnames or not _caching(env):
        return
    _drop_stale_outputs(env, docnames)
    nb_config = env.mystnb_config
    jobs = build_jobs()
    todo = _outdated_notebooks(env, docnames)
    if not todo:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(nb_config.execution_cache_path)
    # Longest sources first: a crude but stable guess at which notebooks take longest.
    todo.sort(key=lambda item: -item[0].stat().st_size)
    plural = "notebook" if len(todo) == 1 else "notebooks"
    logger.info(f"executing {len(todo)} {plural}, {min(jobs, len(todo))} at a time")
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


# ------------------------------------------------------------------ figures legible on a phone

LEGIBLE_PX = 8.0  # the smallest figure text (CSS px) a reader can read without zooming
_GLYPH_SCALE = re.compile(r"scale\(([\d.]+) -[\d.]+\)")  # matplotlib text drawn as glyph paths
_VIEWBOX_WIDTH = re.compile(r'viewBox="[\d.eE+-]+ [\d.eE+-]+ ([\d.eE+]+) ')
_FIGURE_IMAGE = re.compile(r'(<figure\b[^>]*>\s*)(<img\b[^>]*?\bsrc="([^"]+\.svg)"[^>]*>)')


def _legible_width(svg: str) -> int | None:
    """The narrowest width (CSS px) at which every label of a matplotlib SVG is LEGIBLE_PX tall, or
    None if it has no labels drawn as glyphs. Each label is a group ``text_N`` of glyphs scaled by
    font size / 100 in the SVG's units (its sub- and superscripts are smaller; a label counts at
    its main size)."""
    width = _VIEWBOX_WIDTH.search(svg)
    sizes = [
        100 * max(float(v) for v in _GLYPH_SCALE.findall(group))
        for group in svg.split('<g id="text_')[1:]
        if _GLYPH_SCALE.search(group)
    ]
    if width is None or not sizes:
        return None
    return ceil(LEGIBLE_PX * float(width[1]) / min(sizes))


def _legible_figures(app, pagename, templatename, context, doctree) -> None:
    """Put each figure's SVG image in a box that scrolls sideways, and give the image the minimum
    width at which its smallest label is LEGIBLE_PX (``--vg-legible-width``, used by
    vanishing.css). On a wide screen the image is narrower than its column anyway; on a phone it
    keeps that width and scrolls, with a cue at the edges (vanishing.js), instead of shrinking its
    text to 4-7 px. The figure is drawn once: the same SVG, only laid out differently."""
    body = context.get("body")
    if not body or app.builder.format != "html" or "<figure" not in body:
        return
    sources = {Path(dest).name: src for src, dest in getattr(app.builder, "images", {}).items()}

    def wrap(match: re.Match) -> str:
        source = sources.get(match[3].rsplit("/", 1)[-1])
        path = Path(app.srcdir, source) if source else None
        width = _legible_width(path.read_text()) if path is not None and path.is_file() else None
        style = f' style="--vg-legible-width: {width}px"' if width else ""
        return (
            f'{match[1]}<div class="vg-figure-frame"><div class="vg-figure-scroll"{style}>'
            f"{match[2]}</div></div>"
        )

    context["body"] = _FIGURE_IMAGE.sub(wrap, body)


# ------------------------------------------------------------------ previews that work offline

_PREVIEW_FILE = "vg-previews.js"  # in the HTML's _static folder


def _is_preview_target(tag) -> bool:
    """What vanishing.js previews: a figure, a display equation, an exercise or other box, a
    theorem or algorithm, a table (its KINDS)."""
    classes = set(tag.get("class") or ())
    return tag.name in ("figure", "table") or (
        tag.name == "div" and bool(classes & {"math", "admonition", "proof"})
    )


def _empty_preview_index(app) -> None:
    """Start each HTML build with an empty index: Sphinx gives a script tag a ``?v=`` checksum of
    the file found when the page is written, and an empty file has none, so the pages do not
    depend on what a previous build left there. The index is written when the build finishes."""
    if app.builder.format != "html":
        return
    static = Path(app.outdir, "_static")
    static.mkdir(parents=True, exist_ok=True)
    (static / _PREVIEW_FILE).write_text("")


def _preview_index(app, exception) -> None:
    """Write ``_static/vg-previews.js``: a global map ``window.VG_PREVIEWS`` from "page#id" (page
    relative to the HTML root) to the HTML of each figure, equation, exercise, theorem or table
    that a link on ANOTHER page points to. vanishing.js shows a hover preview from it; a page
    opened from disk (file://) cannot fetch its neighbours, but it can load a script. Keys sorted,
    no dates: two builds of the same source write the same file."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    uris = [app.builder.get_target_uri(d) for d in sorted(app.env.found_docs)]
    uris = [uri for uri in uris if (out / uri).is_file()]
    # A rebuild that rewrote no page finds the same index: reuse it (parsing every page is most
    # of a no-change rebuild). The key is each page's size and modification time.
    key = [[uri, (out / uri).stat().st_size, (out / uri).stat().st_mtime_ns] for uri in uris]
    cache = Path(app.doctreedir, "vg-previews-cache.json")
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    if cached.get("key") == key:
        (out / "_static" / _PREVIEW_FILE).write_text(cached["text"], encoding="utf-8")
        return
    text = _preview_text(out, uris)
    (out / "_static" / _PREVIEW_FILE).write_text(text, encoding="utf-8")
    cache.write_text(json.dumps({"key": key, "text": text}), encoding="utf-8")


def _preview_text(out: Path, uris: list[str]) -> str:
    """The text of ``vg-previews.js`` for the HTML pages ``uris`` (relative to ``out``)."""
    from bs4 import BeautifulSoup

    pages = {}
    for uri in uris:
        page = BeautifulSoup((out / uri).read_text(encoding="utf-8"), "html.parser")
        pages[uri] = page.select_one("article") or page
    wanted = set()
    for uri, article in pages.items():
        for link in article.select('a.reference.internal[href*="#"]'):
            path, _, anchor = link["href"].partition("#")
            if path and anchor and "://" not in path:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(uri), path))
                if target != uri and target in pages:
                    wanted.add((target, anchor))
    index = {}
    for target, anchor in sorted(wanted):
        found = pages[target].find(id=anchor)
        if found is not None and _is_preview_target(found):
            index[f"{target}#{anchor}"] = str(found)
    return (
        "// Generated by vanishing.sphinxext: the targets of references between pages, for the\n"
        "// hover previews of vanishing.js (a script loads from disk, where fetch cannot).\n"
        f"window.VG_PREVIEWS = {json.dumps(index, sort_keys=True, indent=0, ensure_ascii=True)};\n"
    )


# ------------------------------------------------------------------ line breaks around inline maths


class KeepMathWithItsNeighbours(SphinxPostTransform):
    """HTML: an inline formula and the characters that touch it (the ")." or "," after it, a glued
    number just before it, as in "0.55$^k$") go on one line, in a ``span.vg-nowrap``; otherwise the
    browser may break the line right after the formula and start the next one with ")."."""

    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for math in list(self.document.findall(nodes.math)):
            parent = math.parent
            if (
                parent is None
                or isinstance(parent, nodes.inline)
                and ("vg-nowrap" in parent["classes"])
            ):
                continue
            index = parent.index(math)
            start, end = index, index + 1
            before = parent[index - 1] if index > 0 else None
            if isinstance(before, nodes.inline) and "pasted-text" in before["classes"]:
                start -= 1  # a glued number right before the formula (no space between)
            after = parent[index + 1] if index + 1 < len(parent) else None
            tail = None
            if isinstance(after, nodes.Text) and after.astext()[:1].strip():
                text = after.astext()
                word = text.split(maxsplit=1)[0]  # up to the next space: ")." or ","
                tail = text[len(word) :]
                end += 1
            if end - start == 1:
                continue
            group = nodes.inline(classes=["vg-nowrap"])
            children = list(parent[start:end])
            del parent[start:end]  # by position: Text nodes compare equal by their text
            if tail is not None:
                children[-1] = nodes.Text(word)
            group.extend(children)
            parent.insert(start, group)
            if tail:
                parent.insert(start + 1, nodes.Text(tail))


# ------------------------------------------------------------------ the bibliography's labels

BIBLIOGRAPHY_STYLE = "vanishing_author_year"  # _config.yml's bibtex_default_style


def author_year_label(entry) -> str:
    """The bibliography label of ``entry`` in the form of the text's author-year citations:
    "Doya, 1992", "Glorot and Bengio, 2010", "Pascanu et al., 2013"."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []

    def last(person) -> str:
        names = person.rich_prelast_names + person.rich_last_names
        return " ".join(name.render_as("text") for name in names)

    if not persons:
        who = entry.fields.get("organization") or entry.fields.get("title", "Anon.")
    elif len(persons) == 1:
        who = last(persons[0])
    elif len(persons) == 2:
        who = f"{last(persons[0])} and {last(persons[1])}"
    else:
        who = f"{last(persons[0])} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


def _register_bibliography_style() -> None:
    """pybtex's plain style with author-year labels, so the bibliography's labels match the
    author-year citations of the text (plain numbers them [1], [2], ...). Two works with one
    label get "a", "b" after the year."""
    from collections import Counter

    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as Plain
    from pybtex.style.labels import BaseLabelStyle

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            labels = [author_year_label(entry) for entry in sorted_entries]
            repeated, seen = Counter(labels), Counter()
            for label in labels:
                if repeated[label] > 1:
                    seen[label] += 1
                    label = f"{label}{chr(ord('a') + seen[label] - 1)}"
                yield label

    class AuthorYear(Plain):
        default_label_style = "vanishing_author_year"

    register_plugin("pybtex.style.labels", BIBLIOGRAPHY_STYLE, AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", BIBLIOGRAPHY_STYLE, AuthorYear, force=True)


# ------------------------------------------------------------------ the PDF (LaTeX builder only)

SUBTITLE = "An executable textbook"
SOLUTIONS_TITLE = "Solutions to the exercises"
PREFACE_TITLE = "Preface"


def _licence() -> str:
    """The package's licence as its metadata states it (pyproject's ``license``)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        return metadata("vanishing").get("License") or "MIT"
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "MIT"


def _tex(text: str) -> str:
    """``text`` with the characters LaTeX treats specially escaped (for the title page)."""
    from sphinx.util.texescape import escape

    return escape(text)


def latex_title_page(config) -> str:
    """The PDF's title page and its verso: title, subtitle, authors, version, the address of the
    HTML edition, copyright and licence; no build date, so two builds give the same pages."""
    import vanishing

    for field in ("html_baseurl", "project", "author"):
        if not hasattr(config, field):
            raise TypeError(f"config must be a Sphinx config (with {field}), got {config!r:.40}")
    url = config.html_baseurl or ""
    repository = getattr(config, "html_theme_options", {}).get("repository_url", "")
    link = rf"\url{{{url}}}" if url else ""
    source = (
        rf"The source, with the code that computes every number: \url{{{repository}}}."
        if repository
        else ""
    )
    return rf"""
\makeatletter
\hypersetup{{pageanchor=false}}% the title page and its verso have no page numbers to link to
\begin{{titlepage}}
  \centering
  \vspace*{{0.18\textheight}}
  {{\sffamily\bfseries\Huge \@title\par}}
  \vspace{{1.2em}}
  {{\sffamily\Large {_tex(SUBTITLE)}\par}}
  \vspace{{3em}}
  {{\large \@author\par}}
  \vfill
  {{\large Version {_tex(vanishing.__version__)}\par}}
  \vspace{{0.8em}}
  The HTML edition, with the interactive figure and the notebooks:\par
  {link}\par
  \vspace{{0.8em}}
  Released under the {_tex(_licence())} licence.\par
\end{{titlepage}}
\thispagestyle{{empty}}
\null\vfill
\noindent\copyright\ {_tex(config.copyright or "")} \@author.\par
\medskip
\noindent\emph{{\@title}}: {_tex(SUBTITLE.lower())}, version {_tex(vanishing.__version__)}.
The text and the code are released under the {_tex(_licence())} licence.\par
\medskip
\noindent The HTML edition: {link}.\par
{source}\par
\clearpage
\hypersetup{{pageanchor=true}}
\makeatother
"""


def _set_latex_title_page(app, config) -> None:
    """Give the LaTeX builder the book's title page unless ``latex_elements`` already has one."""
    config.latex_elements.setdefault("maketitle", latex_title_page(config))


def _raw_latex(text: str) -> nodes.raw:
    return nodes.raw("", text + "\n", format="latex")


class latex_warning_admonition(nodes.admonition):
    """A titled admonition with ``:class: warning`` (the chapters' "Common mistakes" boxes), set
    in the PDF as Sphinx's warning box rather than as a note."""


def _visit_latex_warning_admonition(self, node) -> None:
    self.body.append("\n" + r"\begin{sphinxadmonition}{warning}")
    self.no_latex_floats += 1


def _depart_latex_warning_admonition(self, node) -> None:
    self.body.append(r"\end{sphinxadmonition}" + "\n")
    self.no_latex_floats -= 1


class LatexBookLayout(SphinxPostTransform):
    """Lay the whole book out for paper (LaTeX builder only, on the assembled document).

    - The preface's opening text and its sections become one unnumbered chapter, "Preface",
      instead of one chapter per section.
    - Each numbered part of the table of contents starts with ``\\part``; the back matter gets a
      line of its own in the contents.
    - Every solution of an exercise moves from after its exercise to an appendix, "Solutions to
      the exercises", grouped by chapter, at the start of the back matter.
    - The pages listed in ``vanishing_latex_exclude`` (the build log; the references page, whose
      list LaTeX prints as the bibliography anyway) are left out; links to them go to the web.
    - "Common mistakes" boxes (admonitions of class ``warning``) keep a warning look.
    - Cells tagged ``hide-input`` print their output without their code.
    """

    default_priority = 800  # after sphinx-exercise's titles (21) and the bibliography (750)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        root = self.config.root_doc
        if self.document.get("docname") != root:
            return
        toctrees = list(self.env.get_doctree(root).findall(addnodes.toctree))
        wrappers = {
            sof["docname"]: sof.parent
            for sof in self.document.findall(addnodes.start_of_file)
            if isinstance(sof.parent, nodes.compound)
        }
        self._exclude_pages()
        self._drop_hidden_inputs()
        self._preface()
        appendix = self._solutions_appendix()
        first_unnumbered_after_numbered = True
        seen_numbered = False
        for toctree in toctrees:
            files = [str(f) for f in toctree["includefiles"]]
            wrapper = next((wrappers[f] for f in files if f in wrappers), None)
            caption = toctree.get("caption")
            if wrapper is None or not caption:
                continue
            if toctree.get("numbered"):
                seen_numbered = True
                wrapper.insert(0, _raw_latex(rf"\part{{{_tex(caption)}}}"))
            elif seen_numbered and first_unnumbered_after_numbered:
                first_unnumbered_after_numbered = False
                start = [
                    _raw_latex(
                        r"\clearpage\phantomsection"
                        rf"\addcontentsline{{toc}}{{part}}{{{_tex(caption)}}}"
                        "\n"
                        r"\setcounter{secnumdepth}{-1}"
                    )
                ]
                if appendix is not None:
                    start.append(appendix)
                    appendix = None
                wrapper[0:0] = start
        if appendix is not None:  # no back matter: the appendix ends the book
            self.document[0].append(appendix)
        for node in list(self.document.findall(nodes.admonition)):
            if "warning" in node["classes"] and type(node) is nodes.admonition:
                box = latex_warning_admonition(node.rawsource, *node.children, **node.attributes)
                node.replace_self(box)

    def _exclude_pages(self) -> None:
        excluded = set(self.config.vanishing_latex_exclude)
        for sof in list(self.document.findall(addnodes.start_of_file)):
            if sof["docname"] in excluded:
                sof.parent.remove(sof)
        base = self.config.html_baseurl
        for ref in self.document.findall(nodes.reference):
            uri = ref.get("refuri", "")
            docname, _, fragment = uri[1:].partition("#")
            if uri.startswith("%") and docname in excluded:
                ref["refuri"] = f"{base}{docname}.html" + (f"#{fragment}" if fragment else "")
                ref["internal"] = False

    def _drop_hidden_inputs(self) -> None:
        """Cells tagged ``hide-input`` (a "show code" button on the web) print their output only;
        the code that matters on paper is the forward and backward passes the chapters include."""
        for cell in list(self.document.findall(nodes.container)):
            if cell.get("nb_element") != "cell_code" or "tag_hide-input" not in cell["classes"]:
                continue
            for child in list(cell.children):
                if isinstance(child, nodes.container) and child.get("nb_element") == (
                    "cell_code_source"
                ):
                    cell.remove(child)

    def _preface(self) -> None:
        """Wrap the root page's text and sections into one chapter titled "Preface"."""
        top = next(iter(self.document.findall(nodes.section)), None)
        if top is None:
            return
        body = [
            child
            for child in top.children
            if not isinstance(child, (nodes.title, nodes.raw, nodes.compound))
        ]
        if not body:
            return
        preface = nodes.section(ids=["vanishing-preface"], names=["preface"])
        preface["docname"] = top.get("docname", self.config.root_doc)
        preface += nodes.title(PREFACE_TITLE, PREFACE_TITLE)
        position = top.index(body[0])
        for child in body:
            top.remove(child)
            preface += child
        top.insert(position, preface)

    def _solutions_appendix(self) -> nodes.section | None:
        """Take every solution out of its chapter; return them as one chapter-level section."""
        from sphinx_exercise.nodes import solution_node

        solutions = list(self.document.findall(solution_node))
        if not solutions:
            return None
        appendix = nodes.section(ids=["vanishing-solutions"], names=["solutions to the exercises"])
        appendix += nodes.title(SOLUTIONS_TITLE, SOLUTIONS_TITLE)
        groups: dict[str, nodes.section] = {}
        for solution in solutions:
            docname = self._docname_of(solution)
            if docname not in groups:
                number = self.env.toc_secnumbers.get(docname, {}).get("", ())
                title = self.env.titles[docname].astext()
                heading = f"Chapter {'.'.join(map(str, number))}. {title}" if number else title
                group = nodes.section(ids=[f"vanishing-solutions-{len(groups) + 1}"])
                group += nodes.title(heading, heading)
                wrapper = addnodes.start_of_file(docname=docname)
                wrapper += group
                appendix += wrapper
                groups[docname] = group
            solution.parent.remove(solution)
            # a box's title never ends a page: start it on the next page unless ~6 lines fit
            groups[docname] += _raw_latex(r"\Needspace{6\baselineskip}")
            groups[docname] += solution
        return appendix

    def _docname_of(self, node) -> str:
        """The page ``node`` comes from (Sphinx marks each inlined page's sections with it)."""
        while node is not None:
            if isinstance(node, addnodes.start_of_file) or (
                isinstance(node, nodes.section) and "docname" in node
            ):
                return node["docname"]
            node = node.parent
        return self.config.root_doc


def setup(app):
    """Register the hooks; safe for parallel builds."""
    _register_bibliography_style()
    # html-page-context is emitted "first result wins": run before any handler that returns.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=100)
    app.connect("env-get-outdated", _changed_dependencies)
    app.connect("env-get-outdated", _changed_static_files)
    app.connect("env-before-read-docs", _prefill_cache)
    app.connect("build-finished", _record_hashes)
    app.connect("html-page-context", _note_written_page)
    app.connect("build-finished", _downloadable_notebooks)
    # Reading aids of the HTML (see _legible_figures and _preview_index).
    app.connect("html-page-context", _legible_figures)
    app.connect("builder-inited", _empty_preview_index)
    app.connect("build-finished", _preview_index)
    app.add_js_file(_PREVIEW_FILE)
    # The PDF: see LatexBookLayout. The HTML builder never sees these.
    app.add_config_value("vanishing_latex_exclude", [], "", types=[list])
    app.connect("config-inited", _set_latex_title_page)
    app.add_post_transform(LatexBookLayout)
    app.add_post_transform(KeepMathWithItsNeighbours)
    app.add_node(
        latex_warning_admonition,
        latex=(_visit_latex_warning_admonition, _depart_latex_warning_admonition),
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
