"""Loading: strict YAML in (no duplicate keys, no aliases bombs, no secrets), every problem out as
``file: path.to.field: message``, and :func:`parse_spec`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from generator.errors import SpecError
from generator.spec.consistency import consistency_problems
from generator.spec.model import Spec
from generator.spec.problems import Problem
from generator.spec.types import API_VERSION, MAX_SPEC_BYTES

# --------------------------------------------------------------------------- loading
MAX_EXPANDED_NODES = 100_000


def _check_expanded_size(data: Any, source: str) -> None:
    """Refuse documents whose aliases expand to more nodes than any real spec has (billion laughs)."""
    budget = MAX_EXPANDED_NODES
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise SpecError(
                f"{source}: the document expands to more than {MAX_EXPANDED_NODES} values through "
                "YAML aliases; refusing a possible alias bomb"
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# libyaml's emitter when PyYAML has it: the same YAML as the pure-Python one, faster.
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML without duplicate keys and with a bound on aliases (alias bombs)."""

    max_aliases = 100

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self.max_aliases:
                raise yaml.YAMLError(
                    f"more than {self.max_aliases} YAML aliases; refusing a possible alias bomb"
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        keys: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) and key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def _allowed_keys(loc: tuple[str | int, ...]) -> list[str] | None:
    """The keys a mapping at ``loc`` (the parent of an unknown key) accepts, for the error message."""
    model: Any = Spec
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        if field is None:
            return None
        model = _model_in(field.annotation)
        if model is None:
            return None
    return [f.alias or n for n, f in model.model_fields.items()]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


MISSING = "required field is missing"


def _problems_from_validation(exc: ValidationError) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            msg = "unknown key" + (f"; allowed keys here: {', '.join(allowed)}" if allowed else "")
        elif err["type"] == "missing":
            msg = MISSING
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        problems.append(Problem(loc, msg))
    return problems


# What credentials look like. A spec never needs one; a value that matches is refused without
# being repeated anywhere (messages name only where it is).
SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("an AWS secret access key", re.compile(r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")),
    ("a private key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
)  # fmt: skip
SECRET_KEY_NAMES = re.compile(r"(secret|password|passwd|token|private_key|access_key)", re.I)


def secret_problems(data: Any, loc: tuple[str | int, ...] = ()) -> list[Problem]:
    """Places in raw spec data holding something that looks like a credential."""
    problems: list[Problem] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = (*loc, str(key))
            if isinstance(key, str):
                problems += [
                    Problem(loc, f"a key looks like {kind}; remove it")
                    for kind, p in SECRET_PATTERNS
                    if p.search(key)
                ]
                if SECRET_KEY_NAMES.search(key) and isinstance(value, str) and value:
                    problems.append(Problem(where, "specs never hold credentials; remove this value"))
                    continue
            problems += secret_problems(value, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            problems += secret_problems(value, (*loc, i))
    elif isinstance(data, str):
        problems += [
            Problem(
                loc,
                f"this value looks like {kind}; remove it: aisec never needs credentials (the value is not shown)",
            )
            for kind, p in SECRET_PATTERNS
            if p.search(data)
        ]
    return problems


Origin = dict[tuple[Any, ...], str]  # where each value of a merged spec came from: loc -> file


def _origin_of(origin: Origin, loc: tuple[Any, ...], default: str) -> str:
    """The file that gave the value at ``loc`` (or the nearest enclosing value)."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in origin:
            return origin[loc[:n]]
    return default


def parse_spec(data: Any, source: str = "<spec>", origin: dict[tuple[Any, ...], str] | None = None) -> Spec:
    """Validate already-parsed data into a coherent :class:`Spec` or raise :class:`SpecError`.

    ``origin`` (from :func:`load_spec_file` when the spec imports others) says which file gave
    each value, so a problem names the file to edit; without it every problem names ``source``."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise SpecError(
            f"{source}: the spec must be a YAML mapping with apiVersion: {API_VERSION}, got {kind}",
            file=source,
        )
    if "imports" in data:
        raise SpecError(
            f"{source}: imports: resolved only when a spec is read from a file (its paths are relative "
            "to that file); load it with load_spec",
            file=source,
        )

    def file_of(p: Problem) -> str:
        if origin is None or (p.loc not in origin and p.message == MISSING):
            return source  # a field missing: the spec is where to add it, not the defaults file
        return _origin_of(origin, p.loc, source)

    secrets = secret_problems(data)
    if secrets:
        raise SpecError(
            f"{source}: {len(secrets)} value(s) look like credentials; nothing was rendered",
            [p.render(file_of(p)) for p in secrets],
            file=source,
            problems=[p.record(file_of(p)) for p in secrets],
        )
    spec, problems = spec_problems(data)
    if spec is not None:
        return spec
    imported = origin is not None and any(file_of(p) != source for p in problems)
    raise SpecError(
        f"{source}: {len(problems)} problem(s) in the spec" + (" and its imports" if imported else ""),
        [p.render(file_of(p)) for p in problems],
        file=source,
        problems=[p.record(file_of(p)) for p in problems],
    )


def spec_problems(data: Any) -> tuple[Spec | None, list[Problem]]:
    """Every rule of the spec (fields, then cross-field) applied to parsed data: the spec when it is
    coherent, else the problems. The wizard checks partial answers with it."""
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        return None, _problems_from_validation(exc)
    problems = consistency_problems(spec)
    return (None, problems) if problems else (spec, [])


def load_yaml_text(text: str, source: str) -> Any:
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{source}: not valid YAML{where}: {problem}", file=source) from None
    _check_expanded_size(data, source)
    return data


def _read_yaml_file(path: Path, source: str) -> Any:
    """One YAML file as data: bounded in size, UTF-8, safe YAML. Every failure is a SpecError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"{source}: no such file", file=source) from None
    except IsADirectoryError:
        raise SpecError(f"{source}: is a directory, expected a YAML spec file", file=source) from None
    except OSError as exc:
        raise SpecError(f"{source}: cannot read: {exc.strerror}", file=source) from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(
            f"{source}: {len(raw)} bytes is larger than the {MAX_SPEC_BYTES} bytes a spec may have"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    return load_yaml_text(text, source)
