"""What a function's code can reach: a graph of imports, names and method calls over the source (AST only).

A node is `(module, name)`: a top-level function, class or assignment; `Class.method` for a method; `""` for the
statements a module runs when imported. Starting from `functions/<name>/app.py`, every name a reached node uses is
followed into the project's own modules, so a route that calls a factory reaches that factory (and the settings
model it reads) but not its neighbours in the same file. Methods are matched by name: a reached class's method is
reached once any reached code calls or mentions an attribute of that name (`store.new_upload()`), which is an
over-approximation without types but keeps unrelated methods out. Imports inside functions count (lazy imports are
the norm here). Third-party modules are leaves.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

Node = tuple[str, str]
MODULE_BODY = ""
# Called by Python itself, not by name.
IMPLICIT_METHODS = frozenset({"__init__", "__post_init__", "__call__", "__enter__", "__exit__", "__new__"})


@dataclass(frozen=True)
class Import:
    """`module` (dotted); `name` is None for `import module [as alias]`."""

    module: str
    name: str | None


@dataclass
class ModuleInfo:
    name: str
    definitions: dict[str, list[ast.AST]] = field(default_factory=dict)
    methods: dict[str, dict[str, ast.AST]] = field(default_factory=dict)
    body: list[ast.AST] = field(default_factory=list)
    imports: dict[str, Import] = field(default_factory=dict)


class CodeGraph:
    """Resolves modules of the packages under `roots` (package name → its directory) and walks references."""

    def __init__(self, roots: dict[str, Path]) -> None:
        self._roots = roots
        self._modules: dict[str, ModuleInfo | None] = {}

    def module_file(self, module: str) -> Path | None:
        package, _, rest = module.partition(".")
        root = self._roots.get(package)
        if root is None:
            return None
        base = root.joinpath(*rest.split(".")) if rest else root
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def module(self, module: str) -> ModuleInfo | None:
        if module not in self._modules:
            path = self.module_file(module)
            self._modules[module] = None if path is None else _parse(module, path)
        return self._modules[module]

    def reachable_from(self, module: str) -> set[Node]:
        """Every node reached from importing `module` and calling anything it defines (a function's app)."""
        info = self.module(module)
        if info is None:
            raise ModuleNotFoundError(module)
        seen: set[Node] = set()
        pending: list[Node] = [(module, MODULE_BODY), *((module, name) for name in info.definitions)]
        attributes_used: set[str] = set()
        while pending:
            while pending:
                node = pending.pop()
                if node in seen:
                    continue
                seen.add(node)
                for statement in self.statements(node):
                    attributes_used.update(
                        child.attr for child in ast.walk(statement) if isinstance(child, ast.Attribute)
                    )
                pending.extend(self._references(node))
            # Methods of reached classes that reached code names; repeat until nothing new turns up.
            for module_name, name in list(seen):
                methods = self._methods_of(module_name, name)
                pending.extend(
                    (module_name, f"{name}.{method}")
                    for method in methods
                    if (method in attributes_used or method in IMPLICIT_METHODS)
                    and (module_name, f"{name}.{method}") not in seen
                )
        return seen

    def statements(self, node: Node) -> list[ast.AST]:
        info = self.module(node[0])
        if info is None:
            return []
        if node[1] == MODULE_BODY:
            return list(info.body)
        class_name, _, method = node[1].partition(".")
        if method:
            found = info.methods.get(class_name, {}).get(method)
            return [found] if found is not None else []
        return list(info.definitions.get(node[1], []))

    def _methods_of(self, module: str, name: str) -> dict[str, ast.AST]:
        info = self.module(module)
        return {} if info is None else info.methods.get(name, {})

    def _references(self, node: Node) -> Iterator[Node]:
        module, name = node
        info = self.module(module)
        if info is None:
            return
        if name != MODULE_BODY:
            # Using anything of a module first runs that module's top-level statements.
            yield (module, MODULE_BODY)
        class_name, _, method = name.partition(".")
        if method:
            yield (module, class_name)
        for statement in self.statements(node):
            for child in ast.walk(statement):
                if isinstance(child, ast.Name):
                    yield from self._resolve_name(info, child.id)
                elif isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
                    yield from self._resolve_attribute(info, child.value.id, child.attr)
                elif isinstance(child, ast.ImportFrom | ast.Import):
                    # Importing runs the imported module's top level; its names count only where they are used.
                    for imported in _imports_of(info.name, child).values():
                        yield from self._imported_module_bodies(imported)

    def _resolve_name(self, info: ModuleInfo, name: str) -> Iterator[Node]:
        if name in info.definitions:
            yield (info.name, name)
        elif name in info.imports:
            yield from self._resolve_import(info.imports[name])

    def _resolve_attribute(self, info: ModuleInfo, base: str, attribute: str) -> Iterator[Node]:
        imported = info.imports.get(base)
        if imported is None:
            return
        module = imported.module if imported.name is None else f"{imported.module}.{imported.name}"
        target = self.module(module)
        if target is not None:
            yield (module, MODULE_BODY)
            if attribute in target.definitions:
                yield (module, attribute)
            elif attribute in target.imports:
                yield from self._resolve_import(target.imports[attribute])

    def _imported_module_bodies(self, imported: Import) -> Iterator[Node]:
        for module in (imported.module, f"{imported.module}.{imported.name}"):
            if self.module(module) is not None:
                yield (module, MODULE_BODY)

    def _resolve_import(self, imported: Import) -> Iterator[Node]:
        if imported.name is None:
            if self.module(imported.module) is not None:
                yield (imported.module, MODULE_BODY)
            return
        submodule = f"{imported.module}.{imported.name}"
        if self.module(submodule) is not None:
            yield (submodule, MODULE_BODY)
            return
        target = self.module(imported.module)
        if target is None:
            return
        yield (imported.module, MODULE_BODY)
        if imported.name in target.definitions:
            yield (imported.module, imported.name)
        elif imported.name in target.imports:  # a re-export
            yield from self._resolve_import(target.imports[imported.name])


def _parse(module: str, path: Path) -> ModuleInfo:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    info = ModuleInfo(name=module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            info.definitions[statement.name] = [statement]
            # Decorators run at import time.
            info.body.extend(statement.decorator_list)
        elif isinstance(statement, ast.ClassDef):
            # The class itself is its bases, decorators and class-level statements; methods are separate nodes.
            class_parts: list[ast.AST] = [*statement.bases, *statement.keywords, *statement.decorator_list]
            methods: dict[str, ast.AST] = {}
            for member in statement.body:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    methods[member.name] = member
                    class_parts.extend(member.decorator_list)
                else:
                    class_parts.append(member)
            info.definitions[statement.name] = class_parts
            info.methods[statement.name] = methods
            info.body.extend(statement.decorator_list)
        elif isinstance(statement, ast.Assign | ast.AnnAssign) and _assigned_names(statement):
            for name in _assigned_names(statement):
                info.definitions[name] = [statement]
            info.body.append(statement)
        else:
            info.body.append(statement)
    for child in ast.walk(tree):
        if isinstance(child, ast.ImportFrom | ast.Import):
            info.imports.update(_imports_of(package, child))
    return info


def _assigned_names(statement: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return [target.id for target in targets if isinstance(target, ast.Name)]


def _imports_of(package: str, statement: ast.Import | ast.ImportFrom) -> dict[str, Import]:
    if isinstance(statement, ast.Import):
        found: dict[str, Import] = {}
        for alias in statement.names:
            if alias.asname:
                found[alias.asname] = Import(alias.name, None)
            else:
                top = alias.name.partition(".")[0]
                found[top] = Import(top, None)
        return found
    base = statement.module or ""
    if statement.level:
        parts = package.split(".")
        parent = ".".join(parts[: len(parts) - statement.level + 1])
        base = f"{parent}.{base}" if base else parent
    return {alias.asname or alias.name: Import(base, alias.name) for alias in statement.names if alias.name != "*"}
