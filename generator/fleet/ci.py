"""`aisec ci github|gitlab SPECS/ --root OUT/`: pipelines for a folder of landings.

A first job runs `aisec affected` and turns its report into the list of root modules to plan
(`aisec ci matrix`, :func:`matrix`): every root of each affected landing (the landing itself, or
its foundation and its stages, as :func:`generator.landing.landing_roots` lists them), in two waves:
roots that need no other root (``first``: whole landings and foundations), then the roots that need
those (``then``: stages). GitHub fans each wave out with ``strategy.matrix``; GitLab runs a child
pipeline that the first job writes (GitLab's ``parallel:matrix`` only takes values written in the
YAML, so a list that comes from data needs a generated child pipeline). On the main branch each
root applies in an environment of its own (:func:`environment`), a wave after the one it needs.

Each landing keeps its own CI roles (``OUT/<landing>-ci-roles/``, as for one landing): their
policies are scoped to the landing's names and sized to AWS's limits per landing; the apply role
trusts exactly the environments of the landing's roots. ``aisec ci atlantis`` writes the same
roots as Atlantis projects (:func:`atlantis_config`). Pure functions return texts and data;
:func:`ci_files` and :func:`atlantis_file` are the ones that write.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from generator import __version__, ci
from generator.errors import UserInputError, WorkError
from generator.landing import MANIFEST, landing_roots, rendered_roots

MAX_MATRIX = 256  # GitHub runs at most 256 jobs of one matrix
GITLAB_CHILD = "aisec-child.yml"
_ID_RE = re.compile(r"[^A-Za-z0-9_-]+")
Event = Literal["review", "main", "drift"]


def root_id(landing: str, root: str) -> str:
    """A root's id in job, artifact and environment names: the landing's path with every character
    outside letters, digits, _ and - as a dash, then the root's name (``team-a/fraud`` + ``prod``
    -> ``team-a-fraud-prod``)."""
    return _ID_RE.sub("-", f"{landing}-{root}" if root else landing).strip("-")


def environment(landing: str, root: str) -> str:
    """The environment a root applies in (GitHub: give the prod and foundation ones, and those of
    landings that are one root, required reviewers)."""
    return f"aisec-{root_id(landing, root)}"


def landing_environments(landing: str, output: Path) -> tuple[str, ...]:
    """The environments of a landing's roots: one per root of its rendered folder (one for an
    unsplit landing, or one not rendered yet)."""
    roots = rendered_roots(output)
    if roots is None:
        return (environment(landing, ""),)
    return tuple(environment(landing, r.name) for r in roots)


def _rel(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _checked_path(landing: str, what: str, value: str) -> str:
    path = PurePosixPath(value)
    if not ci._PATH_RE.fullmatch(value) or path.is_absolute() or ".." in path.parts:
        raise UserInputError(
            f"{landing}: {what} {value!r}: CI jobs take paths inside the repository made of letters, "
            "digits, _ . / - (run `aisec ci matrix` from the repository's root)"
        )
    return value


def matrix(rows: list[dict[str, Any]], cwd: Path | None = None) -> dict[str, Any]:
    """The roots to plan and apply for the affected rows of an `aisec affected` report (or of
    :func:`all_rows`), in two waves, each root with what its jobs need: its folder, spec,
    environment, region and the ARNs of its landing's CI roles."""
    from generator.spec import load_spec_file

    here = (cwd or Path.cwd()).resolve()
    waves: dict[str, list[dict[str, Any]]] = {"first": [], "then": []}
    skipped: list[str] = []
    seen: dict[str, str] = {}
    for row in rows:
        if not row.get("affected"):
            continue
        landing = str(row["landing"])
        if any(r.get("kind") == "spec" and r.get("detail") == "deleted" for r in row.get("reasons", [])):
            skipped.append(f"{landing}: its spec was deleted; destroying a landing is a person's job")
            continue
        if not row.get("output"):
            raise UserInputError(
                f"{landing}: affected but not rendered (no output folder found by its manifest); "
                "render it with `aisec render SPECS -o OUT` and commit the output"
            )
        spec_path = here / str(row["spec"])
        spec = load_spec_file(spec_path).spec
        # layout: stages: each root's own roles (ci.ci_roots), else the landing's pair
        split = spec.layout == "stages"
        roots = landing_roots(here / str(row["output"]))
        ids = {r.name: root_id(landing, r.name) for r in roots}
        for r in roots:
            rid = ids[r.name]
            if rid in seen and seen[rid] != landing:
                raise UserInputError(
                    f"{landing}: its jobs would be named {rid}, as those of {seen[rid]}; rename one "
                    "landing (ids keep letters, digits, _ and -, other characters become -)"
                )
            seen[rid] = landing
            unknown = [n for n in r.needs if n not in ids]
            if unknown:
                raise UserInputError(f"{landing}: root {r.name} needs {', '.join(unknown)}, not a root of it")
            entry = {
                "id": rid,
                "landing": landing,
                "root": r.name,
                "label": f"{landing}:{r.name}" if r.name else landing,
                "spec": _checked_path(landing, "spec", _rel(spec_path, here)),
                "path": _checked_path(landing, "root", _rel(r.path, here)),
                "environment": environment(landing, r.name),
                "region": spec.aws.region,
                "plan_role": ci.role_arns(spec, r.name if split else "")["plan"],
                "apply_role": ci.role_arns(spec, r.name if split else "")["apply"],
                "needs": [ids[n] for n in r.needs],
            }
            if not r.needs:
                waves["first"].append(entry)
            elif len(r.needs) == 1 and not next(x for x in roots if x.name == r.needs[0]).needs:
                waves["then"].append({**entry, "after": ids[r.needs[0]]})
            else:
                raise UserInputError(
                    f"{landing}: root {r.name} needs {', '.join(r.needs)}; CI runs two waves: roots "
                    "that need none (a foundation), then roots that need one of those (its stages)"
                )
    for wave, entries in waves.items():
        if len(entries) > MAX_MATRIX:
            raise UserInputError(
                f"{len(entries)} roots in the {wave} wave: a GitHub matrix runs at most {MAX_MATRIX} "
                "jobs; split the change (or the specs folder into pipelines of their own)"
            )
    return {**waves, "count": len(waves["first"]) + len(waves["then"]), "skipped": skipped}


def all_rows(specs: Path, out: Path, cwd: Path | None = None) -> list[dict[str, Any]]:
    """Rows as `aisec affected` gives them, with every landing of ``specs`` affected (scheduled
    drift, a manual run, a first push): each rendered at ``out/<landing>``."""
    from generator.fleet import landing_name, landing_specs

    here = (cwd or Path.cwd()).resolve()
    return [
        {
            "landing": landing_name(specs, spec),
            "spec": _rel(spec, here),
            "output": _rel(out / landing_name(specs, spec), here)
            if (out / landing_name(specs, spec) / MANIFEST).is_file()
            else None,
            "affected": True,
            "reasons": [{"kind": "all", "path": "", "detail": ""}],
        }
        for spec in landing_specs(specs)
    ]


def affected_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of an `aisec affected --json` report saved to ``path`` (with its envelope or not)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserInputError(f"{path}: not the JSON of `aisec affected --json` ({exc})") from None
    report = data.get("result", data) if isinstance(data, dict) else None
    rows = report.get("landings") if isinstance(report, dict) else None
    if not isinstance(rows, list):
        raise UserInputError(f"{path}: not the JSON of `aisec affected --json` (no result.landings list)")
    return rows


def github_output(m: dict[str, Any]) -> str:
    """The matrix as ``$GITHUB_OUTPUT`` lines: one JSON list per wave (compact, one line each)."""
    dump = json.dumps  # compact separators keep each list on one line
    return (
        f"first={dump(m['first'], separators=(',', ':'))}\n"
        f"then={dump(m['then'], separators=(',', ':'))}\n"
        f"all={dump(m['first'] + m['then'], separators=(',', ':'))}\n"
        f"count={m['count']}\n"
    )


# --------------------------------------------------------------------------- GitHub Actions
def _header(s: ci.CiSettings) -> str:
    return (
        f"# Generated by aisec {__version__} (`aisec ci {s.platform} {s.spec_path} --root {s.root}`) for a folder\n"
        "# of landings. Re-generate rather than edit. AWS access is OIDC role assumption only: no stored keys.\n"
    )


# The affected job's step: which roots this run plans, as $GITHUB_OUTPUT lines (a test runs it).
GITHUB_MATRIX_STEP = """\
case "$GITHUB_EVENT_NAME" in
  pull_request) base="$PR_BASE" ;;
  push) base="$PUSH_BEFORE" ;;
  *) base="" ;;  # schedule and manual runs: every landing
esac
# a base this clone lacks (a force-pushed branch's old head): every landing rather than none
git cat-file -e "$base^{commit}" 2>/dev/null || base=""
if [ -z "$base" ] || [ "$base" = 0000000000000000000000000000000000000000 ]; then
  aisec ci matrix --all "$AISEC_SPECS" --root "$AISEC_OUTPUT" | tee -a "$GITHUB_OUTPUT"
else
  aisec affected --base "$base" "$AISEC_SPECS" --json > affected.json
  aisec ci matrix affected.json | tee -a "$GITHUB_OUTPUT"
fi
"""


def github_workflow(s: ci.CiSettings) -> str:
    s.check()
    uses = {k: v[0] for k, v in ci.ACTIONS.items()}
    main = f"github.ref == 'refs/heads/{s.branch}'"
    applies = f"(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && {main}"
    setup = ci.github_setup_steps(s)

    def aws(role: str) -> dict[str, Any]:
        return {
            "name": f"AWS credentials ({role} role of the landing, OIDC)",
            "uses": uses["aws-credentials"],
            "with": {
                "role-to-assume": f"${{{{ matrix.root.{role}_role }}}}",
                "aws-region": "${{ matrix.root.region }}",
                "role-session-name": f"aisec-{role}",
            },
        }

    root_env = {"AISEC_ROOT": "${{ matrix.root.path }}", "AISEC_SPEC": "${{ matrix.root.spec }}"}
    comment = (
        "const fs = require('fs');\n"
        "const plan = fs.readFileSync('plan.txt', 'utf8');\n"
        "const body = '### aisec plan: ' + process.env.AISEC_LABEL + '\\n\\n```\\n' + plan.slice(0, 60000) + '\\n```\\n';\n"
        "await github.rest.issues.createComment({...context.repo, issue_number: context.issue.number, body});\n"
    )
    plan_cmd = 'aisec plan "$AISEC_ROOT"' + (' --rules "$AISEC_RULES"' if s.rules else "")

    # A matrix job fails when one of its entries fails, and `needs` waits for whole jobs: so the
    # jobs after a wave run unless cancelled, and each entry checks for its own predecessor's
    # artifact instead (a failed plan uploads no plan, a failed apply no mark): one landing's
    # failure holds back its own later jobs only.
    after = {
        "name": "The foundation this stage needs was applied in this run",
        "if": "github.event_name != 'pull_request'",
        "uses": uses["download-artifact"],
        "with": {"name": "aisec-applied-${{ matrix.root.after }}", "path": "${{ runner.temp }}/applied"},
    }

    def plan_job(wave: str, needs: list[str], condition: str) -> dict[str, Any]:
        return {
            "name": "Plan ${{ matrix.root.label }}",
            "needs": needs,
            "if": condition,
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 30,
            "permissions": {"contents": "read", "id-token": "write", "pull-requests": "write"},
            "strategy": {
                "fail-fast": False,
                "matrix": {"root": f"${{{{ fromJSON(needs.affected.outputs.{wave}) }}}}"},
            },
            "env": {**root_env, "AISEC_LABEL": "${{ matrix.root.label }}"},
            "steps": [
                *setup,
                *([after] if wave == "then" else []),
                aws("plan"),
                {"name": "Plan", "run": f'{plan_cmd} | tee plan.txt\ncat plan.txt >> "$GITHUB_STEP_SUMMARY"'},
                {
                    "name": "Comment on the pull request",
                    "if": "github.event_name == 'pull_request'",
                    "uses": uses["github-script"],
                    "with": {"script": comment},
                },
                {
                    "name": "Keep the saved plan for the apply job",
                    "if": "github.event_name != 'pull_request'",
                    "uses": uses["upload-artifact"],
                    "with": {
                        "name": "aisec-plan-${{ matrix.root.id }}",
                        # plan.txt is always there, so the artifact exists even when nothing changes
                        "path": "plan.txt\n${{ matrix.root.path }}/.aisec-plan/\n${{ matrix.root.path }}/.terraform.lock.hcl",
                        "retention-days": 1,
                        "include-hidden-files": True,
                        "if-no-files-found": "error",
                    },
                },
            ],
        }

    def apply_job(wave: str, plan: str) -> dict[str, Any]:
        return {
            "name": "Apply ${{ matrix.root.label }}",
            "needs": ["affected", plan],
            "if": f"!cancelled() && {applies} && needs.affected.result == 'success' && "
            f"needs.affected.outputs.{wave} != '[]'",
            "runs-on": "ubuntu-latest",
            "timeout-minutes": 60,
            "environment": "${{ matrix.root.environment }}",
            "permissions": {"contents": "read", "id-token": "write"},
            "strategy": {
                "fail-fast": False,
                "matrix": {"root": f"${{{{ fromJSON(needs.affected.outputs.{wave}) }}}}"},
            },
            "env": root_env,
            "steps": [
                *setup,
                {
                    "uses": uses["download-artifact"],
                    "with": {"name": "aisec-plan-${{ matrix.root.id }}", "path": "."},
                },
                aws("apply"),
                {
                    "name": "Apply",
                    "run": 'if [ -d "$AISEC_ROOT/.aisec-plan" ]; then aisec apply "$AISEC_ROOT" --auto-approve; '
                    'else echo "no changes to apply"; fi',
                },
                *(
                    [
                        {
                            "name": "Mark this root applied (its stages plan after it)",
                            "uses": uses["upload-artifact"],
                            "with": {
                                "name": "aisec-applied-${{ matrix.root.id }}",
                                "path": "plan.txt",
                                "retention-days": 1,
                            },
                        }
                    ]
                    if wave == "first"
                    else []
                ),
            ],
        }

    paths = [f"{s.spec_path}/**", f"{s.root}/**", *([f"{s.rules}/**"] if s.rules else [])]
    not_drift = "github.event_name != 'schedule'"
    workflow: dict[str, Any] = {
        "name": f"aisec landings ({s.spec_path})",
        "on": {
            "pull_request": {"paths": paths},
            "push": {"branches": [s.branch], "paths": paths},
            "schedule": [{"cron": s.drift_cron}],
            "workflow_dispatch": {},
        },
        "permissions": {},
        "defaults": {"run": {"shell": "bash"}},
        # one run at a time per branch: a main run applies foundations, then stages, unraced
        "concurrency": {"group": "aisec-landings-${{ github.ref }}", "cancel-in-progress": False},
        "env": {
            "AISEC_SPECS": s.spec_path,
            "AISEC_OUTPUT": s.root,
            **({"AISEC_RULES": s.rules} if s.rules else {}),
            "TF_IN_AUTOMATION": "1",
            "NO_COLOR": "1",
        },
        "jobs": {
            "affected": {
                "name": "Affected landings",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 20,
                "permissions": {"contents": "read"},
                "outputs": {
                    "first": "${{ steps.matrix.outputs.first }}",
                    "then": "${{ steps.matrix.outputs.then }}",
                    "all": "${{ steps.matrix.outputs.all }}",
                },
                "steps": [
                    # the whole history: the base commit must be there to compare with
                    {"uses": uses["checkout"], "with": {"persist-credentials": False, "fetch-depth": 0}},
                    setup[1],
                    setup[3],
                    {"name": "Specs", "run": 'aisec check-spec "$AISEC_SPECS"'},
                    {
                        "name": "Generated code is current",
                        "run": 'aisec render "$AISEC_SPECS" -o "$AISEC_OUTPUT" --check',
                    },
                    {
                        "name": "Roots to plan",
                        "id": "matrix",
                        "env": {
                            "PR_BASE": "${{ github.event.pull_request.base.sha }}",
                            "PUSH_BEFORE": "${{ github.event.before }}",
                        },
                        "run": GITHUB_MATRIX_STEP,
                    },
                ],
            },
            # an empty wave (nothing affected) skips its jobs: no matrix of nothing
            "plan-first": plan_job(
                "first", ["affected"], f"{not_drift} && needs.affected.outputs.first != '[]'"
            ),
            "apply-first": apply_job("first", "plan-first"),
            # stages plan once their foundation is applied (on pull requests: beside its plan; the
            # job waits for plan-first all the same, a few minutes)
            "plan-then": plan_job(
                "then",
                ["affected", "plan-first", "apply-first"],
                f"!cancelled() && {not_drift} && needs.affected.outputs.then != '[]' && "
                "needs.affected.result == 'success'",
            ),
            "apply-then": apply_job("then", "plan-then"),
            "drift": {
                "name": "Drift ${{ matrix.root.label }}",
                "needs": ["affected"],
                "if": "github.event_name == 'schedule' && needs.affected.outputs.all != '[]'",
                "runs-on": "ubuntu-latest",
                "timeout-minutes": 30,
                "permissions": {"contents": "read", "id-token": "write"},
                "strategy": {
                    "fail-fast": False,
                    "matrix": {"root": "${{ fromJSON(needs.affected.outputs.all) }}"},
                },
                "env": root_env,
                "steps": [
                    *setup,
                    aws("plan"),
                    {"name": "Drift", "run": 'aisec drift "$AISEC_ROOT" | tee -a "$GITHUB_STEP_SUMMARY"'},
                ],
            },
        },
    }
    return ci._dump(workflow, _header(s))


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


# --------------------------------------------------------------------------- writing
def ci_files(
    platform: ci.Platform, specs: Path, settings: dict[str, Any], pipeline: Path | None, force: bool = False
) -> tuple[Path, list[Path], list[str], bool]:
    """Write the folder's pipeline and render each landing's CI roles into ``OUT/<landing>-ci-roles``.
    Returns the pipeline, the roles' folders, notes and whether the pipeline was written."""
    from generator.cache import atomic_write
    from generator.fleet import landing_name, landing_specs, name_clashes
    from generator.render.writer import write
    from generator.spec import load_spec_file

    out = settings.get("root")
    if not out:
        raise UserInputError(
            f"{specs}: a folder of landings needs --root OUT (where `aisec render {specs} -o OUT` wrote them)"
        )
    s = ci.CiSettings(
        platform=platform, spec_path=specs.as_posix().rstrip("/"), **{**settings, "root": out.rstrip("/")}
    )
    s.check()
    landings = landing_specs(specs)
    clashes = name_clashes(landings)
    if clashes:
        raise next(iter(clashes.values()))
    loaded = [(landing_name(specs, p), load_spec_file(p).spec) for p in landings]
    ids: dict[str, str] = {}
    for name, _ in loaded:
        rid = root_id(name, "")
        if rid in ids:
            raise UserInputError(f"{specs}: landings {ids[rid]} and {name} would share the job names {rid}")
        ids[rid] = name
    text = github_workflow(s) if platform == "github" else gitlab_pipeline(s)
    target = pipeline or Path(
        ".github/workflows/aisec-landings.yml" if platform == "github" else ".gitlab-ci.yml"
    )
    current = target.read_text(encoding="utf-8", errors="replace") if target.exists() else None
    if current not in (None, text) and not force:
        raise WorkError(f"{target}: exists and differs from what aisec generates; --force overwrites it")
    roles_dirs, notes = [], ci.install_notes(s)
    for name, spec in loaded:
        output = Path(s.root) / name
        envs = landing_environments(name, output) if platform == "github" else ()
        own = replace(s, environments=envs)
        own.check()
        roles = Path(f"{s.root}/{name}-ci-roles")
        result = write(roles, ci.ci_roles(spec, own), force=force, offer_adopt=False)
        if result.needs_attention:
            raise result.attention_error()
        roles_dirs.append(roles)
        notes += [f"{name}: {n}" for n in ci.notes(spec, own)]
    if platform == "github":
        every = [e for name, _ in loaded for e in landing_environments(name, Path(s.root) / name)]
        notes.append(
            "GitHub creates an environment a job names if it does not exist, unprotected: before the "
            f"first merge, create {', '.join(every)} (Settings > Environments), each with deployment "
            f"branches limited to {s.branch}, and required reviewers on the production ones (a landing "
            "of one root, a foundation, a prod stage)"
        )
    written = current != text
    if written:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text.encode(), 0o644)
    return target, roles_dirs, notes, written


# --------------------------------------------------------------------------- Atlantis
ATLANTIS_WORKFLOW = "aisec"


def _from(root_dir: str, target: str) -> str:
    """``target`` (relative to the repository root) as Atlantis reads it: relative to the project's dir."""
    import posixpath

    return posixpath.relpath(target, root_dir)


def atlantis_config(specs: Path, out: Path, cwd: Path | None = None) -> str:
    """An Atlantis repo config (version 3): one project per root of every landing, stages after
    (``depends_on``, ``execution_order_group``) their foundation, autoplanned when the spec, a file
    it imports or the landing's rendered folder changes, planned and applied by aisec (its plan
    gate included)."""
    from generator.fleet import landing_name, landing_specs
    from generator.run.orchestrate import PLAN_DIR, PLAN_FILE
    from generator.spec import load_spec_file

    here = (cwd or Path.cwd()).resolve()
    saved = f"{PLAN_DIR}/{PLAN_FILE}"
    projects = []
    for spec_file in landing_specs(specs):
        landing = landing_name(specs, spec_file)
        output = out / landing
        if not (output / MANIFEST).is_file():
            raise UserInputError(
                f"{landing}: not rendered in {output}; render the folder first (aisec render {specs} -o {out})"
            )
        imports = [_rel(p, here) for p in load_spec_file(spec_file).imports]
        spec_rel = _checked_path(landing, "spec", _rel(spec_file, here))
        landing_rel = _checked_path(landing, "output", _rel(output, here))
        roots = landing_roots(output)
        for r in roots:
            root_dir = _checked_path(landing, "root", _rel(r.path, here))
            inside = _from(root_dir, landing_rel)
            project: dict[str, Any] = {
                "name": root_id(landing, r.name),
                "dir": root_dir,
                "workflow": ATLANTIS_WORKFLOW,
                "execution_order_group": 1 if r.needs else 0,
            }
            if r.needs:
                project["depends_on"] = [root_id(landing, n) for n in r.needs]
            project["autoplan"] = {
                "enabled": True,
                "when_modified": [
                    "**/*" if inside == "." else f"{inside}/**/*",
                    _from(root_dir, spec_rel),
                    *(_from(root_dir, _checked_path(landing, "import", i)) for i in imports),
                ],
            }
            project["apply_requirements"] = ["approved", "mergeable", "undiverged"]
            projects.append(project)
    names = [p["name"] for p in projects]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise UserInputError(f"{specs}: two landings would share the project names {', '.join(clashes)}")
    config = {
        "version": 3,
        "automerge": False,
        "parallel_plan": True,
        "parallel_apply": True,  # within an execution order group: foundations, then stages
        "projects": projects,
        "workflows": {
            ATLANTIS_WORKFLOW: {
                "plan": {
                    "steps": [
                        # the plan gate runs inside; Atlantis finds a planned project by its $PLANFILE
                        {"run": "aisec plan ."},
                        {"run": f'if [ -f {saved} ]; then cp {saved} "$PLANFILE"; fi'},
                    ]
                },
                # aisec apply refuses a plan that differs from what was reviewed
                "apply": {"steps": [{"run": "aisec apply . --auto-approve"}]},
            }
        },
    }
    header = (
        f"# Generated by aisec {__version__} (`aisec ci atlantis {specs.as_posix()} --root {out.as_posix()}`).\n"
        "# Re-generate rather than edit. The server must allow this repository's workflow and apply\n"
        "# requirements (allowed_overrides: [workflow, apply_requirements], allow_custom_workflows: true),\n"
        "# or hold the `workflows:` block in its own repos.yaml (safer: see README).\n"
    )
    return ci._dump(config, header)


def atlantis_file(specs: Path, out: Path, target: Path | None, force: bool = False) -> tuple[Path, bool]:
    from generator.cache import atomic_write

    text = atlantis_config(specs, out)
    target = target or Path("atlantis.yaml")
    current = target.read_text(encoding="utf-8", errors="replace") if target.exists() else None
    if current not in (None, text) and not force:
        raise WorkError(f"{target}: exists and differs from what aisec generates; --force overwrites it")
    if current != text:
        atomic_write(target, text.encode(), 0o644)
    return target, current != text
