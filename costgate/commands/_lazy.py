"""Modules imported on first attribute access, for command modules' heavy dependencies.

A command module is imported just to build its argparse parser; its handlers' dependencies
(GitPython, YAML, the process pool, pydantic models) load when a handler first touches them.
``lazy_module`` keeps the module-level name, so a module can switch without touching the
functions that use it (useful where other work is editing those functions).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module object whose code runs on first attribute access."""
    found = sys.modules.get(name)
    if found is not None:
        return found
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(importlib.import_module(parent), child, module)
    return module
