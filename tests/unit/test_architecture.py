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
