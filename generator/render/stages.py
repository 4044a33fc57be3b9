"""The landing split by stage (`layout: stages`): a root module and a state for the foundation and
for each stage, and the `--stage` choice of `aisec plan/apply/drift/destroy`.

``foundation/`` holds the account-level resources (foundation keys and buckets, the trail and
alarms, the alert topic, Macie's account, the endpoints, the detective controls and the
account-wide SageMaker log groups); ``dev/``, ``test/`` and ``prod/`` each hold every workload's
resources of that stage (keys, buckets, roles, notebooks) with the stage's own log groups and
Macie jobs. A stage reads what it needs from the foundation with data sources on the names the
foundation gives it (the access-log bucket, the compute security group): no access to the
foundation's state, no write path to it. The foundation names the stages' buckets by their
deterministic ARNs (the trail's data events), never by reference. The vendored modules stay
once at the landing level (``../modules/NAME``). Pure, like :mod:`generator.render`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator import __version__
from generator.catalog import Catalog, Module, load_catalog
from generator.decide.bedrock import bedrock_iam_args
from generator.decide.policy import DETECTIVE, Controls, decide, log_group_key
from generator.errors import UserInputError
from generator.landing import FOUNDATION, is_foundation, rendered_roots
from generator.render import (
    _DOC_ENV as _DOC,
)
from generator.render import (
    _HCL_ENV,
    LANDING_TAG,
    MANIFEST,
    _detective_args,
    _foundation_args,
    _macie_args,
    _stage_args,
    _tags,
    _with_modules,
    archive_files,
    module_source,
    render,
    render_docs,
    resolve_modules,
)
from generator.render.hcl import Hcl, align, string
from generator.spec import Spec

# On every resource of a stage root (its provider's default_tags, beside the landing tag): the stage
# roots' CI roles reach resources AWS gives random ids (Macie jobs, identifiers and archive rules,
# Bedrock guardrails, keys) only when they carry their own stage (generator/ci/roles.py stage_tag_statements).
STAGE_TAG = "aisec-stage"
# What a stage root reads from the foundation, by data source instead of module reference.
_FROM_FOUNDATION = {
    'module.foundation_storage.bucket_names["access_logs"]': "data.aws_s3_bucket.access_logs.bucket",
    "module.privatelink.compute_security_group_id": "data.aws_security_group.compute.id",
}
_FOUNDATION_MODULES = re.compile(r"\bmodule\.(foundation_\w+|privatelink|detective)\b")


def is_split(spec: Spec) -> bool:
    return spec.layout == "stages"


def stage_names(controls: Controls) -> list[str]:
    """The stages of the landing, in dev, test, prod order (those some workload has)."""
    present = {s.stage.value for s in controls.stages}
    return [name for name in ("dev", "test", "prod") if name in present]


def roots(controls: Controls) -> list[dict[str, Any]]:
    """The manifest's ``roots``: the foundation, then each stage, which needs the foundation."""
    return [{"name": FOUNDATION, "path": FOUNDATION, "needs": []}] + [
        {"name": s, "path": s, "needs": [FOUNDATION]} for s in stage_names(controls)
    ]


def state_key(spec: Spec, root: str) -> str | None:
    """The S3 state key of one root: ``<prefix>/<root>.tfstate``, the prefix being the spec's key
    without its ``/terraform.tfstate`` (or ``.tfstate``) ending."""
    key = spec.state.key
    if key is None:
        return None
    prefix = re.sub(r"(/terraform)?\.tfstate$", "", key).rstrip("/")
    return f"{prefix}/{root}.tfstate" if prefix else f"{root}.tfstate"


def _only_stage(controls: Controls, stage: str) -> Controls:
    workloads = tuple(
        replace(w, stages=tuple(s for s in w.stages if s.stage.value == stage)) for w in controls.workloads
    )
    return replace(controls, workloads=tuple(w for w in workloads if w.stages))


def _substitute(value: Any, table: Mapping[str, str]) -> Any:
    """``value`` with every HCL expression of ``table`` replaced (in lists and mappings too)."""
    if isinstance(value, Hcl):
        return Hcl(table.get(str(value), str(value)))
    if isinstance(value, dict):
        return {k: _substitute(v, table) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_substitute(v, table) for v in value]
    return value


def _references(value: Any) -> list[str]:
    if isinstance(value, Hcl):
        return [str(value)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _references(v)]
    if isinstance(value, list | tuple):
        return [r for v in value for r in _references(v)]
    return []


def _source(spec: Spec, modules: Mapping[str, Module]) -> Any:
    def source(name: str) -> Hcl:
        if spec.module_source.mode == "vendored":  # the landing's one copy, beside the roots
            return Hcl(f"source = {string(f'../modules/{name}')}")
        return module_source(spec, modules[name])

    return source


def _common(spec: Spec, modules: Mapping[str, Module], root: str) -> dict[str, Any]:
    from generator.render.accounts import assume_role_arn  # an account per stage: the role each root assumes

    return {
        "assume_role_arn": assume_role_arn(spec),
        "spec": spec,
        "region": spec.aws.region,
        # foundation roots (``foundation``, an account's ``foundation-prod``) carry no stage tag
        "tags": _tags(spec) if is_foundation(root) else {**_tags(spec), STAGE_TAG: root},
        "generator_version": __version__,
        "source": _source(spec, modules),
        "state_kms_key": spec.backend_kms_key(),  # by ARN with accounts
        "state_key": state_key(spec, root),
        "root": root,
    }


def _head(spec: Spec, modules: Mapping[str, Module], root: str) -> dict[str, str]:
    ctx = _common(spec, modules, root)
    return {
        name: align(_HCL_ENV.get_template(name + ".j2").render(ctx))
        for name in ("versions.tf", "providers.tf", "backend.tf")
    }


def _foundation_root(
    controls: Controls, modules: Mapping[str, Module], stages: list[str], root: str = FOUNDATION
) -> dict[str, str]:
    spec, f = controls.spec, controls.foundation
    assert f is not None
    args = _foundation_args(controls)
    shared = {log_group_key(None, n) for n in f.shared_log_groups}
    args["log_groups"] = {k: v for k, v in args["log_groups"].items() if k in shared}
    args.update(jobs={}, custom_data_identifiers={}, archive_rules={})  # each stage's own, in its root
    # The stages' buckets by ARN (their names are fixed by the spec): no reference into a stage.
    args["trail"]["data_event_bucket_arns"] = [
        f"arn:aws:s3:::{b.name}" for s in controls.stages for b in s.buckets
    ]
    detective = _detective_args(controls)
    for ref in _references([args, detective]):
        if not ref.startswith(
            ("module.foundation_", "module.audit.", "module.macie.", "module.privatelink.")
        ):
            raise AssertionError(f"the foundation root would reference {ref}")
    ctx = {
        **_common(spec, modules, root),
        "c": controls,
        "f": f,
        "foundation": args,
        "detective": detective,
        "detective_table": DETECTIVE,
        "stages": stages,
    }
    files = _head(spec, modules, root)
    files["main.tf"] = align(_HCL_ENV.get_template("main.tf.j2").render(ctx))
    files["outputs.tf"] = align(_HCL_ENV.get_template("stages/foundation-outputs.tf.j2").render(ctx))
    files["README.md"] = _DOC.get_template("stages/foundation-README.md.j2").render(ctx)
    return files


def _stage_root(controls: Controls, modules: Mapping[str, Module], stage: str) -> dict[str, str]:
    spec, f = controls.spec, controls.foundation
    assert f is not None
    sub = _only_stage(controls, stage)
    stage_args = {s.ident: _substitute(_stage_args(s, controls), _FROM_FOUNDATION) for s in sub.stages}
    shared = {log_group_key(None, n) for n in f.shared_log_groups}
    log_groups = {k: v for k, v in _foundation_args(sub)["log_groups"].items() if k not in shared}
    macie = _macie_args(sub)
    # Custom data identifiers are named after their key: each stage root creates its own copies.
    renamed = {key: f"{key}-{stage}" for key in macie["custom_data_identifiers"]}
    macie["custom_data_identifiers"] = {renamed[k]: v for k, v in macie["custom_data_identifiers"].items()}
    for job in macie["jobs"].values():
        if "custom_data_identifiers" in job:
            job["custom_data_identifiers"] = [renamed[k] for k in job["custom_data_identifiers"]]
    bedrock = {w.ident: bedrock_iam_args(spec, w.workload) for w in sub.workloads}
    for ref in _references([stage_args, log_groups, macie, bedrock]):
        if _FOUNDATION_MODULES.search(ref):
            raise AssertionError(f"the {stage} root would reference the foundation's {ref}")
    ctx = {
        **_common(spec, modules, stage),
        "c": sub,
        "f": f,
        "stage": stage,
        "stage_args": stage_args,
        "bedrock_args": bedrock,
        "log_groups": log_groups,
        "macie": macie,
        "landing_tag": LANDING_TAG,
        "compute_security_group": f"{spec.name}-compute"
        if any(s.sagemaker is not None or s.notebook is not None for s in sub.stages)
        else None,
    }
    files = _head(spec, modules, stage)
    files["main.tf"] = align(_HCL_ENV.get_template("stages/stage-main.tf.j2").render(ctx))
    for wl in sub.workloads:
        text = _HCL_ENV.get_template("workload.tf.j2").render({**ctx, "w": wl})
        files[f"workload-{wl.workload.name}.tf"] = align(text)
    files["outputs.tf"] = align(_HCL_ENV.get_template("outputs.tf.j2").render({**ctx, "f": None}))
    files["README.md"] = _DOC.get_template("stages/stage-README.md.j2").render(ctx)
    return files


_HOW_TO_RE = re.compile(r"## How to use it\n.*?(?=\nRe-render after)", re.S)


def _landing_readme(single: str, spec: Spec, controls: Controls) -> str:
    """The single root's README with its "How to use it" made for the split landing."""
    ctx = {"spec": spec, "stages": stage_names(controls), "roots": roots(controls)}
    how = _DOC.get_template("stages/how-to.md.j2").render(ctx)
    text, n = _HOW_TO_RE.subn(lambda _m: how, single, count=1)
    if n != 1:
        raise AssertionError("the landing README has no 'How to use it' section to replace")
    return text


def render_split(
    spec: Spec,
    controls: Controls | None = None,
    catalog: Catalog | None = None,
    pinned: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every file of a landing split by stage, by path relative to the landing folder."""
    controls = controls or decide(spec)
    catalog = catalog or load_catalog()
    modules = resolve_modules(spec, catalog, pinned=pinned)
    docs = render_docs(spec, controls, modules=modules)
    stages = stage_names(controls)
    files: dict[str, str] = {
        "README.md": _landing_readme(docs["README.md"], spec, controls),
        "COMPLIANCE.md": docs["COMPLIANCE.md"],
        **archive_files(controls, modules),
    }
    parts = {FOUNDATION: _foundation_root(controls, modules, stages)}
    parts.update({s: _stage_root(controls, modules, s) for s in stages})
    for root, root_files in parts.items():
        files.update({f"{root}/{rel}": text for rel, text in root_files.items()})
    files = _with_modules(files, modules, spec)
    manifest = json.loads(files[MANIFEST])
    manifest["roots"] = roots(controls)
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files


def render_landing(
    spec: Spec,
    controls: Controls | None = None,
    catalog: Catalog | None = None,
    pinned: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The landing's files in the spec's layout."""
    if spec.accounts is not None:  # an account per stage: a foundation root per account
        from generator.render.accounts import render_accounts

        return render_accounts(spec, catalog, pinned)
    if is_split(spec):
        return render_split(spec, controls, catalog, pinned)
    return render(spec, controls, catalog, pinned)


def check_layout_change(spec: Spec, folder: Path, force: bool) -> None:
    """Refuse to re-render an output in the other layout (single <-> stages) without ``force``:
    the resources of an applied landing stay in the old state, and the new roots would plan to
    create them all again (moving resources between states is not automated yet)."""
    manifest = folder / MANIFEST
    if force or not manifest.is_file():
        return
    try:
        was_split = bool(json.loads(manifest.read_text(encoding="utf-8")).get("roots"))
    except (OSError, ValueError):
        return
    if was_split == is_split(spec):
        return
    before, now = ("stages", "single") if was_split else ("single", "stages")
    how = (
        f"`aisec migrate {folder}` moves an applied landing's state into the new roots"
        if not was_split
        else "aisec does not move resources from the stages' states back into one"
    )
    raise UserInputError(
        f"{folder}: rendered with layout: {before}, the spec now says layout: {now}; the resources an "
        f"apply made are in the {before} layout's state(s), which the {now} layout's roots do not "
        f"read, so they would be planned again from nothing ({how}). Render into a new folder, or "
        "use --force if this output was never applied"
    )


# --------------------------------------------------------------------------- --stage
def root_for(directory: Path, stage: str | None) -> Path:
    """The root module `aisec plan/apply/drift/destroy` runs on: the folder itself for a landing of
    one root (no ``--stage``), the named root of a split landing (``--stage`` required)."""
    found = rendered_roots(directory)
    if found is None:
        if stage is not None:
            raise UserInputError(
                f"{directory}: --stage {stage}: not a rendered landing (no {MANIFEST}), so it has no stages"
            )
        return directory
    names = [r.name for r in found if r.name]
    if not names:
        if stage is not None:
            raise UserInputError(
                f"{directory}: --stage {stage}: this landing is one root module (layout: single); "
                "run without --stage (layout: stages in the spec splits it by stage)"
            )
        return directory
    if stage is None:
        raise UserInputError(
            f"{directory}: a landing split by stage (layout: stages); name its root with --stage: "
            f"{', '.join(names)} (in that order: a stage needs the foundation first)"
        )
    for r in found:
        if r.name == stage:
            return r.path
    raise UserInputError(f"{directory}: --stage {stage}: no such root; the roots are {', '.join(names)}")
