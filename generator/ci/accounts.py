"""`aisec ci` for a landing with ``accounts``: the CI roles of each root live in that root's account.

One CI-roles root per account (``<roles>/foundation/``, ``<roles>/foundation-prod/``, ...), rendered
from the spec as that account sees it (generator.render.accounts.account_specs): its provider
assumes ``accounts.assume_role`` there and is allowed only that account; it holds the account's
OIDC provider and the plan and apply roles of the roots of that account, with their scope and
stage-tag policies naming that account's ARNs. Every root's state stays in the main account's
bucket: a stage account's roles reach its objects (``<prefix>/*<stage>.tfstate``: the state of
``foundation-<stage>`` and ``<stage>``, each role narrowed to its own by its scope policy) and the
main account's keys; the bucket policy and the state key's policy (``aisec bootstrap-state``,
generator.render.roots.render_state) name each of those roles for its own root's state key only,
so cross-account access holds nothing more.
"""

from __future__ import annotations

from typing import Any

from generator.ci import _state, ci_roles
from generator.ci.settings import CiSettings
from generator.render.accounts import account_roots, assume_role_arn
from generator.render.stages import state_key
from generator.spec import Spec, ci_role_arn


def _foreign_state(spec: Spec, stage: str) -> dict[str, Any] | None:
    """The main account's state as a stage account's roles see it: the bucket, the objects of that
    account's roots, and the main account's keys (the state key's policy alone admits them)."""
    state = _state(spec)
    if state is None:
        return None
    objects = f"{state['bucket_arn']}/{state_key(spec, '*' + stage)}"
    region = spec.state.region or spec.aws.region
    # the state key itself once the spec names its ARN (accounts.state_kms_key_arn), else any of the main account's
    key = state["key_arn"] if state["alias"] is None else f"arn:aws:kms:{region}:{spec.aws.account_id}:key/*"
    return {
        "alias": None,  # an alias is looked up in the caller's account: not across accounts
        "bucket_arn": state["bucket_arn"],
        "object_arn": objects,
        "lock_arn": f"{objects}.tflock",
        "key_arn": key,
    }


def ci_roles_accounts(spec: Spec, s: CiSettings) -> dict[str, str]:
    """Every account's CI-roles root, by path ``<foundation root>/<file>``."""
    files: dict[str, str] = {}
    for account, found, held, derived in account_roots(spec):
        state: Any = _state(spec) if account == spec.aws.account_id else _foreign_state(spec, held[-1])
        root_files = ci_roles(derived, s, held, state, assume_role_arn(spec, account))
        files.update({f"{found}/{rel}": text for rel, text in root_files.items()})
    return files


def account_role_arns(spec: Spec) -> dict[str, dict[str, str]]:
    """Each root's plan and apply role ARN, in that root's account (the matrix and pipelines)."""
    return {
        root: {kind: ci_role_arn(account, spec.name, kind, root) for kind in ("plan", "apply")}
        for account, _found, held, _derived in account_roots(spec)
        for root in held
    }
