"""aisec installs like a tool: the wheel carries what it needs (modules, blueprints, the JSON Schema,
the plan gate's skip list) and works outside a checkout; the plan gate's scanners are an extra."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

from generator.spec import json_schema
from tests.conftest import BLUEPRINTS, REPO, aisec_env, json_result, run_aisec


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel as `pip wheel` builds it from this checkout (hatchling, in pip's build isolation)."""
    dist = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(REPO), "-w", str(dist)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (built,) = dist.glob("aisec-*.whl")
    return built


def _venv_on_this_environment(env_dir: Path) -> Path:
    """A fresh virtual environment that also sees this environment's packages (the dependencies,
    pip) but not aisec itself: a folder of links to them, listed in a .pth file after its own
    site-packages. (--system-site-packages would give the base interpreter's packages when the tests
    run in a virtual environment, as .ci/run does, and aisec installed there with them.)"""
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    view = env_dir / "this-environment"
    view.mkdir()
    for folder in map(Path, site.getsitepackages()):
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            name = entry.name.lower()
            if (
                name == "generator"
                or name.startswith(("aisec-", "_aisec"))
                or ("aisec" in name and "editable" in name)
            ):
                continue  # aisec: from the wheel under test only
            if not (view / entry.name).exists():
                (view / entry.name).symlink_to(entry)
    (Path(purelib) / "_this_environment.pth").write_text(f"{view}\n")
    return python


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed: aisec's own files from the wheel, its
    dependencies from this environment (--no-deps: nothing downloaded)."""
    env_dir = tmp_path_factory.mktemp("venv") / "v"
    python = _venv_on_this_environment(env_dir)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--ignore-installed", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return env_dir


def _outside_env() -> dict[str, str]:
    """No PYTHONPATH: the checkout must not be what runs."""
    env = aisec_env()
    env.pop("PYTHONPATH", None)
    return env


def test_wheel_carries_the_schema_the_blueprints_and_the_catalog(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        schema = json.loads(z.read("generator/_bundled/schema/aisec-v1.json"))
        blueprints = {
            Path(n).stem
            for n in names
            if n.startswith("generator/_bundled/blueprints/") and n.endswith(".yaml")
        }
        hint = z.read("generator/_bundled/blueprints/batch-scoring.yaml").decode().splitlines()[0]
    # the blueprints' editor hint (`# yaml-language-server: $schema=../schema/aisec-v1.json`) resolves
    # inside the installed package as it does in the checkout
    relative = hint.split("$schema=", 1)[1]
    assert posixpath.normpath(posixpath.join("generator/_bundled/blueprints", relative)) in names
    assert schema == json_schema()
    assert blueprints == set(BLUEPRINTS)
    assert {"generator/_bundled/modules/catalog.lock.json", "generator/_bundled/.checkov.yaml"} <= names


def test_installed_wheel_renders_a_blueprint_by_name_outside_a_checkout(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "somewhere"
    elsewhere.mkdir()
    python, aisec = installed / "bin" / "python", installed / "bin" / "aisec"
    where = subprocess.run(
        [str(python), "-c", "import generator; print(generator.__file__)"],
        capture_output=True, text=True, cwd=elsewhere, env=_outside_env(), timeout=60,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout + where.stderr

    listing = subprocess.run(
        [str(aisec), "blueprints", "list", "--json"],
        capture_output=True, text=True, cwd=elsewhere, env=_outside_env(), timeout=120,
    )  # fmt: skip
    assert listing.returncode == 0, listing.stderr
    items = json_result(listing)
    assert {i["name"] for i in items} == set(BLUEPRINTS)
    assert all(Path(i["path"]).is_relative_to(installed) for i in items)

    proc = subprocess.run(
        [str(aisec), "render", "batch-scoring", "-o", "tmp"],
        capture_output=True, text=True, cwd=elsewhere, env=_outside_env(), timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = elsewhere / "tmp"
    assert (out / "main.tf").is_file() and (out / ".aisec" / "manifest.json").is_file()
    vendored = {p.name for p in (out / "modules").iterdir()}
    assert {"iam", "kms", "storage", "audit", "privatelink"} <= vendored
    # the same bytes as the checkout renders, but for the spec the manifest records as the source
    here = tmp_path / "from-checkout"
    proc = run_aisec("render", str(BLUEPRINTS["batch-scoring"]), "-o", str(here))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
    assert files == {p.relative_to(here) for p in here.rglob("*") if p.is_file()}
    manifest = Path(".aisec") / "manifest.json"
    for rel in files - {manifest}:
        assert (out / rel).read_bytes() == (here / rel).read_bytes(), rel
    recorded = [json.loads((d / manifest).read_text()) for d in (out, here)]
    assert Path(recorded[0].pop("source")["spec"]).name == Path(recorded[1].pop("source")["spec"]).name
    assert recorded[0] == recorded[1]

    schema = subprocess.run(
        [str(aisec), "schema"], capture_output=True, text=True, cwd=elsewhere, env=_outside_env(), timeout=60
    )
    assert json.loads(schema.stdout) == json_schema()


def test_a_bare_name_that_is_no_blueprint_names_the_blueprints(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "render", "batch-scoreing", "-o", "x"],
        capture_output=True, text=True, cwd=tmp_path, env=aisec_env(), timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "no bundled blueprint has that name" in proc.stderr and "batch-scoring" in proc.stderr
    assert not (tmp_path / "x").exists()
    # a file of that name wins over the blueprint
    (tmp_path / "batch-scoring").write_text(Path(BLUEPRINTS["gdpr-rag-assistant"]).read_text())
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "check-spec", "batch-scoring", "--json"],
        capture_output=True, text=True, cwd=tmp_path, env=aisec_env(), timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


_WITHOUT_GATE = (
    "import sys\n"
    "sys.modules['checkov'] = sys.modules['cloudsplaining'] = None  # as if installed without the extra\n"
    "from generator.cli import main\n"
    "main(sys.argv[1:])\n"
)


def test_without_the_gate_extra_aisec_renders_and_a_plan_names_the_extra(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", _WITHOUT_GATE, *args],
            capture_output=True, text=True, cwd=tmp_path, env=aisec_env(), timeout=300,
        )  # fmt: skip

    rendered = run("render", "batch-scoring", "-o", "out")
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    assert run("check-spec", "batch-scoring").returncode == 0
    for args in (("plan", "out", "--offline"), ("drift", "out", "--offline")):
        proc = run(*args)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert "aisec[gate]" in proc.stderr and "checkov and cloudsplaining" in proc.stderr


def _install_step(workflow: Path) -> str:
    data = yaml.safe_load(workflow.read_text())
    (command,) = {s["run"] for s in data["jobs"]["check"]["steps"] if s.get("name") == "Install aisec"}
    return str(command)


def test_pipelines_install_aisec_from_the_repository_wheel_or_hashed_requirements(
    wheel: Path, tmp_path: Path
) -> None:
    """For a team that has not published aisec: the pipeline's own install command, run as the
    pipeline runs it (bash, at the repository root), installs the committed wheel."""
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    (repo / "ci").mkdir()
    (repo / "specs").mkdir()
    shutil.copy(BLUEPRINTS["fraud-inference"], repo / "specs" / "fraud.yaml")
    committed = repo / "tools" / wheel.name
    shutil.copy(wheel, committed)
    digest = hashlib.sha256(committed.read_bytes()).hexdigest()
    requirements = repo / "ci" / "aisec-requirements.txt"
    for choice in (f"tools/{wheel.name}", "ci/aisec-requirements.txt"):
        requirements.write_text(f"./tools/{wheel.name}[gate] --hash=sha256:{digest}\n")
        for platform in ("github", "gitlab"):
            proc = run_aisec(
                "ci", platform, "specs/fraud.yaml", "--repo", "acme/payments", "--install", choice,
                "-o", f"{platform}.yml", "--roles-dir", f"roles-{platform}", "--force", cwd=repo,
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            assert "there is no" not in proc.stderr  # the file is there
        command = _install_step(repo / "github.yml")
        assert command in yaml.safe_load((repo / "gitlab.yml").read_text())["default"]["before_script"]
        env_dir = tmp_path / f"venv-{Path(choice).suffix[1:]}"
        _venv_on_this_environment(env_dir)
        env = {**_outside_env(), "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        run = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", command],
            capture_output=True,
            text=True,
            cwd=repo,
            env=env,
            timeout=300,
        )
        assert run.returncode == 0, command + "\n" + run.stdout + run.stderr
        where = subprocess.run(
            [str(env_dir / "bin" / "python"), "-c", "import generator; print(generator.__file__)"],
            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
        )  # fmt: skip
        assert Path(where.stdout.strip()).is_relative_to(env_dir), where.stdout + where.stderr
        if choice.endswith(".txt"):  # the hash is checked: another wheel is refused
            requirements.write_text(f"./tools/{wheel.name}[gate] --hash=sha256:{'0' * 64}\n")
            refused = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", command], capture_output=True, text=True, cwd=repo, env=env,
                timeout=300,
            )  # fmt: skip
            assert refused.returncode != 0 and "hash" in refused.stderr.lower(), refused.stderr
