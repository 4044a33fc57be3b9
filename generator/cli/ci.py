"""`aisec ci github|gitlab|atlantis|matrix`: pipelines for a spec or a folder of landings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from generator.cli.common import SpecArg, check_output_path, ci_app, core, err, out
from generator.cli.console import escape
from generator.errors import UserInputError

RepoOpt = Annotated[
    str,
    typer.Option(
        "--repo", help="The repository: owner/name (GitHub), group/project (GitLab).", show_default=False
    ),
]
RootOpt = Annotated[
    str | None,
    typer.Option(
        "--root", help="The rendered root module's folder (default infra/NAME).", show_default=False
    ),
]
PipelineOpt = Annotated[
    Path | None, typer.Option("-o", "--output", help="The pipeline file to write.", show_default=False)
]
RolesOpt = Annotated[
    Path | None,
    typer.Option(
        "--roles-dir",
        help="Folder of the OIDC roles' root module (default ROOT-ci-roles).",
        show_default=False,
    ),
]
BranchOpt = Annotated[str, typer.Option("--branch", help="The branch that applies.")]
EnvOpt = Annotated[str, typer.Option("--environment", help="The protected environment that applies.")]
TfOpt = Annotated[str, typer.Option("--terraform-version", help="Terraform version the pipeline installs.")]
InstallOpt = Annotated[
    str | None,
    typer.Option(
        "--install",
        help="How the pipeline installs aisec: pypi (this version, the default), pypi:X.Y.Z, "
        "git+https://HOST/PATH@REF, a wheel in the repository (PATH/aisec-....whl) or a requirements file "
        "with hashes (PATH.txt); see README.",
        show_default=False,
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite a pipeline file that differs.")]
CiRulesOpt = Annotated[
    str | None,
    typer.Option(
        "--rules",
        help="The team's plan-gate rules in the repository (checkov custom policies); the pipeline's "
        "`aisec plan` runs them.",
        show_default=False,
    ),
]


def _ci(platform: str, spec: Path, repo: str, root: str | None, output: Path | None, roles: Path | None,
        branch: str, environment: str, terraform_version: str, install: str | None, force: bool,
        rules: str | None = None) -> None:  # fmt: skip
    settings: dict[str, Any] = {
        "repo": repo,
        "root": root,  # default infra/NAME
        "branch": branch,
        "environment": environment,
        "terraform_version": terraform_version,
    }
    if install:
        settings["install"] = install
    if rules:
        settings["rules"] = rules
    if output is not None:
        check_output_path(output, kind="file", create_parents=True)
    if spec.is_dir():
        _ci_folder(platform, spec, settings, output, roles, force)
        return
    outcome = core.ci_files(platform, spec, settings, output, roles, force)  # type: ignore[arg-type]
    verb = "wrote" if outcome.written else "unchanged:"
    out.print(f"{verb} {outcome.pipeline}; OIDC roles in {outcome.roles}", markup=False)
    out.print(
        f"Next: aisec plan {outcome.roles} and aisec apply {outcome.roles} (once, by an administrator)",
        markup=False,
    )
    for note in outcome.notes:
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)


def _ci_folder(platform: str, specs: Path, settings: dict[str, Any], output: Path | None, roles: Path | None,
               force: bool) -> None:  # fmt: skip
    """`aisec ci github|gitlab SPECS/ --root OUT/`: the folder's pipeline and each landing's roles."""
    from generator.fleet import ci as cifleet

    if roles is not None:
        raise UserInputError(
            "--roles-dir: a folder of landings keeps each landing's roles in OUT/LANDING-ci-roles"
        )
    if settings.pop("environment") != "production":
        raise UserInputError("--environment: a folder of landings applies each root in its own environment, "
                             "aisec-LANDING[-ROOT] (see README, CI for a folder of landings)")  # fmt: skip
    target, dirs, notes, written = cifleet.ci_files(platform, specs, settings, output, force)  # type: ignore[arg-type]
    out.print(
        f"{'wrote' if written else 'unchanged:'} {target}; OIDC roles of {len(dirs)} landing(s):",
        markup=False,
    )
    for folder in dirs:
        out.print(f"  {folder}", markup=False)
    out.print("Next: aisec plan and aisec apply each roles folder (once, by an administrator)", markup=False)
    for note in notes:
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)


@ci_app.command("matrix")
def ci_matrix(
    affected_json: Annotated[
        Path | None,
        typer.Argument(help="The saved output of `aisec affected --json`.", show_default=False),
    ] = None,
    all_in: Annotated[
        Path | None,
        typer.Option("--all", help="Every landing of this specs folder instead (with --root).", show_default=False),
    ] = None,
    root: RootOpt = None,
    gitlab: Annotated[
        str | None,
        typer.Option("--gitlab", help="Write GitLab's child pipeline for this run: review, main or drift.",
                     show_default=False),
    ] = None,
    settings: Annotated[
        str | None,
        typer.Option("--settings", help="The settings `aisec ci gitlab` wrote ($AISEC_CI_SETTINGS).",
                     show_default=False),
    ] = None,
) -> None:  # fmt: skip
    """In a pipeline: the roots to plan (in two waves), as $GITHUB_OUTPUT lines or GitLab's child pipeline."""
    from generator.fleet import ci as cifleet

    if (affected_json is None) == (all_in is None) or (all_in is not None and root is None):
        raise UserInputError("aisec ci matrix: give AFFECTED_JSON, or --all SPECS with --root OUT")
    if affected_json is not None:
        rows = cifleet.affected_rows(affected_json)
    else:
        rows = cifleet.all_rows(all_in, Path(root or ""))  # type: ignore[arg-type]
    found = cifleet.matrix(rows)
    for note in found["skipped"]:
        err.print(f"note: {note}", markup=False, soft_wrap=True)
    if gitlab is None:
        sys.stdout.write(cifleet.github_output(found))
        return
    if gitlab not in ("review", "main", "drift") or settings is None:
        raise UserInputError('--gitlab: review, main or drift, with --settings "$AISEC_CI_SETTINGS"')
    s = cifleet.settings_from_text(settings, str(all_in or "specs"), root or "infra")
    sys.stdout.write(cifleet.gitlab_child(found, gitlab, s))  # type: ignore[arg-type]


@ci_app.command("atlantis")
def ci_atlantis(
    specs: Annotated[Path, typer.Argument(help="The folder of landing specs.", show_default=False)],
    root: Annotated[
        str, typer.Option("--root", help="The folder the landings are rendered into.", show_default=False)
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="The file to write [default: atlantis.yaml].")
    ] = None,
    force: ForceOpt = False,
) -> None:
    """An Atlantis repo config: a project per root, stages after their foundation, plans by aisec."""
    from generator.fleet import ci as cifleet

    if output is not None:
        check_output_path(output, kind="file", create_parents=True)
    target, written = cifleet.atlantis_file(specs, Path(root), output, force)
    out.print(f"{'wrote' if written else 'unchanged:'} {target}", markup=False)


@ci_app.command("github")
def ci_github(spec: SpecArg, repo: RepoOpt, root: RootOpt = None, output: PipelineOpt = None, roles: RolesOpt = None,
              branch: BranchOpt = "main", environment: EnvOpt = "production", terraform_version: TfOpt = "1.11.4",
              install: InstallOpt = None, force: ForceOpt = False,
              rules: CiRulesOpt = None) -> None:  # fmt: skip
    """A GitHub Actions workflow: checks and plan comments on pull requests, apply behind an environment, drift."""
    _ci("github", spec, repo, root, output, roles, branch, environment, terraform_version, install, force,
        rules)  # fmt: skip


@ci_app.command("gitlab")
def ci_gitlab(spec: SpecArg, repo: RepoOpt, root: RootOpt = None, output: PipelineOpt = None, roles: RolesOpt = None,
              branch: BranchOpt = "main", environment: EnvOpt = "production", terraform_version: TfOpt = "1.11.4",
              install: InstallOpt = None, force: ForceOpt = False,
              rules: CiRulesOpt = None) -> None:  # fmt: skip
    """A GitLab CI pipeline with the same stages: check, plan, manual apply in an environment, drift."""
    _ci("gitlab", spec, repo, root, output, roles, branch, environment, terraform_version, install, force,
        rules)  # fmt: skip
