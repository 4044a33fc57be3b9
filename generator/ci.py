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
from generator.errors import UserInputError
from generator.hcl import Hcl, string
from generator.render import render_small_root
from generator.spec import Spec

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
    install: str = f"pip install 'aisec=={__version__}'"
    drift_cron: str = "17 6 * * *"
    rules: str | None = None  # the team's plan-gate rules in the repository (`aisec plan --rules`)

    def check(self) -> None:
        problems = []
        if not _REPO_RE[self.platform].fullmatch(self.repo):
            allowed = "owner/name" if self.platform == "github" else "group/project"
            problems.append(f"--repo {self.repo!r}: expected {allowed} (letters, digits, _ . -)")
        paths = [("spec", self.spec_path), ("--root", self.root)] + (
            [("--rules", self.rules)] if self.rules else []
        )
        for option, value in paths:
            path = PurePosixPath(value)
            if not _PATH_RE.fullmatch(value) or path.is_absolute() or ".." in path.parts:
                problems.append(
                    f"{option} {value!r}: a path inside the repository (letters, digits, _ . / -)"
                )
        for option, value in (("--branch", self.branch), ("--environment", self.environment)):
            if not _NAME_RE.fullmatch(value):
                problems.append(f"{option} {value!r}: letters, digits, _ and -")
        if not _VERSION_RE.fullmatch(self.terraform_version):
            problems.append(
                f"--terraform-version {self.terraform_version!r}: an exact version such as 1.11.4"
            )
        if not _INSTALL_RE.fullmatch(self.install):
            problems.append("--install: a pip command line (no shell operators)")
        if problems:
            raise UserInputError("invalid CI settings", problems)


def role_names(spec: Spec) -> dict[str, str]:
    return {"plan": f"{spec.name}-aisec-plan", "apply": f"{spec.name}-aisec-apply"}


def role_arns(spec: Spec) -> dict[str, str]:
    return {k: f"arn:aws:iam::{spec.aws.account_id}:role/{v}" for k, v in role_names(spec).items()}


def oidc_subjects(s: CiSettings) -> dict[str, list[str]]:
    """The OIDC subjects each role trusts: pull requests and the main branch may plan; only jobs in
    the protected environment may apply."""
    if s.platform == "github":
        return {
            "plan": [f"repo:{s.repo}:pull_request", f"repo:{s.repo}:ref:refs/heads/{s.branch}"],
            "apply": [f"repo:{s.repo}:environment:{s.environment}"],
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


def github_workflow(spec: Spec, s: CiSettings) -> str:
    s.check()
    arns = role_arns(spec)
    uses = {k: v[0] for k, v in ACTIONS.items()}
    setup = [
        {"uses": uses["checkout"], "with": {"persist-credentials": False}},
        {"uses": uses["setup-python"], "with": {"python-version": "3.12"}},
        {
            "uses": uses["setup-terraform"],
            "with": {"terraform_version": s.terraform_version, "terraform_wrapper": False},
        },
        {"name": "Install aisec", "run": s.install},
    ]

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
    paths = [s.spec_path, f"{s.root}/**", *([f"{s.rules}/**"] if s.rules else [])]
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
    arns = role_arns(spec)
    tf_url = f"https://releases.hashicorp.com/terraform/{s.terraform_version}"
    tf_zip = f"terraform_{s.terraform_version}_linux_amd64.zip"
    install = [
        "apt-get update -qq && apt-get install -y -qq curl unzip git >/dev/null",
        f"curl -fsSLO {tf_url}/{tf_zip} && curl -fsSLO {tf_url}/terraform_{s.terraform_version}_SHA256SUMS",
        f"grep ' {tf_zip}$' terraform_{s.terraform_version}_SHA256SUMS | sha256sum -c -",
        f"unzip -q {tf_zip} -d /usr/local/bin && rm {tf_zip}",
        s.install,
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

# What planning reads (never object contents), and what applying changes, per service the landing uses.
READ_ACTIONS = [
    "cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors", "cloudtrail:GetInsightSelectors",
    "cloudtrail:GetTrail", "cloudtrail:GetTrailStatus", "cloudtrail:ListTags",
    "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource",
    "ec2:DescribeManagedPrefixLists", "ec2:DescribePrefixLists", "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
    "ec2:DescribeVpcEndpoints", "ec2:DescribeVpcs", "ec2:DescribeAvailabilityZones",
    "events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule",
    "iam:GetOpenIDConnectProvider", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:GetRole", "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies", "iam:ListPolicyVersions", "iam:ListRolePolicies", "iam:ListRoleTags",
    "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListResourceTags",
    "logs:DescribeLogGroups", "logs:DescribeMetricFilters", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
    "macie2:DescribeClassificationJob", "macie2:GetClassificationExportConfiguration", "macie2:GetMacieSession",
    "macie2:ListClassificationJobs", "macie2:ListTagsForResource",
    "s3:GetAccelerateConfiguration", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLogging",
    "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
    "s3:GetBucketPublicAccessBlock", "s3:GetBucketRequestPayment", "s3:GetBucketTagging", "s3:GetBucketVersioning",
    "s3:GetBucketWebsite", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration", "s3:ListBucket",
    "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:ListTagsForResource",
    "sts:GetCallerIdentity",
]  # fmt: skip
WRITE_ACTIONS = [
    "cloudtrail:AddTags", "cloudtrail:CreateTrail", "cloudtrail:PutEventSelectors", "cloudtrail:RemoveTags",
    "cloudtrail:StartLogging", "cloudtrail:UpdateTrail",
    "cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource",
    "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:CreateVpcEndpoint",
    "ec2:DeleteSecurityGroup", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint", "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "events:DeleteRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource",
    "kms:CreateAlias", "kms:CreateKey", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:TagResource",
    "kms:UpdateAlias", "kms:UpdateKeyDescription",
    "logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:DeleteMetricFilter", "logs:PutMetricFilter",
    "logs:PutRetentionPolicy", "logs:TagResource",
    "macie2:CreateClassificationJob", "macie2:EnableMacie", "macie2:PutClassificationExportConfiguration",
    "macie2:TagResource", "macie2:UpdateClassificationJob", "macie2:UpdateMacieSession",
    "s3:CreateBucket", "s3:PutBucketLogging", "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging", "s3:PutBucketVersioning",
    "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
    "sns:CreateTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource", "sns:Unsubscribe",
]  # fmt: skip
IAM_ACTIONS = [
    "iam:AttachRolePolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole",
    "iam:CreateServiceLinkedRole", "iam:DeletePolicyVersion", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:TagPolicy", "iam:TagRole",
    "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
]  # fmt: skip


def ci_roles(spec: Spec, s: CiSettings) -> dict[str, str]:
    """The root module with the OIDC provider and the plan and apply roles the pipeline assumes.
    Deleting is not granted: removing protected resources stays a person's job (aisec destroy)."""
    s.check()
    account, name = spec.aws.account_id, spec.name
    state: dict[str, Any] | None = None
    if spec.state.backend == "s3" and spec.state.bucket and spec.state.key:
        key = spec.state.kms_key(name)
        alias = key if key.startswith("alias/") else None
        bucket = f"arn:aws:s3:::{spec.state.bucket}"
        state = {
            "alias": alias,
            "bucket_arn": bucket,
            "object_arn": f"{bucket}/{spec.state.key}",
            "lock_arn": f"{bucket}/{spec.state.key}.tflock",
            "key_arn": Hcl("data.aws_kms_alias.state.target_key_arn") if alias else Hcl(string(key)),
        }
    iam_resources = [
        f"arn:aws:iam::{account}:role/aisec/{name}-*",
        f"arn:aws:iam::{account}:role/{name}-*",
        f"arn:aws:iam::{account}:policy/aisec/{name}-*",
        f"arn:aws:iam::{account}:policy/{name}-*",
        f"arn:aws:iam::{account}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie",
    ]
    ctx = {
        "platform": s.platform,
        "issuer_url": f"https://{ISSUERS[s.platform]}",
        "issuer_host": ISSUERS[s.platform],
        "subjects": oidc_subjects(s),
        "role_names": role_names(spec),
        "read_actions": sorted(READ_ACTIONS),
        "write_actions": sorted(WRITE_ACTIONS),
        "iam_actions": sorted(IAM_ACTIONS),
        "iam_resources": iam_resources,
        "pass_role_resources": iam_resources[:2],
        "state": state,
    }
    return render_small_root(spec, "ci", ("main.tf", "variables.tf", "outputs.tf"), ctx)


def notes(spec: Spec, s: CiSettings) -> list[str]:
    """What the spec must hold for the pipeline to work; said when the roles are generated."""
    if spec.state.backend == "s3":
        return []
    return [
        "state.backend is local: a pipeline needs the S3 backend (state: {backend: s3, ...} and "
        "aisec bootstrap-state), or every run starts from an empty state"
    ]
