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

The matrix (:mod:`.matrix`), the GitLab pipelines (:mod:`.gitlab`) and Atlantis (:mod:`.atlantis`)
have their own modules; this one holds GitHub's workflow and the writing, and is the one import
for all of them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import ci
from generator.errors import UserInputError, WorkError

if TYPE_CHECKING:
    from generator.spec import Spec
from generator.fleet.atlantis import atlantis_config, atlantis_file
from generator.fleet.gitlab import gitlab_child, gitlab_pipeline, settings_from_text
from generator.fleet.matrix import (
    GITLAB_CHILD,
    _header,
    affected_rows,
    all_rows,
    environment,
    github_output,
    landing_environments,
    matrix,
    root_id,
)

# --------------------------------------------------------------------------- GitHub Actions
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

    not_drift = "github.event_name != 'schedule'"
    workflow: dict[str, Any] = {
        # one run at a time per branch: a main run applies foundations, then stages, unraced
        **ci.github_top(
            s,
            f"aisec landings ({s.spec_path})",
            [f"{s.spec_path}/**"],
            "aisec-landings-${{ github.ref }}",
            {"AISEC_SPECS": s.spec_path, "AISEC_OUTPUT": s.root},
        ),
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
    from generator.render.accounts import refuse_ci

    for path, (_name, spec) in zip(landings, loaded, strict=True):
        refuse_ci(spec, str(path))  # what CI roles per account do not cover yet
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
        result = write(roles, _roles_files(spec, own), force=force, offer_adopt=False)
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


def _roles_files(spec: Spec, s: ci.CiSettings) -> dict[str, str]:
    """The CI-roles root of a landing, or (``accounts``) one per account under its foundation's name."""
    if spec.accounts is not None:
        from generator.ci.accounts import ci_roles_accounts

        return ci_roles_accounts(spec, s)
    return ci.ci_roles(spec, s)


__all__ = [
    "GITLAB_CHILD",
    "affected_rows",
    "all_rows",
    "atlantis_config",
    "atlantis_file",
    "ci_files",
    "environment",
    "github_output",
    "github_workflow",
    "gitlab_child",
    "gitlab_pipeline",
    "matrix",
    "root_id",
    "settings_from_text",
]
