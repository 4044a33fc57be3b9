"""`aisec migrate`: an applied single-root landing moved to `layout: stages` (issue #17 item 1), offline,
with real Terraform: every object goes into the state of the root that now owns it, nothing is
destroyed or created again, and a failure half-way leaves every state as it was."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from generator import fleet
from generator.core import migrate, moves
from generator.errors import WorkError
from generator.offline import workspace
from tests.conftest import BLUEPRINTS, json_result, run_aisec
from tests.landings import copy_state

BLUEPRINT = "fraud-inference"  # three stages, Macie jobs with custom data identifiers


def _state(path: Path | None) -> dict[str, Any]:
    assert path is not None and path.is_file()
    return dict(json.loads(path.read_text()))


def _rehearsal(folder: Path) -> Path | None:
    return workspace.rehearsal_state(folder)


def _applied_single(tmp_path: Path, applied: Mapping[str, dict[str, Any]]) -> tuple[Path, Path]:
    """The blueprint rendered and applied offline as one root, then its spec set to `layout: stages`.
    Applied as the session applied it (conftest.Applied: terraform plan and apply of the same
    configuration in the offline rehearsal): its rehearsal state copied into this landing's."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(BLUEPRINTS[BLUEPRINT].read_text())
    out = tmp_path / "landing"
    proc = run_aisec("render", str(spec), "-o", str(out))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    source = applied[BLUEPRINT]["source"]
    tf = {p: b for p, b in _files(out).items() if p.endswith(".tf")}
    assert tf and tf == {p: b for p, b in _files(source).items() if p.endswith(".tf")}
    assert copy_state(source, out)
    spec.write_text(spec.read_text().rstrip("\n") + "\nlayout: stages\n")
    return spec, out


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and ".terraform" not in p.parts
    }


def test_mapping_covers_renamed_stage_copies_and_leaves_unknown_objects_unmapped() -> None:
    old = {
        'module.audit.aws_cloudwatch_log_group.workload["shared"]': {
            "type": "aws_cloudwatch_log_group", "resource": "module.audit.aws_cloudwatch_log_group.workload",
            "module": "module.audit", "attributes": {"name": "/x/shared"},
        },
        'module.audit.aws_cloudwatch_log_group.workload["a_dev"]': {
            "type": "aws_cloudwatch_log_group", "resource": "module.audit.aws_cloudwatch_log_group.workload",
            "module": "module.audit", "attributes": {"name": "/x/a-dev"},
        },
        'module.macie.aws_macie2_custom_data_identifier.this["pan"]': {
            "type": "aws_macie2_custom_data_identifier", "module": "module.macie",
            "resource": "module.macie.aws_macie2_custom_data_identifier.this", "attributes": {"name": "x-pan"},
        },
        "module.gone.aws_s3_bucket.this": {
            "type": "aws_s3_bucket", "module": "module.gone", "resource": "module.gone.aws_s3_bucket.this",
            "attributes": {"bucket": "b"},
        },
        "module.renamed.aws_sns_topic.t": {
            "type": "aws_sns_topic", "module": "module.renamed", "resource": "module.renamed.aws_sns_topic.t",
            "attributes": {"name": "alerts"},
        },
    }  # fmt: skip
    new = {
        "foundation": {
            "module.other.aws_sns_topic.t": {"__type": "aws_sns_topic", "name": "alerts"},
            'module.audit.aws_cloudwatch_log_group.workload["shared"]': {"__type": "aws_cloudwatch_log_group"},
        },
        "dev": {
            'module.audit.aws_cloudwatch_log_group.workload["a_dev"]': {"__type": "aws_cloudwatch_log_group"},
            'module.macie.aws_macie2_custom_data_identifier.this["pan-dev"]': {
                "__type": "aws_macie2_custom_data_identifier", "name": "x-pan-dev",
            },
        },
        "prod": {
            'module.macie.aws_macie2_custom_data_identifier.this["pan-prod"]': {
                "__type": "aws_macie2_custom_data_identifier", "name": "x-pan-prod",
            },
        },
    }  # fmt: skip
    mapped, unmapped = moves.map_instances(old, new)
    got = {m.old: (m.root, m.new, m.how) for m in mapped}
    assert got == {
        'module.audit.aws_cloudwatch_log_group.workload["shared"]': (
            "foundation", 'module.audit.aws_cloudwatch_log_group.workload["shared"]', "same address",
        ),
        'module.audit.aws_cloudwatch_log_group.workload["a_dev"]': (
            "dev", 'module.audit.aws_cloudwatch_log_group.workload["a_dev"]', "same address",
        ),
        'module.macie.aws_macie2_custom_data_identifier.this["pan"]': (
            "dev", 'module.macie.aws_macie2_custom_data_identifier.this["pan-dev"]', "stage copy",
        ),
        "module.renamed.aws_sns_topic.t": ("foundation", "module.other.aws_sns_topic.t", "same name"),
    }  # fmt: skip
    assert unmapped == [{"address": "module.gone.aws_s3_bucket.this", "type": "aws_s3_bucket"}]
    steps = moves.state_mv_steps(mapped, old)
    # module.audit and its log groups are split between roots: one instance at a time.
    assert not {s[1] for s in steps} & {"module.audit", "module.audit.aws_cloudwatch_log_group.workload"}
    a_dev = 'module.audit.aws_cloudwatch_log_group.workload["a_dev"]'
    assert ("dev", a_dev, a_dev) in steps
    assert ("foundation", "module.renamed.aws_sns_topic.t", "module.other.aws_sns_topic.t") in steps


@pytest.mark.slow
def test_an_applied_single_landing_moves_to_stages_without_destroying_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, applied: Mapping[str, dict[str, Any]]
) -> None:
    _spec, out = _applied_single(tmp_path, applied)
    old_file = _rehearsal(out)
    before = _state(old_file)
    held = moves.instances(before)
    files_before = _files(out)

    # The move plan, nothing changed.
    proc = run_aisec("migrate", str(out), "--offline", "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    plan = json_result(proc)
    assert {m["old"] for m in plan["moves"]} == set(held) and not plan["unmapped"] and not plan["refusals"]
    assert plan["roots"] == ["foundation", "dev", "test", "prod"]
    by_old = {m["old"]: m for m in plan["moves"]}
    assert by_old['module.audit.aws_cloudwatch_log_group.workload["fraud_scoring_prod"]']["root"] == "prod"
    assert by_old["module.audit.aws_cloudtrail.this[0]"]["root"] == "foundation"
    assert by_old['module.fraud_scoring_dev_kms.aws_kms_key.this["datasets"]']["root"] == "dev"
    # Macie's custom data identifiers are the stages' own copies now: the old ones go to the first
    # stage under its name and are replaced there (no data in them); every job uses its stage's copies.
    copies = [m for m in plan["moves"] if m["how"] == "stage copy"]
    assert copies and all(m["type"] == "aws_macie2_custom_data_identifier" for m in copies)
    for root, changes in plan["changes"].items():
        assert not changes["destroy"], (root, changes["destroy"])
        touched = changes["replace"] + changes["create"]
        for address in touched:  # only Macie's copies and the jobs reading them; no data holder
            assert address.startswith("module.macie.aws_macie2_"), (root, address)
    assert _state(old_file) == before and _files(out) == files_before

    # A push failing half-way (the third root's): every state and file as it was.
    real_push = migrate.push
    calls: list[str] = []

    def failing(backend: migrate.Backend, tf: Any, state_file: Path) -> None:
        calls.append(backend.label)
        if len(calls) == 3:
            raise WorkError(f"{backend.label}: push refused (test)")
        real_push(backend, tf, state_file)

    monkeypatch.setattr(migrate, "push", failing)
    with pytest.raises(WorkError, match="push refused"):
        migrate.migrate(out, offline=True)
    assert calls == ["foundation", "dev", "test"]
    assert _state(old_file)["resources"] == before["resources"]
    assert _files(out) == files_before
    for root in ("foundation", "dev", "test", "prod"):
        assert not (out / root).exists()
    monkeypatch.setattr(migrate, "push", real_push)

    # The migration.
    proc = run_aisec("migrate", str(out), "--offline", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    done = json_result(proc)
    assert done["applied"] and Path(done["backups"], "single.tfstate").is_file()
    assert json.loads(Path(done["backups"], "single.tfstate").read_text())["resources"] == before["resources"]
    assert [r.name for r in fleet.landing_roots(out)] == ["foundation", "dev", "test", "prod"]
    assert not moves.instances(_state(old_file))  # the old state emptied of every managed object
    moved: dict[str, str] = {}
    for root in ("foundation", "dev", "test", "prod"):
        for address in moves.instances(_state(_rehearsal(out / root))):
            assert address not in moved, address
            moved[address] = root
    for address, rec in held.items():
        target = by_old[address]
        assert moved.get(target["new"]) == target["root"], address
        if rec["type"] in moves.DATA_HOLDERS:  # the same object, its id unchanged
            new = moves.instances(_state(_rehearsal(out / target["root"])))[target["new"]]
            assert new["attributes"].get("id") == rec["attributes"].get("id"), address

    # Each root plans against its moved state (offline, with refresh): nothing destroyed, nothing
    # created again but Macie's stage copies; in place, the policies naming each root's deployer.
    for root in ("foundation", "dev", "test", "prod"):
        proc = run_aisec("plan", str(out), "--offline", "--stage", root, "--json")
        assert proc.returncode == 0, (root, proc.stderr[-3000:])
        review = json_result(proc)
        deleted = {c["address"] for c in review["changes"] if "delete" in c["actions"]}
        created = {c["address"] for c in review["changes"] if "create" in c["actions"]}
        changes = plan["changes"][root]
        assert deleted == set(changes["replace"]), (root, deleted)
        assert created == set(changes["replace"] + changes["create"]), (root, created)
        assert not {c["type"] for c in review["changes"] if c["actions"] != ["update"]} & moves.DATA_HOLDERS
        if root == "foundation":
            assert not deleted and not created
            done_apply = run_aisec("apply", str(out), "--offline", "--stage", "foundation", "--auto-approve")
            assert done_apply.returncode == 0, done_apply.stderr[-3000:]


def test_a_data_holder_replaced_destroyed_or_left_behind_refuses_the_migration() -> None:
    mig = moves.Migration(Path("landing"), "local", ["foundation", "dev"])
    mig.unmapped = [
        {"address": "module.gone.aws_s3_bucket.this", "type": "aws_s3_bucket"},
        {"address": "module.gone.aws_sns_topic.t", "type": "aws_sns_topic"},
    ]
    key, job = 'module.k.aws_kms_key.this["logs"]', 'module.macie.aws_macie2_classification_job.this["j"]'
    group = 'module.audit.aws_cloudwatch_log_group.workload["a"]'
    mig.changes = {
        "foundation": {"create": [], "update": [], "replace": [job], "destroy": [group]},
        "dev": {"create": [], "update": [key], "replace": [], "destroy": []},
    }
    mig.types = {
        "foundation": {job: "aws_macie2_classification_job", group: "aws_cloudwatch_log_group"},
        "dev": {key: "aws_kms_key"},
    }
    assert moves.refusals(mig) == [
        "module.gone.aws_s3_bucket.this: no root of the split landing declares it (a aws_s3_bucket)",
        f"foundation: {group} would be replaced or destroyed (a aws_cloudwatch_log_group)",
    ]
    mig.changes["dev"]["replace"] = [key]
    assert moves.refusals(mig)[-1] == f"dev: {key} would be replaced or destroyed (a aws_kms_key)"


def test_migrate_refuses_a_spec_still_single_and_a_landing_already_split(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(BLUEPRINTS["batch-scoring"].read_text())
    out = tmp_path / "landing"
    assert run_aisec("render", str(spec), "-o", str(out)).returncode == 0
    proc = run_aisec("migrate", str(out), "--dry-run")
    assert proc.returncode == 2 and "layout: single; set layout: stages in the spec" in proc.stderr, (
        proc.stderr
    )
    split = tmp_path / "split.yaml"
    split.write_text(spec.read_text().rstrip("\n") + "\nlayout: stages\n")
    assert run_aisec("render", str(split), "-o", str(tmp_path / "s")).returncode == 0
    proc = run_aisec("migrate", str(tmp_path / "s"), "--dry-run")
    assert proc.returncode == 2 and "already split by stage" in proc.stderr, proc.stderr
    # Nothing applied offline: no state to move, said before anything is rendered.
    proc = run_aisec("migrate", str(out), "--spec", str(split), "--offline", "--dry-run")
    assert proc.returncode == 2 and "no offline rehearsal state to move" in proc.stderr, proc.stderr
