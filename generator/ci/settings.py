"""The settings of a pipeline (platform, repository, branch, environment, how aisec is installed),
checked, and the names, ARNs and OIDC subjects of the roles it assumes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from generator import __version__
from generator.decide.policy import ROLE_PATH
from generator.errors import UserInputError
from generator.landing import FOUNDATION
from generator.spec import Spec, ci_role_arn, ci_role_name

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
    # the shortest such: prod's is aisec-x-prod, not aisec-x-foundation-prod (accounts)
    found = sorted((e for e in s.environments if e.endswith(f"-{root}")), key=len)
    return found[0] if found else f"aisec-{spec.name}-{root}"


def root_subjects(spec: Spec, s: CiSettings, roots: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """layout: stages: the subjects of every root's roles, keyed ``<root>-plan``/``<root>-apply``.
    A root's apply role trusts its own environment only (GitHub); plan roles keep the pull request
    and main-branch subjects (any of them may be assumed there: each reads its own state only).
    GitLab's `sub` cannot name an environment (only project_path, ref_type, ref), and IAM checks no
    other claim of a custom provider: there every apply role trusts the main branch (README)."""
    every = oidc_subjects(s)
    found: dict[str, list[str]] = {}
    for root in roots or ci_roots(spec):
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
