"""Public names imported on first use (PEP 562), for the package and its subpackages.

``import imblearn_deep`` and ``imblearn-deep --help`` would otherwise pay for torch.
Names that moved keep working for one release through :func:`deprecated_aliases`.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping


def lazy_exports(
    package: str,
    exports: Mapping[str, str],
    namespace: dict,
    deprecated: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose public ``name`` lives in the
    module ``exports[name]`` (relative to ``package``).

    Names of ``deprecated`` (see :func:`deprecated_aliases`) still resolve, with a
    warning, but ``dir`` does not list them.

    Examples
    --------
    >>> namespace = {}
    >>> getattr_, dir_ = lazy_exports("json", {"JSONDecoder": ".decoder"}, namespace)
    >>> getattr_("JSONDecoder").__name__, "JSONDecoder" in namespace, dir_()
    ('JSONDecoder', True, ['JSONDecoder'])
    """
    deprecated = deprecated or {}

    def __getattr__(name: str):
        if name in deprecated:
            return _moved(package, name, deprecated[name])
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name], package), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__


def deprecated_aliases(package: str, moved: Mapping[str, str]) -> Callable[[str], object]:
    """The ``__getattr__`` of ``package`` whose former public ``name`` now lives in the
    module ``moved[name]`` (absolute): it still gives the object, with a
    ``DeprecationWarning`` naming the new place, for one release.

    The object is not cached in the package, so that every use warns.

    Examples
    --------
    >>> import warnings
    >>> getattr_ = deprecated_aliases("mypackage", {"JSONDecoder": "json"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     getattr_("JSONDecoder").__name__
    'JSONDecoder'
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    mypackage.JSONDecoder is deprecated and will be removed in the next release;
    use json.JSONDecoder instead.
    """

    def __getattr__(name: str):
        if name not in moved:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return _moved(package, name, moved[name])

    return __getattr__


def _moved(package: str, name: str, module: str):
    """``module.name``, with a warning that ``package.name`` is its deprecated alias.

    Called from a module's ``__getattr__`` only: ``stacklevel`` points at the line that
    named the old attribute (the import machinery's frames are skipped).
    """
    warnings.warn(
        f"{package}.{name} is deprecated and will be removed in the next release; "
        f"use {module}.{name} instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(importlib.import_module(module), name)
