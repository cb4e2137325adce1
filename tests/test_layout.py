"""The package's layout reads one way: each floor imports only from the floors below it, and no module imports
another that (directly or not) imports it back (docs/architecture.md, "Floors")."""

import ast
import importlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tf_colorgan"
FLOORS = [  # (floor, module names), lowest first: docs/architecture.md's table
    (0, r"tf_colorgan\.(settings|runtime|storage|color|grids|optimizers|machine|distribute)"),
    (1, r"tf_colorgan(\.config|\.objectives|\.tasks|\.tasks\.(colorize|generate)|\.tasks\.generate\.presets)?"),
    (2, r"tf_colorgan\.(networks|data)(\.\w+)?"),
    (3, r"tf_colorgan\.objectives\.\w+"),
    (4, r"tf_colorgan\.tasks\.\w+\.\w+"),
    (5, r"tf_colorgan\.training(\.(?!__main__)\w+)?"),
    (6, r"tf_colorgan\.(evaluation|serving)(\.(?!__main__)\w+)?"),
    (7, r"tf_colorgan\.(study|benchmarking)(\.(?!__main__)\w+)?"),
    (8, r"tf_colorgan\.scripts|tf_colorgan\.\w+\.__main__"),
]


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor(name):
    return next((number for number, pattern in FLOORS if re.fullmatch(pattern, name)), None)


def package_modules():
    """{module name: its file} of every module of the package."""
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_names(path):
    """(module, name) for each import of the package in the file at `path`, at the top or inside a function:
    `from module import name`, or (module, None) for `import module`."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tf_colorgan"):
            yield from ((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names if alias.name.startswith("tf_colorgan"))


def imports():
    """{module: the package's modules it imports, at the top or inside a function}."""
    modules = package_modules()
    found = {}
    for name, path in modules.items():
        targets = {f"{module}.{alias}" if f"{module}.{alias}" in modules else module
                   for module, alias in imported_names(path)}
        found[name] = targets & set(modules) - {name}
    return found


def test_every_module_has_a_floor_and_imports_only_from_its_own_floor_or_below():
    graph = imports()
    assert [name for name in graph if floor(name) is None] == []
    upward = [(name, target) for name, targets in graph.items() for target in targets if floor(target) > floor(name)]
    assert upward == []


def test_no_module_imports_itself_back_through_others():
    """Kahn's topological sort: what cannot be ordered lies on an import circle."""
    graph = imports()
    waiting = {name: set(targets) for name, targets in graph.items()}
    while ready := [name for name, targets in waiting.items() if not targets]:
        for name in ready:
            del waiting[name]
        for targets in waiting.values():
            targets.difference_update(ready)
    assert waiting == {}


def test_the_published_scripts_import_what_the_package_has():
    # results/**/*.py reproduce published numbers and figures; they are run by hand, so a moved module would break
    # them silently (results/serving/make_screenshot.py once imported tf_colorgan.export after it had moved)
    scripts, modules = sorted((ROOT / "results").rglob("*.py")), package_modules()
    assert len(scripts) >= 6
    for script in scripts:
        for module, name in imported_names(script):
            found = (module in modules if name is None else
                     f"{module}.{name}" in modules or hasattr(importlib.import_module(module), name))
            assert found, f"{script.relative_to(ROOT)}: {module} {name or ''}"
