"""Domain first, framework at the edge: only bot/actions and bot/nlu may import Rasa."""

import ast

from bot.settings import PROJECT_ROOT

FRAMEWORK_EDGE = {"actions", "nlu"}


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_domain_modules_do_not_import_rasa():
    offenders = []
    for path in (PROJECT_ROOT / "bot").rglob("*.py"):
        relative = path.relative_to(PROJECT_ROOT / "bot")
        if relative.parts[0] in FRAMEWORK_EDGE:
            continue
        for module in imported_modules(path):
            if module.split(".")[0] in {"rasa", "rasa_sdk"}:
                offenders.append(f"{relative}: {module}")
    assert offenders == []


SHIPPED = ("bot", "backoffice", "connectors")


def shipped_modules() -> dict[str, object]:
    modules = {}
    for package in SHIPPED:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """Which shipped module imports which (imports inside functions and TYPE_CHECKING blocks count too:
    hiding a cycle there does not remove it)."""
    modules = shipped_modules()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {found for target in targets if (found := owner(target)) and found != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_that_ships_imports_the_development_tools():
    offenders = [
        f"{name}: {module}"
        for name, path in shipped_modules().items()
        for module in imported_modules(path)
        if module.split(".")[0] in {"devtools", "tests", "benchmarks", "eval"}
    ]
    assert offenders == []


# Where the environment may be read: the settings, and the operator's commands (whose one read of the
# settings is passed down from there). `main` functions are `python -m` entry points.
READS_ENVIRONMENT = {"bot/settings.py", "bot/services.py", "backoffice/__main__.py", "backoffice/cli.py"}


def environment_reads(path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    reads = []

    def walk(node, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if function != "main":
                if isinstance(child, ast.Attribute) and child.attr in {"environ", "getenv"}:
                    reads.append(f"line {child.lineno}: os.{child.attr}")
                if isinstance(child, ast.Call) and getattr(child.func, "id", None) == "load_settings":
                    reads.append(f"line {child.lineno}: load_settings()")
            walk(child, name)

    walk(tree, None)
    return reads


def test_settings_are_read_once_at_the_top_and_passed_down():
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)} {read}"
        for package in SHIPPED
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if str(path.relative_to(PROJECT_ROOT)) not in READS_ENVIRONMENT
        for read in environment_reads(path)
    ]
    assert offenders == []
