"""The GitLab CI pipeline for a folder of landings: a parent that computes the matrix, and the child
pipeline it triggers (a plan and a manual apply per root)."""

from __future__ import annotations

import json
from typing import Any

from generator import __version__, ci
from generator.errors import UserInputError
from generator.fleet.matrix import GITLAB_CHILD, Event, _header


# --------------------------------------------------------------------------- GitLab CI
def _gitlab_install(s: ci.CiSettings) -> list[str]:
    tf_url = f"https://releases.hashicorp.com/terraform/{s.terraform_version}"
    tf_zip = f"terraform_{s.terraform_version}_linux_amd64.zip"
    return [
        "apt-get update -qq && apt-get install -y -qq curl unzip git >/dev/null",
        f"curl -fsSLO {tf_url}/{tf_zip} && curl -fsSLO {tf_url}/terraform_{s.terraform_version}_SHA256SUMS",
        f"grep ' {tf_zip}$' terraform_{s.terraform_version}_SHA256SUMS | sha256sum -c -",
        f"unzip -q {tf_zip} -d /usr/local/bin && rm {tf_zip}",
        s.install_command(),
    ]


# The parent's affected job: which roots, written as the child pipeline (a test runs it).
GITLAB_MATRIX_SCRIPT = """\
if [ "$CI_PIPELINE_SOURCE" = merge_request_event ]; then
  event=review; base="$CI_MERGE_REQUEST_DIFF_BASE_SHA"
elif [ "$CI_PIPELINE_SOURCE" = schedule ]; then
  event=drift; base=""
else
  event=main; base="$CI_COMMIT_BEFORE_SHA"
fi
git cat-file -e "$base^{commit}" 2>/dev/null || base=""
if [ -z "$base" ] || [ "$base" = 0000000000000000000000000000000000000000 ]; then
  aisec ci matrix --all "$AISEC_SPECS" --root "$AISEC_OUTPUT" --gitlab "$event" --settings "$AISEC_CI_SETTINGS" > aisec-child.yml
else
  aisec affected --base "$base" "$AISEC_SPECS" --json > affected.json
  aisec ci matrix affected.json --gitlab "$event" --settings "$AISEC_CI_SETTINGS" > aisec-child.yml
fi
cat aisec-child.yml
"""


def settings_text(s: ci.CiSettings) -> str:
    """The settings the child pipeline is built with, as one JSON line (a variable of the parent)."""
    keys = ("repo", "branch", "terraform_version", "install", "rules")
    return json.dumps({k: getattr(s, k) for k in keys}, separators=(",", ":"), sort_keys=True)


def settings_from_text(text: str, specs: str, out: str) -> ci.CiSettings:
    try:
        data = json.loads(text)
        s = ci.CiSettings(platform="gitlab", spec_path=specs, root=out, **data)
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"--settings: not the settings `aisec ci gitlab` wrote ({exc})") from None
    s.check()
    return s


def gitlab_pipeline(s: ci.CiSettings) -> str:
    """The parent pipeline: one job finds the affected roots and writes the child pipeline, a
    trigger job runs it and takes its status."""
    s.check()
    rules = [
        {"if": "$CI_PIPELINE_SOURCE == 'merge_request_event'"},
        {"if": f"$CI_COMMIT_BRANCH == '{s.branch}' && $CI_PIPELINE_SOURCE == 'push'"},
        {"if": f"$CI_COMMIT_BRANCH == '{s.branch}' && $CI_PIPELINE_SOURCE == 'web'"},
        {"if": "$CI_PIPELINE_SOURCE == 'schedule'"},
    ]
    pipeline: dict[str, Any] = {
        "stages": ["affected", "landings"],
        "variables": {
            "AISEC_SPECS": s.spec_path,
            "AISEC_OUTPUT": s.root,
            "AISEC_CI_SETTINGS": settings_text(s),
            "TF_IN_AUTOMATION": "1",
            "NO_COLOR": "1",
        },
        "affected": {
            "stage": "affected",
            "image": ci.GITLAB_IMAGE,
            "rules": rules,
            "variables": {"GIT_DEPTH": "0"},  # the whole history: the base commit must be there
            "before_script": [
                "apt-get update -qq && apt-get install -y -qq git >/dev/null",
                s.install_command(),
            ],
            "script": [
                'aisec check-spec "$AISEC_SPECS"',
                'aisec render "$AISEC_SPECS" -o "$AISEC_OUTPUT" --check',
                GITLAB_MATRIX_SCRIPT,
            ],
            "artifacts": {"paths": [GITLAB_CHILD], "expire_in": "1 week"},
        },
        "landings": {
            "stage": "landings",
            "rules": rules,
            "needs": ["affected"],
            "trigger": {"include": [{"artifact": GITLAB_CHILD, "job": "affected"}], "strategy": "depend"},
        },
    }
    return ci._dump(pipeline, _header(s))


def gitlab_child(m: dict[str, Any], event: Event, s: ci.CiSettings) -> str:
    """The child pipeline for the roots of ``m``: plans (and on the main branch, manual applies in
    each root's environment, a stage's after its foundation's), or drift."""
    token = 'printf \'%s\' "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"'
    plan_cmd = 'aisec plan "$AISEC_ROOT"' + (' --rules "$AISEC_RULES"' if s.rules else "")
    jobs: dict[str, Any] = {}

    def base(root: dict[str, Any], role: str) -> dict[str, Any]:
        return {
            "id_tokens": {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}},
            "variables": {
                "AISEC_ROOT": root["path"],
                "AISEC_SPEC": root["spec"],
                **({"AISEC_RULES": s.rules} if s.rules else {}),
                "AWS_ROLE_ARN": root[f"{role}_role"],
                "AWS_WEB_IDENTITY_TOKEN_FILE": "/tmp/aws-web-identity-token",
                "AWS_REGION": root["region"],
            },
        }

    roots = m["first"] + m["then"]
    for root in roots:
        rid = root["id"]
        if event == "drift":
            jobs[f"drift:{rid}"] = {
                "stage": "drift",
                **base(root, "plan"),
                "script": [token, 'aisec drift "$AISEC_ROOT"'],
            }
            continue
        wave = "first" if root in m["first"] else "then"
        needs = [] if wave == "first" or event == "review" else [f"apply:{n}" for n in root["needs"]]
        jobs[f"plan:{rid}"] = {
            "stage": f"plan-{wave}",
            **base(root, "plan"),
            "needs": needs,
            "script": ["set -o pipefail", token, f"{plan_cmd} | tee plan.txt"],
            "artifacts": {
                "paths": ["plan.txt", f"{root['path']}/.aisec-plan/", f"{root['path']}/.terraform.lock.hcl"],
                "expire_in": "1 day",
            },
        }
        if event == "main":
            jobs[f"apply:{rid}"] = {
                "stage": f"apply-{wave}",
                **base(root, "apply"),
                "needs": [f"plan:{rid}"],
                # blocking: the stages' jobs wait for their foundation's apply
                "when": "manual",
                "allow_failure": False,
                "environment": {"name": root["environment"]},
                "resource_group": f"aisec-{rid}",
                "script": [token, 'aisec apply "$AISEC_ROOT" --auto-approve'],
            }
    if not jobs:  # a child pipeline needs a job: say that nothing is affected
        jobs["nothing-affected"] = {
            "stage": "plan-first",
            "before_script": [],  # nothing to install for saying so
            "script": ['echo "no landing affected: nothing to plan"'],
        }
    pipeline: dict[str, Any] = {
        "stages": ["drift"]
        if event == "drift" and roots
        else ["plan-first", "apply-first", "plan-then", "apply-then"],
        "variables": {"TF_IN_AUTOMATION": "1", "NO_COLOR": "1"},
        "default": {"image": ci.GITLAB_IMAGE, "before_script": _gitlab_install(s)},
        **jobs,
    }
    header = (
        f"# Generated by aisec {__version__} (`aisec ci matrix --gitlab {event}`) for this pipeline only.\n"
    )
    return ci._dump(pipeline, header)
