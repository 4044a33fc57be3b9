"""The landing-level README.md and COMPLIANCE.md, `aisec compliance` and the cost line of a landing
with an account per stage (``accounts``): the landing as deployed, account by account.

Each account's controls are decided from the spec as that account sees it
(:func:`generator.render.accounts.account_specs`), so its compliance report and cost are its own;
every resource address is prefixed with the root that holds it (``foundation-prod/module.audit...``).
A requirement is addressed for the landing only where it is addressed in every account.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from generator import __version__
from generator.decide.policy import DETECTIVE, LAYERS, log_group_key
from generator.render.accounts import Account, assume_role_arn, landing_accounts, landing_diagram, roots
from generator.reports.compliance import control_addresses, coverage_line
from generator.reports.compliance import report as compliance_report
from generator.reports.cost import estimate_line
from generator.reports.diagram import mermaid
from generator.spec import Spec

# The weakest status across accounts is the landing's (out of scope only where it is everywhere).
_RANK = {"out of scope": 0, "addressed": 1, "partly addressed": 2, "not addressed": 3}
_MERMAID_RE = re.compile(r"^```mermaid\n.*?^```", re.M | re.S)
_FOUNDATION_MODULES = ("module.foundation_", "module.privatelink.", "module.detective.")


def _stage_addresses(a: Account) -> dict[str, list[tuple[str, str]]]:
    """The addresses of the audit and macie modules a stage root holds (its log groups, Macie jobs,
    their custom data identifiers, copied per stage root, and archive rules) -> [(root, address
    there)]: a custom data identifier of two stages of the account is in both their roots."""
    from generator.render import _foundation_args, _macie_args
    from generator.render.stages import _only_stage

    f = a.controls.foundation
    shared = {log_group_key(None, n) for n in (f.shared_log_groups if f else ())}
    found: dict[str, list[tuple[str, str]]] = {}
    for stage in a.stages:
        sub = _only_stage(a.controls, stage)
        macie = _macie_args(sub)
        here = [
            *(f'module.audit.aws_cloudwatch_log_group.workload["{k}"]' for k in _foundation_args(sub)["log_groups"] if k not in shared),
            *(f'module.macie.aws_macie2_classification_job.this["{k}"]' for k in macie["jobs"]),
            *(f'module.macie.aws_macie2_findings_filter.archive["{k}"]' for k in macie.get("archive_rules", {})),
        ]  # fmt: skip
        for address in here:
            found.setdefault(address, []).append((stage, address))
        for key in macie["custom_data_identifiers"]:
            address = f'module.macie.aws_macie2_custom_data_identifier.this["{key}"]'
            copy = f'module.macie.aws_macie2_custom_data_identifier.this["{key}-{stage}"]'
            found.setdefault(address, []).append((stage, copy))
    return found


def rooted_addresses(a: Account) -> dict[str, list[str]]:
    """Each control's resource addresses in the account, as ROOT/ADDRESS (the root that holds it)."""
    in_stage = _stage_addresses(a)
    idents = {s.ident: s.stage.value for s in a.controls.stages}

    def rooted(address: str) -> list[str]:
        if address in in_stage:
            return [f"{root}/{there}" for root, there in in_stage[address]]
        module = address.split(".")[1] if address.startswith("module.") else ""
        for ident, stage in idents.items():
            if module.startswith(f"{ident}_"):
                return [f"{stage}/{address}"]
        return [f"{a.foundation}/{address}"]

    return {
        ctl: list(dict.fromkeys(r for x in found for r in rooted(x)))
        for ctl, found in control_addresses(a.controls).items()
    }


def account_report(a: Account) -> dict[str, Any]:
    """The account's compliance report, its resources named by root."""
    report = compliance_report(a.controls)
    addresses = rooted_addresses(a)
    for r in report["regimes"]:
        for q in r["requirements"]:
            for ctl in q["controls"]:
                ctl["resources"] = addresses.get(ctl["id"], [])
    return report


def _combined(reports: list[tuple[Account, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per regime, each requirement with the weakest status of any account (reasons by account) and
    the resources of every account."""
    regimes = []
    first = reports[0][1]["regimes"]
    for i, regime in enumerate(first):
        rows = []
        for j, q in enumerate(regime["requirements"]):
            each = [(a, rep["regimes"][i]["requirements"][j]) for a, rep in reports]
            status = max((row["status"] for _a, row in each), key=_RANK.__getitem__)
            reasons = sorted({row["reason"] for _a, row in each if row["status"] == status and row["reason"]})
            reason = "; ".join(
                (f"account {', '.join(a.account_id for a, row in each if row['reason'] == text)}: {text}")
                if len(each) > 1 and any(row["reason"] != text for _a, row in each)
                else text
                for text in reasons
            )
            controls: dict[str, dict[str, Any]] = {}
            for _a, row in each:
                for ctl in row["controls"]:
                    held = controls.setdefault(ctl["id"], {**ctl, "resources": []})
                    held["resources"] = held["resources"] + ctl["resources"]
            rows.append({**q, "status": status, "reason": reason, "controls": list(controls.values())})
        addressed = sum(1 for r in rows if r["status"] == "addressed")
        regimes.append({
            "regime": regime["regime"],
            "title": regime["title"],
            "coverage": {"addressed": addressed, "total": len(rows),
                         "partly": sum(1 for r in rows if r["status"] == "partly addressed"),
                         "out_of_scope": sum(1 for r in rows if r["status"] == "out of scope"),
                         "percent": round(100 * addressed / len(rows))},
            "requirements": rows,
            "prowler": regime["prowler"],
            "predicted": regime["predicted"],
        })  # fmt: skip
    return regimes


def landing_report(spec: Spec) -> dict[str, Any]:
    """`aisec compliance` of a landing with ``accounts``: ``regimes`` for the landing as deployed
    (a requirement's weakest status in any account; Prowler's figures are the main account's) and
    ``accounts``, each account's own report with its roots."""
    accounts = landing_accounts(spec)
    reports = [(a, account_report(a)) for a in accounts]
    return {
        "name": spec.name,
        "regimes": _combined(reports),
        "accounts": [
            {
                "account_id": a.account_id,
                "foundation": a.foundation,
                "stages": list(a.stages),
                "roots": list(a.roots),
                "assume_role": assume_role_arn(spec, a.account_id),
                "regimes": rep["regimes"],
            }
            for a, rep in reports
        ],
        "separation": separation(spec, accounts),
    }


def separation(spec: Spec, accounts: list[Account]) -> dict[str, list[str]]:
    """What the account separation itself provides: what the generated code enforces, and what
    rests on settings outside it."""
    assert spec.accounts is not None
    role = spec.accounts.assume_role
    roots = "; ".join(a.label() for a in accounts)
    if spec.state.backend == "s3":
        state = (
            f"in one state bucket (`{spec.state.bucket}`), written with the credentials Terraform starts with"
        )
    else:
        state = "in the local state file of each root, on the machine that runs Terraform"
    return {
        "addressed": [
            f"Every root's provider is limited to its own account (`allowed_account_ids`) and assumes `{role}` "
            f"there: {roots}. A root cannot create or change anything in another account.",
            "Every key policy, bucket policy and role trust policy of an account names that account's principals "
            "only (and the log-archive account where the logs go there): the data of a stage in its own account "
            "is refused to every principal of the other accounts, their administrators included, whatever their "
            "IAM policies allow. The data perimeter's `aws:PrincipalAccount` and `aws:ResourceAccount` conditions "
            "are each account's own.",
            "Each account has its own trail, alarms, alert topic, Macie, detective controls, access-log bucket and "
            "endpoints (its foundation root), and every account's trail and access-log replicas are delivered to "
            "the log-archive account.",
        ],
        "outside": [
            "The accounts themselves, their membership in an AWS Organization and the service control policies "
            "that would stop an account's administrators from stopping its trail, leaving the organization or "
            "sharing data out: aisec creates no SCPs, so isolation from an account's own administrators rests on "
            "the organization's settings.",
            f"The role `{role}` in each account and its trust policy: whoever may assume it may change everything "
            "the landing holds in that account. aisec does not create it.",
            f"The Terraform state of every root, whatever its account, is kept {state}: whoever may read it "
            "reads the resource attributes of every account (not the data). The backend is not assumed into "
            "the stage's account.",
        ],
    }


# --------------------------------------------------------------------------- the landing's files
def _cost(spec: Spec, accounts: list[Account]) -> str:
    """The landing's estimate (`aisec cost`'s, summed over the accounts) and each account's share."""
    from generator.render.accounts import estimate_accounts

    e = estimate_accounts(spec, accounts)
    shares = "; ".join(
        f"${total:,.2f} in account {e['account_roots'][root]['account_id']} "
        f"({', '.join(f'{r}/' for r in e['account_roots'][root]['roots'])})"
        for root, total in e["accounts"].items()
    )
    return f"{estimate_line(e)}, summed over {len(e['accounts'])} accounts: {shares}"


def landing_readme(spec: Spec, single: str, accounts: list[Account], report: dict[str, Any]) -> str:
    """The landing README made for its accounts: where it is deployed, its coverage in every
    account and its cost summed over them."""
    where = ", ".join(f"`{a.account_id}` ({', '.join(f'{r}/' for r in a.roots)})" for a in accounts)
    text, n = re.subn(r"for account `\d{12}`\n", f"for the accounts {where}\n", single, count=1)
    text, m = re.subn(
        r"^Compliance coverage: .*$",
        lambda _m: (
            f"Compliance coverage, in every account: {coverage_line(report)} (per account: COMPLIANCE.md)."
        ),
        text,
        count=1,
        flags=re.M,
    )
    text, k = re.subn(
        r"^Estimated cost: .*? \(see `aisec cost`",
        lambda _m: f"Estimated cost: {_cost(spec, accounts)} (see `aisec cost`",
        text,
        count=1,
        flags=re.M,
    )
    text, d = _MERMAID_RE.subn(
        lambda _m: f"```mermaid\n{mermaid(landing_diagram(accounts))}```", text, count=1
    )
    if (n, m, k, d) != (1, 1, 1, 1):
        raise AssertionError("the landing README lacks its account, coverage or cost line, or its diagram")
    return _how_to(spec, accounts, text)


def _how_to(spec: Spec, accounts: list[Account], text: str) -> str:
    """The README's "How to use it" with every account's foundation root in the order."""
    from generator.render.stages import _HOW_TO_RE
    from generator.render.templates import _DOC_ENV

    order = roots(spec, accounts)
    ctx = {"spec": spec, "roots": order, "stages": [r["name"] for r in order[1:]]}
    how = _DOC_ENV.get_template("stages/how-to.md.j2").render(ctx)
    how = how.replace("(a stage needs the foundation)", "(a stage needs its account's foundation)")
    text, n = _HOW_TO_RE.subn(lambda _m: how, text, count=1)
    if n != 1:
        raise AssertionError("the landing README has no 'How to use it' section to replace")
    return text


def _demoted(text: str) -> str:
    return re.sub(r"^(#+) ", lambda m: f"#{m.group(1)} ", text, flags=re.M)


def account_compliance(a: Account, report: Mapping[str, Any]) -> str:
    """The account's part of COMPLIANCE.md: COMPLIANCE.md.j2 rendered for its controls, from its
    first regime on, headings one level down."""
    from generator.render.templates import _DOC_ENV

    ctx = {
        "spec": a.spec,
        "generator_version": __version__,
        "compliance": report,
        "c": a.controls,
        "f": a.controls.foundation,
        "layers": LAYERS,
        "addresses": rooted_addresses(a),
        "detective_table": DETECTIVE,
    }
    text = _DOC_ENV.get_template("COMPLIANCE.md.j2").render(ctx)
    body = text[text.index("\n## ") + 1 :]
    return _demoted(body)


def landing_compliance(
    spec: Spec, reports: list[tuple[Account, dict[str, Any]]], combined: list[dict[str, Any]]
) -> str:
    """COMPLIANCE.md of the landing: its accounts, what their separation provides, the landing's
    coverage, then each account's evidence."""
    from generator.render.templates import _DOC_ENV

    accounts = [a for a, _rep in reports]
    ctx = {
        "spec": spec,
        "generator_version": __version__,
        "accounts": accounts,
        "combined": combined,
        "separation": separation(spec, accounts),
        "parts": [(a, account_compliance(a, rep)) for a, rep in reports],
    }
    return _DOC_ENV.get_template("stages/accounts-COMPLIANCE.md.j2").render(ctx)


def landing_docs(spec: Spec, single_readme: str, accounts: list[Account]) -> dict[str, str]:
    """README.md and COMPLIANCE.md of a landing with ``accounts`` (decided by landing_accounts),
    from the whole spec's README."""
    reports = [(a, account_report(a)) for a in accounts]
    combined = _combined(reports)
    return {
        "README.md": landing_readme(spec, single_readme, accounts, {"regimes": combined}),
        "COMPLIANCE.md": landing_compliance(spec, reports, combined),
    }
