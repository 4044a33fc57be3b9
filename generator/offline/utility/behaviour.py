"""The tfplugin6 servicer shared by the utility providers, and the shape of a type's behaviour.

Each ``<name>_provider.py`` module describes its resources and data sources as ``Resource`` and
``DataSource`` values: the defaults the provider plans, which arguments update in place (every
other argument forces replacement, as in these providers, where almost everything does), the
checks the provider makes on a configuration (with the provider's own diagnostic texts), and how
apply and read compute values. The servicer plays the protocol around them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, TypeGuard

import grpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc

from generator.cache import cache_root
from generator.offline.protocol import (
    attribute_path,
    computed_only_errors,
    error_diagnostic,
    mark_computed_unknown,
    schema_response,
)
from generator.offline.schema import ProviderSchema
from generator.offline.values import UNKNOWN, Block, canonical, conform, decode, encode, unique_seed

log = logging.getLogger("aisec.offline")

Values = dict[str, Any]
Diags = list[pb.Diagnostic]
Apply: TypeAlias = "Callable[[Values, Context], Diags]"
# Where files that a configuration asks to write outside its working copy go instead (inside it).
OUTSIDE = ".aisec-outside"


def error(summary: str, detail: str = "", path: list[str | int] | None = None) -> pb.Diagnostic:
    return error_diagnostic(summary, detail, path)


def warning(summary: str, detail: str = "", path: list[str | int] | None = None) -> pb.Diagnostic:
    diag = error_diagnostic(summary, detail, path)
    diag.severity = pb.Diagnostic.WARNING
    return diag


def known(value: Any) -> TypeGuard[Any]:
    return value is not None and value is not UNKNOWN


@dataclass(frozen=True)
class Context:
    """What apply and read may use: a seed stable for the same configuration, and the folder
    Terraform runs in (the working copy), the only place files are written."""

    seed: str
    cwd: Path

    def rng(self, salt: str = "") -> random.Random:
        return random.Random(hashlib.sha256(f"{self.seed}/{salt}".encode()).digest())

    def digest(self, salt: str = "") -> bytes:
        return hashlib.sha256(f"{self.seed}/{salt}".encode()).digest()

    @property
    def top(self) -> Path:
        """The working copy holding the folder Terraform runs in: its folder directly under aisec's
        offline work root (a copy whose local modules reach above the root holds their common
        ancestor), else that folder itself."""
        work = cache_root("offline", "work").resolve()
        if self.cwd != work and self.cwd.is_relative_to(work):
            return work / self.cwd.relative_to(work).parts[0]
        return self.cwd

    def write_target(self, name: str) -> tuple[Path, bool]:
        """Where a file the configuration names is written: the path itself when it lies inside the
        working copy, otherwise its place under ``.aisec-outside/`` there (False: redirected)."""
        path = Path(os.path.normpath(self.cwd / name))
        if path.is_relative_to(self.top):
            return path, True
        return self.cwd / OUTSIDE / str(path).lstrip("/"), False

    def read_target(self, name: str) -> Path:
        """A file the configuration reads: where it was written if an earlier resource of the
        configuration redirected it, else the path as given (as Terraform's file() reads it)."""
        path = Path(os.path.normpath(self.cwd / name))
        redirected = self.cwd / OUTSIDE / str(path).lstrip("/")
        return redirected if not path.is_relative_to(self.top) and redirected.exists() else path


@dataclass(frozen=True)
class Resource:
    defaults: Mapping[str, Any] = field(default_factory=dict)
    in_place: frozenset[str] = frozenset()
    validate: Callable[[Values], Diags] | None = None
    # (planned, config, prior when updated in place): settle what is known at plan
    plan: Callable[[Values, Values, Values | None], Diags] | None = None
    apply: Callable[[Values, Context], Diags] | None = None  # fills the planned unknowns of a new object
    update: Callable[[Values, Context], Diags] | None = None  # an in-place update (default: as planned)
    destroy: Callable[[Values, Context], Diags] | None = None
    read: Callable[[Values, Context], Values | None] | None = None  # refresh; None: the object is gone


@dataclass(frozen=True)
class DataSource:
    read: Callable[[Values, Context], Diags]
    validate: Callable[[Values], Diags] | None = None


def _leftover(value: Any) -> Any:
    """Computed values no behaviour set: null (the provider leaves them unset)."""
    if value is UNKNOWN:
        return None
    if isinstance(value, dict):
        return {k: _leftover(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_leftover(v) for v in value]
    return value


def _configurable(block: Block) -> list[str]:
    attrs = [n for n, a in block.get("attributes", {}).items() if a.get("optional") or a.get("required")]
    return attrs + list(block.get("block_types", {}))


class UtilityProvider(rpc.ProviderServicer):  # type: ignore[misc]
    def __init__(
        self,
        schema: ProviderSchema,
        resources: Mapping[str, Resource],
        data_sources: Mapping[str, DataSource],
        schema_bytes: bytes | None = None,
    ) -> None:
        self.schema = schema
        self.resources = resources
        self.data_sources = data_sources
        self._schema_bytes = schema_bytes
        self._schema_pb: pb.GetProviderSchema.Response | None = None
        self._seeds: set[str] = set()

    def _context(self, type_name: str, config: Any) -> Context:
        seed = f"{type_name}:{canonical(config)}"
        seed = unique_seed(self._seeds, seed)
        return Context(seed, Path.cwd().resolve())

    # ---- schema and configuration
    def GetProviderSchema(self, request: Any, context: Any) -> pb.GetProviderSchema.Response:
        if self._schema_pb is None:
            if self._schema_bytes is not None:
                self._schema_pb = pb.GetProviderSchema.Response.FromString(self._schema_bytes)
            else:
                self._schema_pb = schema_response(self.schema)
        return self._schema_pb

    def GetMetadata(self, request: Any, context: Any) -> pb.GetMetadata.Response:
        return pb.GetMetadata.Response(
            resources=[pb.GetMetadata.ResourceMetadata(type_name=t) for t in self.schema.resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=t) for t in self.schema.data_sources],
        )

    def GetFunctions(self, request: Any, context: Any) -> pb.GetFunctions.Response:
        return pb.GetFunctions.Response()

    def ValidateProviderConfig(self, request: Any, context: Any) -> pb.ValidateProviderConfig.Response:
        return pb.ValidateProviderConfig.Response()

    def ConfigureProvider(self, request: Any, context: Any) -> pb.ConfigureProvider.Response:
        return pb.ConfigureProvider.Response()

    def StopProvider(self, request: Any, context: Any) -> pb.StopProvider.Response:
        return pb.StopProvider.Response()

    def ValidateResourceConfig(self, request: Any, context: Any) -> pb.ValidateResourceConfig.Response:
        cfg = decode(request.config.msgpack, request.config.json) or {}
        diags = computed_only_errors(cfg, self.schema.resource_block(request.type_name), [])
        kind = self.resources.get(request.type_name)
        if kind is not None and kind.validate is not None:
            diags += kind.validate(cfg)
        return pb.ValidateResourceConfig.Response(diagnostics=diags)

    def ValidateDataResourceConfig(
        self, request: Any, context: Any
    ) -> pb.ValidateDataResourceConfig.Response:
        cfg = decode(request.config.msgpack, request.config.json) or {}
        diags = computed_only_errors(cfg, self.schema.data_source_block(request.type_name), [])
        kind = self.data_sources.get(request.type_name)
        if kind is not None and kind.validate is not None:
            diags += kind.validate(cfg)
        return pb.ValidateDataResourceConfig.Response(diagnostics=diags)

    # ---- resources
    def UpgradeResourceState(self, request: Any, context: Any) -> pb.UpgradeResourceState.Response:
        raw = json.loads(request.raw_state.json) if request.raw_state.json else {}
        state = conform(raw, self.schema.resource_block(request.type_name))
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(msgpack=encode(state)))

    def ReadResource(self, request: Any, context: Any) -> pb.ReadResource.Response:
        kind = self.resources.get(request.type_name)
        if kind is None or kind.read is None:
            return pb.ReadResource.Response(new_state=request.current_state, private=request.private)
        state = decode(request.current_state.msgpack, request.current_state.json)
        if state is None:
            return pb.ReadResource.Response(new_state=request.current_state, private=request.private)
        new = kind.read(state, Context(request.type_name, Path.cwd().resolve()))
        return pb.ReadResource.Response(
            new_state=pb.DynamicValue(msgpack=encode(new)), private=request.private
        )

    def PlanResourceChange(self, request: Any, context: Any) -> pb.PlanResourceChange.Response:
        block = self.schema.resource_block(request.type_name)
        kind = self.resources.get(request.type_name, Resource())
        prior = decode(request.prior_state.msgpack, request.prior_state.json)
        proposed = decode(request.proposed_new_state.msgpack, request.proposed_new_state.json)
        config = decode(request.config.msgpack, request.config.json) or {}
        if proposed is None:  # destroy
            return pb.PlanResourceChange.Response(planned_state=request.proposed_new_state)
        planned = copy.deepcopy(proposed)
        for name, default in kind.defaults.items():
            if config.get(name) is None:
                planned[name] = default
        replace: list[str] = []
        if prior is not None:
            replace = [
                n
                for n in _configurable(block)
                if n not in kind.in_place and canonical(prior.get(n)) != canonical(planned.get(n))
            ]
        if prior is None or replace:
            mark_computed_unknown(planned, config, block, keep=frozenset(kind.defaults))
        diags: Diags = []
        if kind.plan is not None:
            diags = kind.plan(planned, config, None if replace else prior)
        return pb.PlanResourceChange.Response(
            planned_state=pb.DynamicValue(msgpack=encode(planned)),
            requires_replace=[attribute_path([n]) for n in replace],
            diagnostics=diags,
            legacy_type_system=True,
        )

    def ApplyResourceChange(self, request: Any, context: Any) -> pb.ApplyResourceChange.Response:
        kind = self.resources.get(request.type_name, Resource())
        planned = decode(request.planned_state.msgpack, request.planned_state.json)
        if planned is None:  # destroyed
            diags: Diags = []
            prior = decode(request.prior_state.msgpack, request.prior_state.json)
            if kind.destroy is not None and prior is not None:
                diags = kind.destroy(prior, Context(request.type_name, Path.cwd().resolve()))
            return pb.ApplyResourceChange.Response(
                new_state=request.planned_state, diagnostics=diags, legacy_type_system=True
            )
        config = decode(request.config.msgpack, request.config.json)
        prior = decode(request.prior_state.msgpack, request.prior_state.json)
        step = kind.apply if prior is None else kind.update
        diags = step(planned, self._context(request.type_name, config)) if step else []
        if any(d.severity == pb.Diagnostic.ERROR for d in diags):
            return pb.ApplyResourceChange.Response(diagnostics=diags, legacy_type_system=True)
        return pb.ApplyResourceChange.Response(
            new_state=pb.DynamicValue(msgpack=encode(_leftover(planned))),
            diagnostics=diags,
            legacy_type_system=True,
        )

    def ImportResourceState(self, request: Any, context: Any) -> pb.ImportResourceState.Response:
        return pb.ImportResourceState.Response(
            diagnostics=[
                error("Import is not available offline", "The offline stand-in holds no real objects.")
            ]
        )

    def MoveResourceState(self, request: Any, context: Any) -> pb.MoveResourceState.Response:
        return pb.MoveResourceState.Response(
            diagnostics=[error("Moving state across resource types is not available offline")]
        )

    # ---- data sources
    def ReadDataSource(self, request: Any, context: Any) -> pb.ReadDataSource.Response:
        block = self.schema.data_source_block(request.type_name)
        cfg = conform(decode(request.config.msgpack, request.config.json), block) or {}
        kind = self.data_sources.get(request.type_name)
        diags = kind.read(cfg, self._context(request.type_name, cfg)) if kind is not None else []
        if any(d.severity == pb.Diagnostic.ERROR for d in diags):
            return pb.ReadDataSource.Response(diagnostics=diags)
        return pb.ReadDataSource.Response(
            state=pb.DynamicValue(msgpack=encode(_leftover(cfg))), diagnostics=diags
        )

    def CallFunction(self, request: Any, context: Any) -> Iterator[Any]:
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "provider functions are not available offline")
        return iter(())


# ---- the plugin framework's validators, with their diagnostic texts (terraform-plugin-framework-validators)
def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, str) else str(value)


def at_least(cfg: Values, name: str, minimum: int) -> Diags:
    value = cfg.get(name)
    if known(value) and value < minimum:
        return [
            error(
                "Invalid Attribute Value",
                f"Attribute {name} value must be at least {minimum}, got: {_show(value)}",
                [name],
            )
        ]
    return []


def one_of(cfg: Values, name: str, allowed: tuple[str, ...]) -> Diags:
    value = cfg.get(name)
    if known(value) and value not in allowed:
        listed = " ".join(json.dumps(a) for a in allowed)
        return [
            error(
                "Invalid Attribute Value Match",
                f"Attribute {name} value must be one of: [{listed}], got: {_show(value)}",
                [name],
            )
        ]
    return []


def exactly_one_of(cfg: Values, names: tuple[str, ...]) -> Diags:
    given = [n for n in names if cfg.get(n) is not None]
    if len(given) == 1 or any(cfg.get(n) is UNKNOWN for n in names):
        return []
    listed = ",".join(names)
    if not given:
        return [
            error(
                "Invalid Attribute Combination",
                f"No attribute specified when one (and only one) of [{listed}] is required",
                [names[0]],
            )
        ]
    return [
        error(
            "Invalid Attribute Combination",
            f"{len(given)} attributes specified when one (and only one) of [{listed}] is required",
            [given[0]],
        )
    ]
