"""Guards of a landing split by stage (`layout: stages`), used by `aisec plan`, `apply`, `destroy`.

- The foundation is not destroyed under applied stages: a stage's S3 access logging targets the
  foundation's access-log bucket, its SageMaker compute uses the foundation's security group, and
  the foundation's trail is what records its data events. A destroy plan of the foundation is
  refused (exit 2, naming them) while any stage root still has resources in its state.
- A stage root's plan must not create, change, import or destroy what the foundation owns (the
  trail, the CIS alarms, Macie's account, the endpoints, the detective controls, or anything named
  as one of the foundation's resources): the plan gate flags it as a high finding,
  :data:`FOUNDATION_OWNED`, so that a `*.custom.tf` or an `import` block in ``dev/`` cannot move
  the foundation's resources into a stage's state.

A root is a stage root when the folder above it is a rendered landing whose manifest lists it among
its ``roots`` (:func:`generator.landing.landing_roots`) under another name than the foundation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import UserInputError, WorkError
from generator.landing import FOUNDATION, Root, is_foundation, landing_roots, rendered_roots
from generator.run.planreview import Finding, declared

FOUNDATION_OWNED = "AISEC-CHG-041"
FOUNDATION_OWNED_REASON = (
    "a stage root's plan touches a resource the foundation owns: it belongs to foundation/ and its "
    "state, a stage's state must not hold it (change it in the spec and apply the foundation)"
)
# Resource types only the foundation root creates (account-level, once per landing).
FOUNDATION_TYPES = frozenset(
    {
        "aws_cloudtrail",
        "aws_cloudwatch_metric_alarm",
        "aws_cloudwatch_log_metric_filter",
        "aws_macie2_account",
        "aws_macie2_classification_export_configuration",
        "aws_vpc_endpoint",
        "aws_vpc_endpoint_policy",
        "aws_guardduty_detector",
        "aws_guardduty_detector_feature",
        "aws_securityhub_account",
        "aws_securityhub_standards_subscription",
        "aws_config_configuration_recorder",
        "aws_config_configuration_recorder_status",
        "aws_config_delivery_channel",
        "aws_config_conformance_pack",
        "aws_accessanalyzer_analyzer",
        "aws_flow_log",
        "aws_sns_topic",
        "aws_sns_topic_policy",
        "aws_sns_topic_subscription",
    }
)
# The attributes that carry a resource's name (a bucket's sub-resources name it by `bucket`).
_NAME_ATTRS = ("bucket", "name", "trail_name", "alarm_name", "topic_arn")


_DATA_RE = re.compile(r"(^|\.)data\.")


@dataclass(frozen=True)
class Place:
    landing: Path
    name: str  # the root's name in the landing's manifest


def place(root: str | Path) -> Place | None:
    """Where ``root`` sits when it is a root of a landing split by stage, else None."""
    root = Path(root).resolve()
    landing = root.parent
    for r in rendered_roots(landing) or ():
        if r.name and r.path.resolve() == root:
            return Place(landing, r.name)
    return None


# --------------------------------------------------------------------------- F5: destroy
def _rehearsal_addresses(root: Path) -> list[str]:
    from generator.offline import workspace

    state = workspace.rehearsal_state(root)
    if state is None:
        return []
    try:
        resources = workspace.managed_resources(state)
    except (OSError, ValueError) as exc:
        raise WorkError(f"{root}: its offline rehearsal's state cannot be read ({exc})") from None
    found = []
    for r in resources:
        if r.get("instances"):
            prefix = f"{r['module']}." if r.get("module") else ""
            found.append(f"{prefix}{r['type']}.{r['name']}")
    return found


def state_addresses(root: Path, offline: bool) -> list[str]:
    """`terraform state list` of ``root`` after `terraform init` (its backend): the managed
    resources its state holds.
    Against AWS that is an init (backend and providers, cached in ``.terraform``) and one read of
    the state object per root."""
    from generator.run import orchestrate

    ws = orchestrate.open_workspace(root, offline)
    orchestrate.init(ws)
    result = ws.tf.run("state", "list", cwd=ws.work, env=ws.env)
    if not result.ok:
        text = (result.stderr or result.stdout).strip()
        if "No state file was found" in text:
            return []
        raise WorkError(f"{root}: terraform state list failed", text.splitlines()[-6:])
    listed = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    return [a for a in listed if not _DATA_RE.search(a)]  # managed resources only


def applied_stages(landing: Path, offline: bool, foundation: str = FOUNDATION) -> dict[str, list[str]]:
    """The stage roots of ``landing`` on ``foundation`` whose state holds resources: name ->
    addresses. Offline: the rehearsal's state (read, nothing run); otherwise `terraform state list`."""
    held = {}
    for r in landing_roots(landing):
        if not r.name or is_foundation(r.name) or (r.needs and foundation not in r.needs):
            continue
        addresses = _rehearsal_addresses(r.path) if offline else state_addresses(r.path, offline)
        if addresses:
            held[r.name] = addresses
    return held


def refuse_foundation_destroy(root: str | Path, offline: bool) -> None:
    """Refuse a destroy plan of a split landing's foundation while a stage root still holds resources."""
    where = place(root)
    if where is None or not is_foundation(where.name):
        return
    held = applied_stages(where.landing, offline, where.name)
    if not held:
        return
    again = " --offline" if offline else ""
    raise UserInputError(
        f"{where.landing}: --stage {where.name}: not destroyed while {', '.join(held)} still "
        f"{'has' if len(held) == 1 else 'have'} resources in {'its' if len(held) == 1 else 'their'} state; "
        "the stages use the foundation's access-log bucket and compute security group, and its trail "
        "records their data events",
        [f"{name}: {len(a)} resource(s), e.g. {a[0]}" for name, a in held.items()]
        + [f"destroy them first: aisec destroy {where.landing} --stage {name}{again}" for name in held],
    )


# --------------------------------------------------------------------------- F4: the gate
def foundation_names(landing: Path) -> set[str]:
    """The names the foundation gives its resources (buckets, trail, key aliases, shared log groups,
    the compute security group), from the landing's spec."""
    from generator.decide.policy import decide
    from generator.spec import load_spec

    spec_file = landing / ".aisec" / "spec.yaml"
    if not spec_file.is_file():
        return set()
    spec = load_spec(spec_file)
    if (
        spec.accounts is not None
    ):  # an account per stage: every account's foundation (generator/render/accounts.py)
        from generator.render.accounts import account_specs

        every = [decide(s) for _root, _stages, s in account_specs(spec)]
    else:
        every = [decide(spec)]
    names: set[str] = set()
    for controls in every:
        f = controls.foundation
        if f is None:
            continue
        names |= {
            f.access_log_bucket,
            f.trail_bucket,
            f.findings_bucket,
            f.trail_name,
            f.trail_arn,
            f"{controls.spec.name}-compute",
            *(k.alias for k in f.keys),
            *f.shared_log_groups,
        }
        if f.config_bucket:
            names.add(f.config_bucket)
    return {n for n in names if n}


def _owned_by_foundation(rc: Mapping[str, Any], names: set[str]) -> str | None:
    if rc["type"] in FOUNDATION_TYPES:
        return f"a {rc['type']}"
    change = rc.get("change", {})
    for values in (change.get("after"), change.get("before")):
        for attr in _NAME_ATTRS:
            value = (values or {}).get(attr)
            if isinstance(value, str) and value in names:
                return f"{attr} {value!r} is the foundation's"
    return None


def stage_findings(root: Path, plan: Mapping[str, Any], work: Path) -> list[Finding]:
    """The high findings of a stage root's plan that creates, changes, imports or destroys what the
    foundation owns; none for the foundation's own root or a landing of one root. ``work`` is where
    Terraform ran (for the file:line of each resource)."""
    where = place(root)
    if where is None or is_foundation(where.name):
        return []
    names: set[str] | None = None
    locations: Mapping[str, str] | None = None
    found = []
    for rc in plan.get("resource_changes", []):
        if rc.get("mode", "managed") != "managed":
            continue
        change = rc.get("change", {})
        actions = set(change.get("actions", [])) & {"create", "update", "delete"}
        if not actions and not change.get("importing"):
            continue
        if names is None:
            names = foundation_names(where.landing)
        why = _owned_by_foundation(rc, names)
        if why is None:
            continue
        if locations is None:
            from generator.run import gate

            locations = gate.declarations(work)
        doing = "imports" if change.get("importing") else "/".join(sorted(actions))
        found.append(
            Finding(
                rc["address"],
                "high",
                f"{FOUNDATION_OWNED_REASON}; the {where.name} root {doing} {why}",
                FOUNDATION_OWNED,
                locations.get(declared(rc["address"])),
            )
        )
    return found


def needs_of(roots: list[Root], stage: str) -> list[Path]:
    """The roots the root ``stage`` of a landing (its ``roots``) needs, in order."""
    found = {r.name: r for r in roots}
    return [found[n].path for n in found[stage].needs if n in found]


def foundation_first(directory: Path, stage: str | None, offline: bool) -> None:
    """Before a stage's plan: plan the foundation (saved, as `aisec plan --stage foundation` would)
    and stop when it has changes, which must be applied before a stage is planned against it."""
    if stage is None or stage == FOUNDATION:
        return
    roots = rendered_roots(directory)
    if roots is None:
        return
    from generator.run import orchestrate

    for need in needs_of(roots, stage):
        outcome = orchestrate.plan(need, offline=offline)
        review = outcome.review
        if review.has_changes:
            again = " --offline" if offline else ""
            raise UserInputError(
                f"{directory}: --stage {stage}: the {need.name} root has changes not yet applied "
                f"({review.add} to add, {review.change} to change, {review.destroy} to destroy); its plan "
                f"is saved: review it, `aisec apply {directory} --stage {need.name}{again}`, then plan "
                f"{stage} again"
            )
