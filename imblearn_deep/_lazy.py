"""Public names imported on first use (PEP 562), for the package and its subpackages.

``import imblearn_deep`` and ``imblearn-deep --help`` would otherwise pay for torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: dict
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose public ``name`` lives in the
    module ``exports[name]`` (relative to ``package``).

    Examples
    --------
    >>> namespace = {}
    >>> getattr_, dir_ = lazy_exports("json", {"JSONDecoder": ".decoder"}, namespace)
    >>> getattr_("JSONDecoder").__name__, "JSONDecoder" in namespace, dir_()
    ('JSONDecoder', True, ['JSONDecoder'])
    """

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name], package), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
