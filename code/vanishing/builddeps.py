"""Which package modules a chapter runs, and a hash of their source (build glue, not maths).

The book's execution cache keys a notebook on its code cells only; these functions let the build
re-execute a chapter when a module it imports (directly or through the package's own imports)
changes, and leave the other chapters cached.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

PACKAGE = "vanishing"
_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. ,]+)", re.M)


def _check_text(value, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _check_dir(value, name: str) -> Path:
    if not isinstance(value, str | Path) or isinstance(value, bool):
        raise TypeError(f"{name} must be a path, got {type(value).__name__}")
    path = Path(value)
    if not path.is_dir():
        raise ValueError(f"{name} must be an existing folder, got {str(path)!r}")
    return path


def package_modules(package_dir: str | Path) -> dict[str, Path]:
    """Dotted module name -> source file, for every ``.py`` file of the package at
    ``package_dir`` (a package is named by its ``__init__.py``)."""
    root = _check_dir(package_dir, "package_dir")
    if not (root / "__init__.py").is_file():
        raise ValueError(f"package_dir must hold an __init__.py, got {str(root)!r}")
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imported_names(text: str, module: str, is_package: bool) -> set[str]:
    """Absolute dotted names the import statements of ``text`` name: ``from a import b`` gives
    both ``a`` and ``a.b``. A regular expression, not a parser (several times faster): a line in a
    string that looks like an import only adds a dependency, it never hides one."""
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for match in _FROM_IMPORT.finditer(text):
        dots, stem = re.match(r"(\.*)(.*)", match.group(1)).groups()
        if dots:
            base = package.split(".")
            stem = ".".join(base[: len(base) - (len(dots) - 1)] + ([stem] if stem else []))
        names.add(stem)
        for alias in match.group(2).strip("()").replace("\\", " ").split(","):
            alias = alias.split("#")[0].split(" as ")[0].strip()
            if alias and alias != "*":
                names.add(f"{stem}.{alias}")
    for match in _IMPORT.finditer(text):
        names.update(a.split(" as ")[0].strip() for a in match.group(1).split("#")[0].split(","))
    return names


def _code_of_notebook(source: str) -> str:
    """The Python of a MyST notebook's code cells, IPython magics and shell lines dropped."""
    lines = []
    for cell in _CODE_CELL.findall(source):
        cell_lines = cell.splitlines()
        if cell_lines and cell_lines[0].strip() == "---":  # YAML cell options between --- lines
            end = next((k for k, line in enumerate(cell_lines[1:], 1) if line.strip() == "---"), 0)
            cell_lines = cell_lines[end + 1 :]
        lines += [line for line in cell_lines if not line.lstrip().startswith(("%", "!", ":"))]
    return "\n".join(lines)


def notebook_imports(source: str) -> set[str]:
    """Dotted names the code cells of a MyST notebook's ``source`` import (every package)."""
    return _imported_names(_code_of_notebook(_check_text(source, "source")), "__main__", False)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package modules it imports directly, and its parent packages (importing
    ``a.b.c`` runs ``a`` and ``a.b`` first); each source file is read once."""
    if not isinstance(modules, dict):
        raise TypeError(f"modules must be a dict (package_modules), got {type(modules).__name__}")
    for module, path in modules.items():
        if not isinstance(module, str) or not isinstance(path, Path):
            raise TypeError(f"modules must map module names to Paths, got {module!r}: {path!r}")
    graph = {}
    for module, path in modules.items():
        text = path.read_text(encoding="utf-8")
        imported = _imported_names(text, module, is_package=path.name == "__init__.py")
        parts = module.split(".")
        imported.update(".".join(parts[:k]) for k in range(1, len(parts)))
        graph[module] = {name for name in imported if name in modules and name != module}
    return graph


def dependencies(names: set[str], graph: dict[str, set[str]]) -> set[str]:
    """The package modules that importing ``names`` runs: each one in ``graph`` and, transitively,
    everything it imports from the package (``graph`` from ``import_graph``)."""
    if not isinstance(names, set | frozenset) or not all(isinstance(n, str) for n in names):
        raise TypeError("names must be a set of dotted module names (str)")
    if not isinstance(graph, dict):
        raise TypeError(f"graph must be a dict from import_graph, got {type(graph).__name__}")
    for module, imported in graph.items():
        if not isinstance(imported, set | frozenset):
            raise TypeError(f"graph[{module!r}] must be a set of module names, got {imported!r}")
    seen: set[str] = set()
    todo = [name for name in names if name in graph]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module] - seen)
    return seen


def dependency_hashes(sources: dict[str, str], package_dir: str | Path) -> dict[str, str]:
    """For each MyST notebook text in ``sources`` (any keys), the SHA-256 of the names and
    contents of every module of the package at ``package_dir`` that its code cells run."""
    if not isinstance(sources, dict):
        raise TypeError(f"sources must be a dict of notebook texts, got {type(sources).__name__}")
    for key, source in sources.items():
        _check_text(source, f"sources[{key!r}]")
    modules = package_modules(package_dir)
    graph = import_graph(modules)
    contents = {module: path.read_bytes() for module, path in modules.items()}
    hashes = {}
    for key, source in sources.items():
        digest = hashlib.sha256()
        for module in sorted(dependencies(notebook_imports(source), graph)):
            digest.update(module.encode() + b"\0" + contents[module] + b"\0")
        hashes[key] = digest.hexdigest()
    return hashes
