"""`aisec init`: the questionnaire that produces the same spec a CI pipeline would use.

Questions, choices, defaults and validation all come from generator/spec.py: each answer is
checked by the pydantic type of the field it fills, so a refused answer gets the message the YAML
path would give, and the finished answers go through the same `parse_spec` as a YAML file.
Nothing is written before the final confirmation; Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import questionary
from pydantic import BaseModel, TypeAdapter, ValidationError
from questionary import Choice

from generator import spec as spec_mod
from generator.errors import SpecError, UserInputError
from generator.spec import (
    CATEGORY_RULES,
    DEFAULT_SERVICES,
    NONPROD_GUARDED,
    REGIONS,
    TYPES_WITH_PEOPLE,
    DataCategory,
    Regime,
    Sensitivity,
    Service,
    Spec,
    Stage,
    WorkloadType,
    parse_spec,
)

# A quick start (`--defaults` without `--from`): placeholders to replace before applying.
STARTER: dict[str, Any] = {
    "apiVersion": "aisec/v1",
    "name": "ai-landing",
    "aws": {"region": "us-east-1", "account_id": "123456789012"},
    "compliance": [],
    "network": {
        "vpc_id": "vpc-0123456789abcdef0",
        "vpc_cidr": "10.0.0.0/16",
        "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        "route_table_ids": ["rtb-0123456789abcdef0"],
    },
    "foundation": "create",
    "access": {"admin_principals": ["arn:aws:iam::123456789012:role/PlatformAdmin"], "human_access": "sso"},
    "alerts": {"email": []},
    "workloads": [
        {"name": "training", "type": "training", "data": {"sensitivity": "internal", "categories": []}}
    ],
}


def field_check(model: type[BaseModel], name: str) -> Callable[[Any], str | None]:
    """A validator for one field, with the messages of the YAML path (None when valid)."""
    info = model.model_fields[name]
    annotation: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def check(value: Any) -> str | None:
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            problems = spec_mod._problems_from_validation(exc)
            return "; ".join(
                f"{spec_mod.format_loc(p.loc)}: {p.message}" if p.loc else p.message for p in problems
            )
        return None

    return check


def help_text(model: type[BaseModel], name: str) -> str:
    why = spec_mod.WHY.get(f"{model.__name__}.{name}", "")
    return why


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


@dataclass
class Prompter:
    """Asks questionary prompts in the terminal; with ``keys``, each prompt is fed the next string
    of keystrokes instead (for tests: the real prompts, answered without a terminal)."""

    keys: list[str] | None = None
    show_why: bool = True
    _pipes: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @property
    def io(self) -> dict[str, Any]:
        if self.keys is None:
            return {}
        if not self.keys:
            raise AssertionError("the scripted answers ran out before the questions did")
        from prompt_toolkit.input import create_pipe_input
        from prompt_toolkit.output import DummyOutput

        pipe = self._pipes.enter_context(create_pipe_input())
        pipe.send_text(self.keys.pop(0))
        pipe.close()  # a prompt left wanting more keys ends with EOFError instead of waiting
        return {"input": pipe, "output": DummyOutput()}

    def _message(self, model: type[BaseModel], name: str, message: str | None = None) -> str:
        text = message or model.model_fields[name].description or name
        return text.rstrip(".")

    def _why(self, model: type[BaseModel], name: str) -> str | None:
        why = help_text(model, name)
        return f"(why: {why})" if why and self.show_why else None

    def text(self, model: type[BaseModel], name: str, default: str = "", as_list: bool = False,
             optional: bool = False, message: str | None = None,
             check: Callable[[Any], str | None] | None = None) -> Any:  # fmt: skip
        check = check or field_check(model, name)

        def validate(answer: str) -> bool | str:
            if optional and not answer.strip():
                return True
            value: Any = split_list(answer) if as_list else answer
            problem = check(value)
            return True if problem is None else problem

        answer = questionary.text(
            self._message(model, name, message) + (" (comma-separated)" if as_list else ""),
            default=default,
            validate=validate,
            instruction=self._why(model, name),
            **self.io,
        ).unsafe_ask()
        if optional and not answer.strip():
            return [] if as_list else ""
        return split_list(answer) if as_list else answer

    def select(self, model: type[BaseModel], name: str, choices: Sequence[str], default: str | None = None,
               message: str | None = None) -> str:  # fmt: skip
        return str(
            questionary.select(
                self._message(model, name, message), choices=list(choices), default=default,
                instruction=self._why(model, name), **self.io,
            ).unsafe_ask()
        )  # fmt: skip

    def checkbox(self, model: type[BaseModel], name: str, choices: Sequence[str], checked: Sequence[str] = (),
                 message: str | None = None, at_least_one: bool = False) -> list[str]:  # fmt: skip
        answer = questionary.checkbox(
            self._message(model, name, message),
            choices=[Choice(c, checked=c in checked) for c in choices],
            validate=(lambda a: bool(a) or "choose at least one") if at_least_one else (lambda a: True),
            instruction=self._why(model, name),
            **self.io,
        ).unsafe_ask()
        return [str(a) for a in answer]

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(questionary.confirm(message, default=default, **self.io).unsafe_ask())


def _workload(p: Prompter, old: dict[str, Any] | None, taken: set[str]) -> dict[str, Any]:
    old = old or {}
    check_name = field_check(spec_mod.Workload, "name")

    def unique(answer: str) -> str | None:
        problem = check_name(answer)
        return problem or (f"a workload named {answer!r} exists already" if answer in taken else None)

    while True:
        name = p.text(spec_mod.Workload, "name", default=old.get("name", ""))
        problem = unique(name)
        if problem is None:
            break
        print(f"  {problem}", file=sys.stderr)
    wtype = p.select(
        spec_mod.Workload, "type", [t.value for t in WorkloadType], default=old.get("type", "training")
    )
    data = old.get("data", {})
    categories = p.checkbox(spec_mod.Data, "categories", [c.value for c in DataCategory], checked=data.get("categories", []),
                            message="Regulated data the workload touches (none is fine)")  # fmt: skip
    floor = max(
        [Sensitivity.PUBLIC, *(CATEGORY_RULES[DataCategory(c)][0] for c in categories)], key=lambda s: s.rank
    )
    allowed = [s.value for s in Sensitivity if s.rank >= floor.rank]
    default_sens = (
        data.get("sensitivity") if data.get("sensitivity") in allowed else allowed[-1 if categories else 0]
    )
    sensitivity = p.select(spec_mod.Data, "sensitivity", allowed, default=default_sens)
    default_services = old.get("services") or [s.value for s in DEFAULT_SERVICES[WorkloadType(wtype)]]
    services = p.checkbox(spec_mod.Workload, "services", [s.value for s in Service if s is not Service.S3],
                          checked=default_services, message="AWS services the workload uses (S3 is always included)")  # fmt: skip
    stages = p.checkbox(spec_mod.Workload, "stages", [s.value for s in Stage], checked=old.get("stages", [s.value for s in Stage]),
                        at_least_one=True)  # fmt: skip
    description = p.text(spec_mod.Workload, "description", default=old.get("description", ""), optional=True,
                         message="One line about the workload, for the generated README (optional)")  # fmt: skip
    out: dict[str, Any] = {"name": name, "type": wtype}
    if description:
        out["description"] = description
    out["data"] = {"sensitivity": sensitivity, "categories": categories}
    if sorted(services) != sorted(
        s.value for s in DEFAULT_SERVICES[WorkloadType(wtype)] if s is not Service.S3
    ):
        out["services"] = [*services, "s3"]
    out["stages"] = stages
    if old.get("images") and Service.ECR.value in services:
        out["images"] = old["images"]  # no question of its own: kept from the spec being edited
    guarded = sorted(c for c in categories if DataCategory(c) in NONPROD_GUARDED)
    if guarded and WorkloadType(wtype) in TYPES_WITH_PEOPLE and any(st != Stage.PROD.value for st in stages):
        out["data"]["non_production"] = p.select(
            spec_mod.Data, "non_production", ["deidentified", "tokenized", "synthetic"],
            default=data.get("non_production", "deidentified"),
            message=f"People read {', '.join(guarded)} data outside prod only de-identified, tokenized or "
            "synthetic: what do dev and test hold",
        )  # fmt: skip
    return out


def _people_check(iam_mfa: bool) -> Callable[[Any], str | None]:
    """Each entry a permission set name or an ARN (ARNs only with iam-mfa), as the YAML path says."""
    adapter: TypeAdapter[Any] = TypeAdapter(list[spec_mod.PersonRef])

    def check(value: Any) -> str | None:
        if not value:
            return "name at least one permission set or principal"
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            return "; ".join(p.message for p in spec_mod._problems_from_validation(exc))
        if iam_mfa and any(not v.startswith("arn:") for v in value):
            return "with human_access iam-mfa, name IAM role or user ARNs"
        return None

    return check


def _access(
    p: Prompter, acc: dict[str, Any], name: str, account: str, workloads: list[dict[str, Any]]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "admin_principals": p.text(spec_mod.Access, "admin_principals", as_list=True,
                                   default=", ".join(acc.get("admin_principals", [f"arn:aws:iam::{account}:role/PlatformAdmin"]))),
        "human_access": p.select(spec_mod.Access, "human_access", ["sso", "iam-mfa"], default=acc.get("human_access", "sso")),
    }  # fmt: skip
    iam_mfa = out["human_access"] == "iam-mfa"
    with_people = [st.value for st in Stage if any(
        st.value in w["stages"] and WorkloadType(w["type"]) in TYPES_WITH_PEOPLE for w in workloads)]  # fmt: skip
    old_people = acc.get("people", {})
    people = {}
    for stage in with_people:
        default = old_people.get(stage) or ([] if iam_mfa else [f"{name}-{stage}"])
        people[stage] = p.text(
            spec_mod.Access,
            "people",
            as_list=True,
            default=", ".join(default),
            check=_people_check(iam_mfa),
            message=f"Who may assume the people's roles in {stage}: "
            + ("IAM role or user ARNs" if iam_mfa else "IAM Identity Center permission sets (or role ARNs)"),
        )
    if people and (iam_mfa or people != {st: [f"{name}-{st}"] for st in with_people}):
        out["people"] = people
    for key, message in (
        ("deployers", "Roles that run terraform apply (empty: the apply role `aisec ci` creates)"),
        (
            "break_glass",
            "Break-glass roles excepted from every data-perimeter Deny (empty: the root user only)",
        ),
    ):
        value = p.text(spec_mod.Access, key, as_list=True, optional=True, default=", ".join(acc.get(key, [])),
                       message=message)  # fmt: skip
        if value:
            out[key] = value
    return out


def ask(p: Prompter, start: dict[str, Any]) -> dict[str, Any]:
    """Every question, with defaults from ``start`` (a blueprint, an existing spec or the starter)."""
    aws, net, acc = start.get("aws", {}), start.get("network", {}), start.get("access", {})
    name = p.text(Spec, "name", default=start.get("name", ""))
    region = p.select(spec_mod.Aws, "region", list(REGIONS), default=aws.get("region", "us-east-1"))
    account = p.text(
        spec_mod.Aws,
        "account_id",
        default=str(aws.get("account_id", "")),
        message="AWS account id (12 digits)",
    )

    workloads: list[dict[str, Any]] = []
    previous = list(start.get("workloads", []))
    while True:
        old = previous.pop(0) if previous else None
        print(f"\nWorkload {len(workloads) + 1}", file=sys.stderr)
        workloads.append(_workload(p, old, {w["name"] for w in workloads}))
        if not p.confirm("Add another workload?", default=bool(previous)):
            break

    implied = {
        r.value
        for w in workloads
        for c in w["data"]["categories"]
        if (r := CATEGORY_RULES[DataCategory(c)][1])
    }
    # The AWS AI Security Framework is pre-checked for rag and inference workloads (as the spec's
    # default) unless the spec we start from lists its regimes.
    if not start.get("compliance") and any(
        w["type"] in (WorkloadType.RAG.value, WorkloadType.INFERENCE.value) for w in workloads
    ):
        implied.add(Regime.AI_SECURITY.value)
    checked = sorted(set(start.get("compliance") or []) | implied)
    compliance = p.checkbox(Spec, "compliance", [r.value for r in Regime], checked=checked,
                            message="Compliance regimes that apply (PHI implies hipaa, cardholder data pci-dss, "
                                    "rag and inference workloads ai-security)")  # fmt: skip

    print("\nNetwork: the existing VPC the workloads run in", file=sys.stderr)
    network = {
        "vpc_id": p.text(spec_mod.Network, "vpc_id", default=net.get("vpc_id", "")),
        "vpc_cidr": p.text(spec_mod.Network, "vpc_cidr", default=net.get("vpc_cidr", "")),
        "subnet_ids": p.text(
            spec_mod.Network, "subnet_ids", default=", ".join(net.get("subnet_ids", [])), as_list=True
        ),
        "route_table_ids": p.text(
            spec_mod.Network,
            "route_table_ids",
            default=", ".join(net.get("route_table_ids", [])),
            as_list=True,
        ),
    }
    sensitive = any(
        Sensitivity(w["data"]["sensitivity"]).rank >= Sensitivity.CONFIDENTIAL.rank for w in workloads
    )
    if sensitive and not p.confirm(
        "Network perimeter: confidential and restricted data answers only inside this VPC (people then "
        "work from in-VPC tools)?", default=net.get("perimeter", True),
    ):  # fmt: skip
        network["perimeter"] = False
    foundation = p.select(Spec, "foundation", ["create", "existing"], default=start.get("foundation", "create"),
                          message="Account-level trail, Macie, endpoints and alert topic")  # fmt: skip
    answers: dict[str, Any] = {"apiVersion": "aisec/v1", "name": name, "aws": {"region": region, "account_id": account},
                               "compliance": compliance, "network": network, "foundation": foundation}  # fmt: skip
    if foundation == "existing":
        refs = start.get("foundation_refs", {})
        answers["foundation_refs"] = {
            "access_log_bucket": p.text(
                spec_mod.FoundationRefs, "access_log_bucket", default=refs.get("access_log_bucket", "")
            ),
            "alert_topic_arn": p.text(
                spec_mod.FoundationRefs, "alert_topic_arn", default=refs.get("alert_topic_arn", "")
            ),
        }
    if foundation == "create":
        archive = start.get("log_archive") or {}
        if p.confirm(
            "Deliver the trail to a separate log-archive account (its bucket is rendered as log-archive/)?",
            default=bool(archive),
        ):
            answers["log_archive"] = {
                **archive,
                "account_id": p.text(spec_mod.LogArchive, "account_id", default=archive.get("account_id", "")),
                "break_glass": p.text(spec_mod.LogArchive, "break_glass", as_list=True,
                                      default=", ".join(archive.get("break_glass", []))),
            }  # fmt: skip
    answers["access"] = _access(p, acc, name, account, workloads)
    answers["alerts"] = {
        "email": p.text(spec_mod.Alerts, "email", as_list=True, optional=True,
                        default=", ".join(start.get("alerts", {}).get("email", []))),
    }  # fmt: skip
    answers["workloads"] = workloads
    for key in ("modules", "state", "tags"):  # kept from --from, not asked
        if start.get(key):
            answers[key] = start[key]
    return answers


def run(p: Prompter, start: dict[str, Any], source: str) -> Spec:
    """Ask until the answers make a coherent spec (contradictions are shown, then asked again)."""
    answers = start
    while True:
        answers = ask(p, answers)
        try:
            return parse_spec(answers, source)
        except SpecError as exc:
            print(f"\n{exc.message}", file=sys.stderr)
            for line in exc.details:
                print(f"  {line}", file=sys.stderr)
            if not p.confirm("Change the answers (your answers so far are the defaults)?", default=True):
                raise


def require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserInputError(
            "aisec init asks questions and needs a terminal; in CI or a pipe use `aisec render SPEC -o DIR` "
            "with a spec file (start from `aisec blueprints show NAME`), or `aisec init --defaults`"
        )
