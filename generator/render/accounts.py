"""An AWS account per stage (``accounts`` in the spec, ``layout: stages`` only).

A stage named under ``accounts.stages`` lives in its own account. What the foundation holds is
per account (S3 access logging needs a target bucket of the same account, the endpoints and the
compute security group belong to a VPC, Macie is enabled per account, a trail records only its
own account), so each account gets its own foundation root: ``foundation`` for the stages left in
``aws.account_id``, ``foundation-<stage>`` for a stage in its own account. Each root is rendered
from the spec as seen from its account (that account's id, VPC and roles, the workloads cut to the
account's stages), so every name, ARN and policy condition holding an account id is its own; every
root's provider assumes ``accounts.assume_role`` in its account and is allowed only that account.
Every account's trail and access-log replicas go to the log archive (required).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.errors import UserInputError
from generator.landing import FOUNDATION
from generator.spec import Aws, Spec
from generator.spec.workload import Workload

if TYPE_CHECKING:
    from generator.catalog import Catalog
    from generator.decide.policy import Controls
    from generator.reports.diagram import Graph


def foundation_of(stage: str) -> str:
    """The foundation root of a stage in an account of its own."""
    return f"{FOUNDATION}-{stage}"


def assume_role_arn(spec: Spec, account: str | None = None) -> str | None:
    """The role a root's provider assumes in ``account`` (default the spec's), or None without
    ``accounts`` (the credentials Terraform starts with are then the account's own)."""
    if spec.accounts is None:
        return None
    return f"arn:aws:iam::{account or spec.aws.account_id}:role/{spec.accounts.assume_role}"


def own_account_stages(spec: Spec) -> list[str]:
    """The stages in an account of their own, in dev, test, prod order."""
    named = {s.value for s in (spec.accounts.stages if spec.accounts else {})}
    return [s for s in ("dev", "test", "prod") if s in named]


def _cut(spec: Spec, stages: set[str], update: Mapping[str, Any]) -> Spec | None:
    """The spec as one account sees it: its workloads cut to ``stages`` (None when none is left)."""
    account = str(update["aws"].account_id) if "aws" in update else spec.aws.account_id
    workloads = []
    for w in spec.workloads:
        kept = [s for s in w.stages if s.value in stages]
        if kept:
            workloads.append(w.model_copy(update={"stages": kept, **_own_pushers(w, account)}))
    if not workloads:
        return None
    return spec.model_copy(update={"workloads": workloads, **update})


def _own_pushers(w: Workload, account: str) -> dict[str, Any]:
    """The workload's ``images`` with only the pushers of ``account``: its repositories there admit
    no other account's (spec.problems refuses an account left with none)."""
    if w.images is None or not w.images.pushers:
        return {}
    own = [p for p in w.images.pushers if p.split(":")[4] == account]
    return {"images": w.images.model_copy(update={"pushers": own})}


def account_specs(spec: Spec) -> list[tuple[str, list[str], Spec]]:
    """(foundation root, stages, the spec as that account sees it) per account, the main account
    first (left out when every stage has its own account)."""
    assert spec.accounts is not None
    own = own_account_stages(spec)
    present = [
        s for s in ("dev", "test", "prod") if any(s in {x.value for x in w.stages} for w in spec.workloads)
    ]
    main_stages = [s for s in present if s not in own]
    found: list[tuple[str, list[str], Spec]] = []
    main = _cut(spec, set(main_stages), {})
    if main is not None:
        found.append((FOUNDATION, main_stages, main))
    for stage, sa in spec.accounts.stages.items():
        derived = _cut(
            spec,
            {stage.value},
            {
                "aws": Aws(region=spec.aws.region, account_id=sa.account_id),
                "network": sa.network,
                "access": sa.access,
            },
        )
        if derived is not None:
            found.append((foundation_of(stage.value), [stage.value], derived))
    order = {FOUNDATION: -1, **{foundation_of(s): i for i, s in enumerate(("dev", "test", "prod"))}}
    return sorted(found, key=lambda f: order[f[0]])


def account_roots(spec: Spec) -> list[tuple[str, str, tuple[str, ...], Spec]]:
    """(account id, its foundation root, the roots it holds, the spec as it sees it) per account,
    the main account first: each account's CI roles serve these roots (``aisec ci``)."""
    return [
        (derived.aws.account_id, root, (root, *stages), derived)
        for root, stages, derived in account_specs(spec)
    ]


def foreign_state_users(spec: Spec) -> list[tuple[str, str, tuple[str, str]]]:
    """(account id, root, its plan and apply role ARNs) for every root outside the main account:
    their state stays in the main account's bucket, so the bucket and the state key name them,
    each for its own root's state key only."""
    if spec.accounts is None:
        return []
    from generator.spec import ci_role_arn

    return [
        (
            account,
            r,
            (ci_role_arn(account, spec.name, "plan", r), ci_role_arn(account, spec.name, "apply", r)),
        )
        for account, _found, held, _derived in account_roots(spec)
        if account != spec.aws.account_id
        for r in held
    ]


# --------------------------------------------------------------------------- checks
def refuse_ci(spec: Spec, source: str) -> None:
    """`aisec ci` writes the CI roles of each account (generator.ci.accounts), whose roles reach the
    main account's state through the bucket and key policies of `aisec bootstrap-state`: refuse a
    state key aisec does not create (``state.kms_key_id``), whose policy is not ours to extend, and
    a state key not yet named by its ARN (the stage accounts' roles would get any key of the main
    account through S3, and their backends could not name it: `require_state_key`)."""
    if spec.accounts is not None and spec.state.kms_key_id and not spec.state.kms_key_id.startswith("alias/"):
        raise UserInputError(
            f"{source}: state.kms_key_id: aisec ci with accounts needs the state key that aisec "
            "bootstrap-state creates (its key policy admits each stage account's CI roles); an existing "
            "key's policy is not aisec's to extend: leave state.kms_key_id out, or run the roots with a "
            f"deployment identity that accounts.assume_role ({spec.accounts.assume_role}) trusts"
        )
    require_state_key(spec, source)


def require_state_key(spec: Spec, source: str = "SPEC") -> None:
    """Refuse to render a landing with accounts and an S3 backend whose state key is named by alias
    only: a stage account's roots run as that account's roles, and KMS looks an alias up in the
    requester's account (a key of the stage's account, not the state's). `aisec bootstrap-state`
    renders without it: it creates the key whose ARN goes here."""
    if spec.accounts is None or spec.state.backend != "s3" or spec.accounts.state_kms_key_arn:
        return
    if spec.state.kms_key_id and not spec.state.kms_key_id.startswith("alias/"):
        return  # an existing key named by its ARN already
    raise UserInputError(
        f"{source}: accounts.state_kms_key_arn: required to render a landing with accounts and state.backend "
        "s3: a stage account's roots must name the state key by its ARN (an alias is looked up in their own "
        f"account). Run `aisec bootstrap-state {source}` first, apply it, and set accounts.state_kms_key_arn "
        "to its output state_kms_key (arn:aws:kms:REGION:ACCOUNT:key/ID)",
        file=source,
    )


# --------------------------------------------------------------------------- render
@dataclass(frozen=True)
class Account:
    """One account of the landing: its roots, the spec as it sees it and its decided controls."""

    account_id: str
    foundation: str  # its foundation root
    stages: tuple[str, ...]  # its stage roots
    spec: Spec  # the spec as the account sees it
    controls: Controls

    @property
    def roots(self) -> tuple[str, ...]:
        return (self.foundation, *self.stages)

    def label(self) -> str:
        return f"{self.account_id} ({', '.join(f'{r}/' for r in self.roots)})"


def landing_accounts(spec: Spec) -> list[Account]:
    """Each account of the landing, the main account first, its controls decided once."""
    from generator.decide.policy import decide

    return [
        Account(derived.aws.account_id, root, tuple(stages), derived, decide(derived))
        for root, stages, derived in account_specs(spec)
    ]


def landing_diagram(accounts: Sequence[Account]) -> Graph:
    """The architecture of the landing as deployed: each account in a box of its own, with its
    VPC, endpoints, trail and Macie, and its stages' roles, buckets and keys."""
    from generator.reports.diagram import build, combine

    return combine(
        [(f"account{i}", f"Account {a.label()}", build(a.controls)) for i, a in enumerate(accounts, 1)]
    )


def roots(spec: Spec, accounts: Sequence[Account] | None = None) -> list[dict[str, Any]]:
    """The manifest's ``roots``: each account's foundation, then each stage, needing its own."""
    found = (
        [(a.foundation, a.stages) for a in accounts]
        if accounts is not None
        else [(root, tuple(stages)) for root, stages, _spec in account_specs(spec)]
    )
    out: list[dict[str, Any]] = [{"name": root, "path": root, "needs": []} for root, _stages in found]
    by_stage = {s: root for root, stages in found for s in stages}
    for s in ("dev", "test", "prod"):
        if s in by_stage:
            out.append({"name": s, "path": s, "needs": [by_stage[s]]})
    return out


def render_accounts(
    spec: Spec, catalog: Catalog | None = None, pinned: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every file of a landing split by stage with an account per stage, by path. Each account's
    spec is decided once; the landing's README starts from the whole spec's, made per account."""
    from generator.catalog import load_catalog
    from generator.render import MANIFEST, archive_files, render_docs, resolve_modules
    from generator.render import stages as split
    from generator.render.accounts_docs import landing_docs
    from generator.render.roots import _with_modules

    require_state_key(spec)
    catalog = catalog or load_catalog()
    modules = resolve_modules(spec, catalog, pinned=pinned)
    accounts = landing_accounts(spec)
    files: dict[str, str] = {}
    for a in accounts:
        parts = {a.foundation: split._foundation_root(a.controls, modules, list(a.stages), a.foundation)}
        parts.update({s: split._stage_root(a.controls, modules, s) for s in a.stages})
        for name, root_files in parts.items():
            files.update({f"{name}/{rel}": text for rel, text in root_files.items()})
    first, rest = accounts[0].controls, accounts[1:]
    assert first.foundation is not None
    others = [a.controls.foundation for a in rest if a.controls.foundation is not None]
    files.update(archive_files(first, modules, others))
    single = render_docs(spec, modules=modules)["README.md"]
    files.update(landing_docs(spec, single, accounts))  # the landing as deployed, per account
    files = _with_modules(files, modules, spec)  # the manifest records these files' digests
    manifest = json.loads(files[MANIFEST])
    manifest["roots"] = roots(spec, accounts)
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files


# --------------------------------------------------------------------------- cost
def estimate_accounts(spec: Spec, accounts: Sequence[Account] | None = None) -> dict[str, Any]:
    """`aisec cost` of a landing with ``accounts``: each account's estimate (its own foundation:
    endpoints, trail, Macie, detective controls, ...; its stages' resources), lines named by root
    and summed. ``accounts``: the landing's, already decided (else decided here)."""
    from generator.reports.cost import estimate

    found = list(accounts) if accounts is not None else landing_accounts(spec)
    parts = [(a.foundation, estimate(a.controls)) for a in found]
    first = parts[0][1]
    lines = [{**line, "item": f"{root}: {line['item']}"} for root, e in parts for line in e["lines"]]
    shared = round(sum(e["shared_monthly"] for _r, e in parts), 2)
    per_workload = round(sum(e["workloads_monthly"] for _r, e in parts), 2)
    return {
        **first,
        "lines": lines,
        "shared_monthly": shared,
        "workloads_monthly": per_workload,
        "total_monthly": round(shared + per_workload, 2),
        "workloads": len(spec.workloads),
        "accounts": {root: e["total_monthly"] for root, e in parts},
        "account_roots": {a.foundation: {"account_id": a.account_id, "roots": list(a.roots)} for a in found},
    }
