"""The answers of `aisec init` so far: merged over the spec it starts from, each checked with the
spec's own rules against the answers given so far, so a contradiction shows at its question."""

from __future__ import annotations

import copy
import sys
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from generator import spec as spec_mod
from generator.spec import CATEGORY_RULES, DataCategory, Spec
from generator.spec.prompts import STARTER, Prompter

Loc = tuple[str | int, ...]


def _related(a: Loc, b: Loc) -> bool:
    """One location is the other or inside it (a problem at workloads[0] concerns workloads[0].name)."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _section(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The model of ``key``'s field when it is a section (a model, or a model or None), else None:
    lists and mappings of values (people per stage, tags, vector stores) are one answer each."""
    info = next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)
    if info is None:
        return None
    union = typing.get_origin(info.annotation) in (typing.Union, types.UnionType)
    for arg in (info.annotation, *(typing.get_args(info.annotation) if union else ())):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _overlay(model: type[BaseModel], base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """The answers ``top`` over the spec being edited ``base``: what no question touched is kept as
    it was, a section merges field by field, a None in ``top`` removes the key, any other value
    replaces it. Driven by the spec model, so a field added to the spec is kept without a change here."""
    out = {k: copy.deepcopy(v) for k, v in base.items() if k not in top}
    for key, value in top.items():
        if value is None:
            continue
        sub = _section(model, key)
        if sub is not None and isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _overlay(sub, base[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_default(model: type[BaseModel], key: str, value: Any) -> bool:
    info = next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)
    if info is None or info.is_required():
        return False
    default = info.get_default(call_default_factory=True)
    plain = TypeAdapter(Any).dump_python(default, mode="json", exclude_none=True)
    return value is None or value == plain


def _implied(workloads: Sequence[dict[str, Any]]) -> set[str]:
    return {
        r.value
        for w in workloads
        for c in w.get("data", {}).get("categories", [])
        if (r := CATEGORY_RULES[DataCategory(c)][1])
    }


def _account(value: str) -> str:
    """The answer as the spec stores it (the console's dashed form becomes 12 digits)."""
    try:
        return str(TypeAdapter(spec_mod.AccountId).validate_python(value))
    except ValidationError:
        return value


# The parts of the questionnaire the review step can go back to, by the spec key they answer.
SECTIONS = {
    "name": "basics", "aws": "basics", "compliance": "compliance", "network": "network",
    "foundation": "foundation", "foundation_refs": "foundation", "log_archive": "foundation",
    "access": "access", "alerts": "alerts",
}  # fmt: skip


# What the questions answer; everything else of the spec being edited (detective controls, module
# source, cost assumptions, tags, a workload's Bedrock, Macie, compute and image settings, and any
# field added later) is kept as it was: answers are overlaid on the spec's data, nothing is rebuilt.
ASKED = ("apiVersion", "workloads", *SECTIONS)
WORKLOAD_ASKED = ("name", "type", "description", "data", "services", "stages")


class Answers:
    """The answers so far, and every question asked with a check of the spec's own rules.

    Each answer is checked first by the pydantic type of its field, then together with the answers
    given so far: the partial answers, completed for the questions still to come from ``start`` (and
    the least demanding compliance: the regimes the data implies), go through `spec_problems` (the
    rules `parse_spec` applies), and the problems located at an answered field are shown at the
    question that caused them. A contradiction is thus caught where it arises, not at the end.
    """

    def __init__(self, p: Prompter, start: dict[str, Any]) -> None:
        self.p = p
        self.start = copy.deepcopy(start)
        self.data: dict[str, Any] = {"apiVersion": "aisec/v1"}
        self.answered: set[Loc] = set()
        # per workload: the spec's settings it started from (what no question touches is kept from
        # here) and what its unanswered questions default to
        self.fillers: list[dict[str, Any]] = []
        # settings not asked about count as answered: an answer contradicting them is shown at its question
        self.answered |= set(self.kept())

    def kept(self) -> list[Loc]:
        """Where the spec edited has settings no question asks about (they are kept as they are)."""
        workloads = self.fillers if self.data.get("workloads") else self.start.get("workloads") or []
        return [(k,) for k in self.start if k not in ASKED] + [
            ("workloads", i, k) for i, w in enumerate(workloads) for k in w if k not in WORKLOAD_ASKED
        ]

    def _overlaid(self) -> dict[str, Any]:
        """The answers so far over the spec being edited (its workloads: those answered so far)."""
        data = _overlay(
            Spec,
            {k: v for k, v in self.start.items() if k != "workloads"},
            {k: v for k, v in self.data.items() if k != "workloads"},
        )
        answered = self.data.get("workloads") or []
        data["workloads"] = [_overlay(spec_mod.Workload, self.fillers[i], w) for i, w in enumerate(answered)]
        return data

    # ------------------------------------------------------------------ the spec rules on partial answers
    def candidate(self) -> dict[str, Any]:
        data = self._overlaid()
        if not data["workloads"]:
            data["workloads"] = copy.deepcopy(self.start.get("workloads") or STARTER["workloads"])
        if ("compliance",) not in self.answered:
            data["compliance"] = sorted(_implied(data["workloads"]))
        # A section being answered lacks its later fields: neutral stand-ins keep it checkable.
        if isinstance(data.get("log_archive"), dict):
            archive = _account(str(data["log_archive"].get("account_id", "")))
            archive = archive if spec_mod.ACCOUNT_RE.fullmatch(archive) else "000000000000"
            data["log_archive"].setdefault("break_glass", [f"arn:aws:iam::{archive}:role/answer-pending"])
        if isinstance(data.get("foundation_refs"), dict):
            data["foundation_refs"] = {
                "access_log_bucket": "answer-pending",
                "alert_topic_arn": "arn:aws:sns:us-east-1:000000000000:answer-pending",
                **data["foundation_refs"],
            }
        return data

    def problems_at(self, loc: Loc, value: Any) -> str | None:
        """The spec's problems at answered fields if ``loc`` held ``value`` (None: none)."""
        problems = self.problems(loc, value)
        return "; ".join(f"{spec_mod.format_loc(pr.loc)}: {pr.message}" for pr in problems) or None

    def problems(self, loc: Loc, value: Any) -> list[spec_mod.Problem]:
        """The problems ``value`` at ``loc`` causes: at answered fields, and not there without it (a
        contradiction kept for the review, or one of another section, is not this question's)."""

        def found() -> set[spec_mod.Problem]:
            _, problems = spec_mod.spec_problems(self.candidate())
            return {pr for pr in problems if any(_related(pr.loc, a) for a in self.answered)}

        before = found()
        saved, answered = copy.deepcopy(self.data), set(self.answered)
        self.put(loc, value)
        self.answered.add(loc)
        try:
            after = found()
        finally:
            self.data, self.answered = saved, answered
        return sorted(after - before, key=lambda pr: (spec_mod.format_loc(pr.loc), pr.message))

    def put(self, loc: Loc, value: Any) -> None:
        node: Any = self.data
        for key in loc[:-1]:
            if isinstance(key, str) and node.get(key) is None:
                node[key] = {}
            node = node[key]
        node[loc[-1]] = value

    def answer(self, loc: Loc, value: Any) -> Any:
        self.put(loc, value)
        self.answered.add(loc)
        return value

    def final(self) -> dict[str, Any]:
        return self._overlaid()

    # ------------------------------------------------------------------ prompts that record their answer
    def text(self, loc: Loc, model: type[BaseModel], name: str, **kw: Any) -> Any:
        def cross(value: Any) -> str | None:
            return self.problems_at(loc, None if kw.get("optional") and value in ("", []) else value)

        value = self.p.text(model, name, cross=cross, **kw)
        return self.answer(loc, None if kw.get("optional") and value in ("", []) else value)

    def _until_coherent(self, loc: Loc, ask: Callable[[], Any]) -> Any:
        while True:
            value = ask()
            problems = self.problems(loc, value)
            if not problems:
                return self.answer(loc, value)
            for pr in problems:
                print(f"  {spec_mod.format_loc(pr.loc)}: {pr.message}", file=sys.stderr)
            if not self.p.confirm(
                "Answer this question again? (no: keep the answer and change the other one at the review)",
                default=True,
            ):
                return self.answer(loc, value)

    def select(self, loc: Loc, model: type[BaseModel], name: str, choices: Sequence[str], **kw: Any) -> str:
        return str(self._until_coherent(loc, lambda: self.p.select(model, name, choices, **kw)))

    def checkbox(
        self, loc: Loc, model: type[BaseModel], name: str, choices: Sequence[str], **kw: Any
    ) -> list[str]:
        checked = list(kw.get("checked", ()))

        def ask() -> list[str]:  # the order of the spec edited is kept: an unchanged answer is equal
            answer = self.p.checkbox(model, name, choices, **kw)
            return [c for c in checked if c in answer] + [c for c in answer if c not in checked]

        return list(self._until_coherent(loc, ask))
