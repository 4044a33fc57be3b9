"""`aisec init`: the questionnaire that produces the same spec a CI pipeline would use.

Questions, choices, defaults and validation all come from the spec package (generator/spec/): each answer is
checked by the pydantic type of the field it fills, so a refused answer gets the message the YAML
path would give, then with the answers before it by the spec's cross-field rules (`spec_problems`,
what `parse_spec` applies), so a contradiction is shown at the question that causes it. A review
after the last question lists the answers and goes back to any part of them; the saved answers go
through the same rules as a YAML file. Editing a spec (`--from`) overlays the answers on its data,
so whatever no question asks about is kept as it was. Nothing is written before the final
confirmation; Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

import copy
import sys
from typing import Any

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
)
from generator.spec.answers import SECTIONS, WORKLOAD_ASKED, Answers, Loc, _account, _implied, _is_default
from generator.spec.prompts import STARTER, Prompter, _people_check, field_check, help_text, split_list


class Wizard(Answers):
    """The questions, section by section: each answer checked as :class:`Answers` says."""

    # ------------------------------------------------------------------ the sections
    def basics(self) -> None:
        aws = {**self.start.get("aws", {}), **self.data.get("aws", {})}
        self.text(("name",), Spec, "name", default=self.data.get("name", self.start.get("name", "")))
        self.select(
            ("aws", "region"), spec_mod.Aws, "region", list(REGIONS), default=aws.get("region", "us-east-1")
        )
        account = self.text(("aws", "account_id"), spec_mod.Aws, "account_id", default=str(aws.get("account_id", "")),
                            message="AWS account id (12 digits, or 1234-5678-9012 as the console shows it)")  # fmt: skip
        self.answer(("aws", "account_id"), _account(account))

    def workload(self, i: int, old: dict[str, Any] | None) -> None:
        old = copy.deepcopy(old or {})  # the whole workload: what is not asked is kept from it
        w = ("workloads", i)
        workloads = self.data.setdefault("workloads", [])
        if i == len(workloads):
            workloads.append({})
            self.fillers.append(old or copy.deepcopy(STARTER["workloads"][0]))
        else:
            workloads[i] = {}
        self.fillers[i] = {**self.fillers[i], **old} if old else self.fillers[i]
        self.answered = {a for a in self.answered if a[:2] != w}
        self.answered |= {(*w, k) for k in self.fillers[i] if k not in WORKLOAD_ASKED}
        taken = {x.get("name") for j, x in enumerate(workloads) if j != i}
        check_name = field_check(spec_mod.Workload, "name")

        def unique(answer: str) -> str | None:
            problem = check_name(answer)
            return problem or (f"a workload named {answer!r} exists already" if answer in taken else None)

        self.text((*w, "name"), spec_mod.Workload, "name", default=old.get("name", ""), check=unique)
        wtype = self.select((*w, "type"), spec_mod.Workload, "type", [t.value for t in WorkloadType],
                            default=old.get("type", "training"))  # fmt: skip
        data = old.get("data", {})
        self.put((*w, "data"), {})
        categories = self.checkbox((*w, "data", "categories"), spec_mod.Data, "categories", [c.value for c in DataCategory],
                                   checked=data.get("categories", []), message="Regulated data the workload touches (none is fine)")  # fmt: skip
        floor = max(
            [Sensitivity.PUBLIC, *(CATEGORY_RULES[DataCategory(c)][0] for c in categories)],
            key=lambda s: s.rank,
        )
        allowed = [s.value for s in Sensitivity if s.rank >= floor.rank]
        default_sens = (
            data.get("sensitivity")
            if data.get("sensitivity") in allowed
            else allowed[-1 if categories else 0]
        )
        self.select((*w, "data", "sensitivity"), spec_mod.Data, "sensitivity", allowed, default=default_sens)
        defaults = sorted(s.value for s in DEFAULT_SERVICES[WorkloadType(wtype)] if s is not Service.S3)
        old_services = [s for s in old.get("services") or [] if s != Service.S3.value]
        services = self.checkbox((*w, "services"), spec_mod.Workload, "services", [s.value for s in Service if s is not Service.S3],
                                 checked=old_services or defaults, message="AWS services the workload uses (S3 is always included)")  # fmt: skip
        chosen = None if sorted(services) == defaults else [*services, "s3"]
        if sorted([*services, "s3"]) == sorted(old.get("services") or []):
            chosen = old["services"]  # unchanged: as the spec edited lists them
        self.answer((*w, "services"), chosen)
        stages = self.checkbox((*w, "stages"), spec_mod.Workload, "stages", [s.value for s in Stage],
                               checked=old.get("stages", [s.value for s in Stage]), at_least_one=True)  # fmt: skip
        self.text((*w, "description"), spec_mod.Workload, "description", default=old.get("description", ""), optional=True,
                  message="One line about the workload, for the generated README (optional)")  # fmt: skip
        guarded = sorted(c for c in categories if DataCategory(c) in NONPROD_GUARDED)
        if (
            guarded
            and WorkloadType(wtype) in TYPES_WITH_PEOPLE
            and any(st != Stage.PROD.value for st in stages)
        ):
            self.select(
                (*w, "data", "non_production"), spec_mod.Data, "non_production", ["deidentified", "tokenized", "synthetic"],
                default=data.get("non_production", "deidentified"),
                message=f"People read {', '.join(guarded)} data outside prod only de-identified, tokenized or "
                "synthetic: what do dev and test hold",
            )  # fmt: skip
        else:
            self.answer((*w, "data", "non_production"), None)

    def workloads(self) -> None:
        previous = list(self.start.get("workloads", []))
        while True:
            old = previous.pop(0) if previous else None
            i = len(self.data.get("workloads") or [])
            print(f"\nWorkload {i + 1}", file=sys.stderr)
            self.workload(i, old)
            if not self.p.confirm("Add another workload?", default=bool(previous)):
                break

    def compliance(self) -> None:
        implied = _implied(self.data["workloads"])
        chosen = self.data.get("compliance", self.start.get("compliance"))
        # The AWS AI Security Framework is pre-checked for rag and inference workloads (as the spec's
        # default) unless the spec we start from lists its regimes.
        if not chosen and any(
            w.get("type") in (WorkloadType.RAG.value, WorkloadType.INFERENCE.value)
            for w in self.data["workloads"]
        ):
            implied.add(Regime.AI_SECURITY.value)
        chosen = list(
            chosen or []
        )  # the edited spec's order is kept; what is implied follows, in Regime order
        checked = chosen + [r.value for r in Regime if r.value in implied and r.value not in chosen]
        self.checkbox(("compliance",), Spec, "compliance", [r.value for r in Regime], checked=checked,
                      message="Compliance regimes that apply (PHI implies hipaa, cardholder data pci-dss, "
                              "rag and inference workloads ai-security)")  # fmt: skip

    def network(self) -> None:
        net = {**self.start.get("network", {}), **self.data.get("network", {})}
        print("\nNetwork: the existing VPC the workloads run in", file=sys.stderr)
        n = ("network",)
        self.text((*n, "vpc_id"), spec_mod.Network, "vpc_id", default=net.get("vpc_id", ""))
        self.text((*n, "vpc_cidr"), spec_mod.Network, "vpc_cidr", default=net.get("vpc_cidr", ""))
        for key in ("subnet_ids", "route_table_ids"):
            self.text((*n, key), spec_mod.Network, key, default=", ".join(net.get(key, [])), as_list=True)
        sensitive = any(
            Sensitivity(w["data"]["sensitivity"]).rank >= Sensitivity.CONFIDENTIAL.rank
            for w in self.data["workloads"]
        )
        perimeter = not sensitive or self.p.confirm(
            "Network perimeter: confidential and restricted data answers only inside this VPC (people then "
            "work from in-VPC tools)?", default=net.get("perimeter", True),
        )  # fmt: skip
        self.answer((*n, "perimeter"), None if perimeter else False)

    def foundation(self) -> None:
        start = {**self.start, **{k: v for k, v in self.data.items() if v is not None}}
        foundation = self.select(("foundation",), Spec, "foundation", ["create", "existing"], default=start.get("foundation", "create"),
                                 message="Account-level trail, Macie, endpoints and alert topic")  # fmt: skip
        if foundation == "existing":
            self.answer(("log_archive",), None)
            refs = start.get("foundation_refs") or {}
            for key in ("access_log_bucket", "alert_topic_arn"):
                self.text(("foundation_refs", key), spec_mod.FoundationRefs, key, default=refs.get(key, ""))
            return
        self.answer(("foundation_refs",), None)
        archive = start.get("log_archive") or {}
        if not self.p.confirm(
            "Deliver the trail to a separate log-archive account (its bucket is rendered as log-archive/)?",
            default=bool(archive),
        ):
            self.answer(("log_archive",), None)
        else:
            self.data["log_archive"] = {
                k: v for k, v in archive.items() if k not in ("account_id", "break_glass")
            }
            account = self.text(("log_archive", "account_id"), spec_mod.LogArchive, "account_id",
                                default=archive.get("account_id", ""))  # fmt: skip
            self.answer(("log_archive", "account_id"), _account(account))
            self.text(("log_archive", "break_glass"), spec_mod.LogArchive, "break_glass", as_list=True,
                      default=", ".join(archive.get("break_glass", [])))  # fmt: skip

    def access(self) -> None:
        acc = {**self.start.get("access", {}), **(self.data.get("access") or {})}
        name, account = self.data["name"], self.data["aws"]["account_id"]
        a = ("access",)
        self.data["access"] = {}
        self.text((*a, "admin_principals"), spec_mod.Access, "admin_principals", as_list=True,
                  default=", ".join(acc.get("admin_principals", [f"arn:aws:iam::{account}:role/PlatformAdmin"])))  # fmt: skip
        human = self.select((*a, "human_access"), spec_mod.Access, "human_access", ["sso", "iam-mfa"],
                            default=acc.get("human_access", "sso"))  # fmt: skip
        iam_mfa = human == "iam-mfa"
        with_people = [st.value for st in Stage if any(
            st.value in w.get("stages", [s.value for s in Stage]) and WorkloadType(w["type"]) in TYPES_WITH_PEOPLE
            for w in self.data["workloads"])]  # fmt: skip
        old_people = acc.get("people") or {}

        def ask_people() -> dict[str, list[str]]:
            people = {}
            for stage in with_people:  # each stage alone at its prompt; the whole with the spec's rules
                default = old_people.get(stage) or ([] if iam_mfa else [f"{name}-{stage}"])
                people[stage] = self.p.text(
                    spec_mod.Access, "people", as_list=True, default=", ".join(default),
                    check=_people_check(iam_mfa),
                    message=f"Who may assume the people's roles in {stage}: "
                    + ("IAM role or user ARNs" if iam_mfa else "IAM Identity Center permission sets (or role ARNs)"),
                )  # fmt: skip
            return people

        people = self._until_coherent((*a, "people"), ask_people) if with_people else {}
        named = people and (iam_mfa or people != {st: [f"{name}-{st}"] for st in with_people})
        self.answer((*a, "people"), people if named else None)
        for key, message in (
            ("deployers", "Roles that run terraform apply (empty: the apply role `aisec ci` creates)"),
            (
                "break_glass",
                "Break-glass roles excepted from every data-perimeter Deny (empty: the root user only)",
            ),
        ):
            self.text((*a, key), spec_mod.Access, key, as_list=True, optional=True,
                      default=", ".join(acc.get(key) or []), message=message)  # fmt: skip

    def alerts(self) -> None:
        old = (self.data.get("alerts") or self.start.get("alerts") or {}).get("email") or []
        self.data["alerts"] = {}
        email = self.text(("alerts", "email"), spec_mod.Alerts, "email", as_list=True, optional=True,
                          default=", ".join(old))  # fmt: skip
        self.answer(("alerts", "email"), email or [])

    def ask_all(self) -> None:
        self.basics()
        self.workloads()
        self.compliance()
        self.network()
        self.foundation()
        self.access()
        self.alerts()

    # ------------------------------------------------------------------ the review: go back to any answer
    def summary(self) -> list[tuple[str, str]]:
        d = self.final()
        rows = [
            ("basics", f"name, region, account: {d['name']}, {d['aws']['region']}, {d['aws']['account_id']}")
        ]
        for i, w in enumerate(d["workloads"]):
            cats = ", ".join(w["data"]["categories"]) or "no regulated data"
            rows.append((f"workload {i}", f"workload {w['name']}: {w['type']}, {w['data']['sensitivity']} ({cats}), "
                                          f"stages {', '.join(w.get('stages', []))}"))  # fmt: skip
        net = d["network"]
        archive = d.get("log_archive")
        rows += [
            ("compliance", f"compliance: {', '.join(d.get('compliance') or []) or 'none'}"),
            ("network", f"network: {net['vpc_id']} {net['vpc_cidr']}, perimeter {'off' if net.get('perimeter') is False else 'on'}"),
            ("foundation", f"foundation: {d['foundation']}" + (f", log archive in {archive['account_id']}" if archive else "")),
            ("access", f"access: {d['access']['human_access']}, admins {', '.join(d['access']['admin_principals'])}"),
            ("alerts", f"alerts: {', '.join(d.get('alerts', {}).get('email') or []) or 'none'}"),
        ]  # fmt: skip
        return rows

    def kept_text(self, kept: list[Loc]) -> str:
        """The settings kept, those with other than their default values, for the review."""
        final = self.final()
        names = [w.get("name", "?") for w in final["workloads"]]
        parts = [
            str(k[0]) for k in kept if len(k) == 1 and not _is_default(Spec, str(k[0]), final.get(str(k[0])))
        ]
        for i, name in enumerate(names):
            mine = [
                str(k[2])
                for k in kept
                if k[:2] == ("workloads", i)
                and not _is_default(spec_mod.Workload, str(k[2]), final["workloads"][i].get(k[2]))
            ]
            parts += [f"workload {name}: {', '.join(mine)}"] if mine else []
        return "; ".join(parts)

    def change(self, section: str) -> None:
        self.answered = {a for a in self.answered if SECTIONS.get(str(a[0])) != section}
        if section.startswith("workload "):
            i = int(section.split()[1])
            self.workload(i, self.final()["workloads"][i])
        elif section == "add":
            self.workload(len(self.data["workloads"]), None)
        elif section.startswith("remove "):
            i = int(section.split()[1])
            del self.data["workloads"][i]
            del self.fillers[i]
            self.answered = {a for a in self.answered if a[0] != "workloads"}
            self.answered |= {("workloads", j) for j in range(len(self.data["workloads"]))}
        else:
            getattr(self, section)()

    def review(self, source: str) -> Spec:
        while True:
            spec, problems = spec_mod.spec_problems(self.final())
            print("\nYour answers:", file=sys.stderr)
            rows = self.summary()
            for _, line in rows:
                print(f"  {line}", file=sys.stderr)
            kept = self.kept()
            if self.kept_text(kept):
                print(f"  kept as they were (not asked here): {self.kept_text(kept)}", file=sys.stderr)
            first = None
            if problems:
                print(f"\n{len(problems)} problem(s):", file=sys.stderr)
                for pr in problems:
                    note = (
                        " (a setting not asked here: change the answer that contradicts it, or the spec file)"
                        if any(pr.loc[: len(k)] == k for k in kept)
                        else ""
                    )
                    print(f"  {pr.render(source)}{note}", file=sys.stderr)
                loc = problems[0].loc
                first = (
                    f"workload {loc[1]}"
                    if loc[:1] == ("workloads",) and len(loc) > 1
                    else SECTIONS.get(str(loc[0]) if loc else "")
                )
            choices = [Choice("Save these answers", value="save")] if spec is not None else []
            choices += [Choice(f"Change {line.split(':')[0]}", value=key) for key, line in rows]
            choices.append(Choice("Add a workload", value="add"))
            if len(self.data["workloads"]) > 1:
                choices += [
                    Choice(f"Remove workload {w['name']}", value=f"remove {i}")
                    for i, w in enumerate(self.final()["workloads"])
                ]
            choices.append(Choice("Give up (nothing is written)", value="quit"))
            default = "save" if spec is not None else first
            choice = self.p.menu("Review: save, or go back to an answer", choices, default=default)
            if choice == "save" and spec is not None:
                return spec
            if choice == "quit" and not problems:
                print("nothing was written", file=sys.stderr)
                raise SystemExit(1)
            if choice == "quit":
                raise SpecError(f"{source}: {len(problems)} problem(s) in the answers; nothing was written",
                                [pr.render(source) for pr in problems])  # fmt: skip
            self.change(choice)


def run(p: Prompter, start: dict[str, Any], source: str) -> Spec:
    """Ask every question (each answer checked with the spec's rules at its question), then review:
    the answers can be changed one section at a time until they are saved."""
    w = Wizard(p, start)
    w.ask_all()
    return w.review(source)


def require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UserInputError(
            "aisec init asks questions and needs a terminal; in CI or a pipe use `aisec render SPEC -o DIR` "
            "with a spec file (start from `aisec blueprints show NAME`), or `aisec init --defaults`"
        )


__all__ = [
    "STARTER",
    "Answers",
    "Prompter",
    "Spec",
    "SpecError",
    "Wizard",
    "_people_check",
    "field_check",
    "help_text",
    "require_terminal",
    "run",
    "spec_mod",
    "split_list",
]
