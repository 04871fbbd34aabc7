"""Lazy imports for package namespaces (PEP 562)."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["lazy_import"]


def lazy_import(
    namespace: dict[str, Any],
    aliases: Mapping[str, str] | None = None,
    deprecated_aliases: Mapping[str, str] | None = None,
) -> None:
    """Make names of a module namespace import their defining module on first access.

    ``aliases`` maps each name to the module that defines it, relative to the package of
    the namespace (``".frames"``) or absolute. ``deprecated_aliases`` works the same and
    emits a :class:`DeprecationWarning` on every access.

    This installs ``__getattr__`` and ``__dir__`` in ``namespace``. Names must not clash
    between the namespace and either mapping.

    """
    aliases = dict(aliases or {})
    deprecated_aliases = dict(deprecated_aliases or {})
    existing, plain, deprecated = set(namespace), set(aliases), set(deprecated_aliases)
    assert not existing & plain, f"names already defined: {sorted(existing & plain)}"
    assert not existing & deprecated, f"names already defined: {sorted(existing & deprecated)}"
    assert not plain & deprecated, f"names in both mappings: {sorted(plain & deprecated)}"

    module_name: str = namespace["__name__"]
    # In a package's __init__, relative imports start from the package itself.
    package: str = namespace.get("__package__") or module_name

    def resolve(name: str, source: str) -> Any:
        module = importlib.import_module(source, package)
        return getattr(module, name)

    def __getattr__(name: str) -> Any:
        if name in aliases:
            value = resolve(name, aliases[name])
            # Later lookups find the name directly, without going through here.
            namespace[name] = value
            return value
        if name in deprecated_aliases:
            warnings.warn(f"{module_name}.{name} is deprecated", DeprecationWarning, stacklevel=2)
            return resolve(name, deprecated_aliases[name])
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__() -> Iterable[str]:
        return sorted(set(namespace) | plain | deprecated)

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__
