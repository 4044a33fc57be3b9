"""The catalog modules a spec renders with: their names, the version floors, where each source is;
the landing's tags and where a rendered folder keeps its spec's copy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from generator.catalog import Catalog, Module, parse_version, satisfies
from generator.decide.policy import (
    decide,
)
from generator.errors import SpecError
from generator.render.args import _macie_args
from generator.render.hcl import Hcl, string
from generator.spec import DETECTIVE_CONTROLS, ModuleName, Spec

SPEC_COPY = ".aisec/spec.yaml"
MODULE_NAMES: tuple[ModuleName, ...] = (
    "kms",
    "storage",
    "audit",
    "macie",
    "privatelink",
    "iam",
    "detective",
    "compute",
)


RENDERS_WITH: Mapping[str, str] = MappingProxyType(
    {
        "kms": "1.5.0",  # account_users[].s3_arns (the state key through S3 for the state bucket only)
        "storage": "1.7.0",  # replication.prefix, replication_source_prefixes (the log archive)
        "iam": "2.2.0",
        "privatelink": "1.3.0",
        "audit": "1.5.0",
        "detective": "1.0.0",
        "compute": "1.0.0",
    }
)


# Floors that hold only when the render passes a module's newer inputs: macie 1.2.0 takes the custom
# data identifiers and archive rules (bar 34); a landing with neither still renders with older macie.
def _uses_macie_identifiers(spec: Spec) -> bool:
    args = _macie_args(decide(spec))
    return bool(args["custom_data_identifiers"] or args["archive_rules"])


CONDITIONAL_FLOORS: Mapping[str, tuple[str, Callable[[Spec], bool]]] = MappingProxyType(
    {"macie": ("1.2.0", _uses_macie_identifiers)}
)


def module_floor(spec: Spec, name: str) -> str:
    """The oldest version of module ``name`` this aisec can render ``spec`` with."""
    floor = RENDERS_WITH.get(name, "0.0.0")
    conditional = CONDITIONAL_FLOORS.get(name)
    if conditional is not None and conditional[1](spec):
        floor = max(floor, conditional[0], key=parse_version)
    return floor


def resolve_modules(
    spec: Spec, catalog: Catalog, source: str = "spec", pinned: Mapping[str, str] | None = None
) -> dict[str, Module]:
    """The version of each module: the newest its constraint allows, or the ``pinned`` one (what an
    output already uses) while that still satisfies the constraint. `aisec upgrade` moves pins on.
    Versions older than :data:`RENDERS_WITH` are never chosen (a pin on one moves forward)."""
    found: dict[str, Module] = {}
    for name in MODULE_NAMES:
        if name == "detective" and not uses_detective_module(spec):
            continue
        if name == "compute" and not uses_compute_module(spec):
            continue
        constraint = spec.modules.get(name)
        floor = module_floor(spec, name)
        usable = ">= " + floor
        keep = (pinned or {}).get(name)
        candidates = [m for m in catalog.modules.get(name, ()) if m.version == keep]
        if (
            candidates
            and satisfies(parse_version(keep or ""), usable)
            and (constraint is None or satisfies(parse_version(keep or ""), constraint))
        ):
            found[name] = candidates[0]
            continue
        try:
            found[name] = catalog.resolve(name, f"{constraint}, {usable}" if constraint else usable, source)
        except SpecError:
            catalog.resolve(name, constraint, source)  # no version at all: that message
            raise SpecError(
                f"{source}: modules.{name}: {constraint!r} allows only versions older than {floor}, which lack "
                f"inputs this aisec renders (the data perimeter, tamper-proof audit); allow {floor} or newer"
            ) from None
    return found


def uses_compute_module(spec: Spec) -> bool:
    """The root module calls the compute module only where the spec asks for generated compute."""
    return spec.creates_foundation and any(wl.notebook_stages for wl in spec.workloads)


def uses_detective_module(spec: Spec) -> bool:
    """The root module calls the detective module unless every detective control is a prerequisite."""
    return any(spec.detective_mode(name) != "prerequisite" for name in DETECTIVE_CONTROLS)


def module_source(spec: Spec, module: Module) -> Hcl:
    """The ``source`` (and, from a registry, ``version``) arguments of a module call."""
    src = spec.module_source
    if src.mode == "git":
        ref = f"modules/{module.name}/v{module.version}"
        return Hcl(f"source = {string(f'git::{src.git_url}//modules/{module.name}?ref={ref}')}")
    if src.mode == "registry":
        return Hcl(
            f"source  = {string(f'{src.registry}/{module.name}/aws')}\n  version = {string(module.version)}"
        )
    return Hcl(f"source = {string(f'./modules/{module.name}')}")


# On every resource (provider default_tags): the CI apply role reaches resources with random ids
# (keys, endpoints, security groups, Macie jobs) by this tag (generator/ci/).
LANDING_TAG = "aisec-landing"


def _tags(spec: Spec) -> dict[str, str]:
    return {**spec.tags, "managed-by": "aisec", LANDING_TAG: spec.name}
