"""The provider mirror offline runs install from: a launcher per served provider version (the AWS
versions and the utility providers) and a CLI configuration that installs those from the mirror."""

from __future__ import annotations

import hashlib
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.cache import cache_root
from generator.offline import schema as aws_schema
from generator.offline.workspace.places import write_if_changed


@dataclass(frozen=True)
class OfflineEnv:
    folder: Path
    cli_config: Path

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(base if base is not None else os.environ)
        for name in ("TF_PLUGIN_CACHE_DIR", "TF_DATA_DIR", "TF_WORKSPACE"):
            env.pop(name, None)
        env.update(TF_CLI_CONFIG_FILE=str(self.cli_config), TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
        return env


@dataclass(frozen=True)
class ServedProvider:
    """One provider version the offline mirror offers: its address, its version, what its launcher
    runs (``python -m`` and these arguments) and a key of what it serves (the environment's name
    changes with it, so a new schema or new serving code is never hidden by an old mirror)."""

    address: str  # registry.terraform.io/NAMESPACE/TYPE
    version: str
    module_args: tuple[str, ...]
    digest: str

    @property
    def name(self) -> str:
        return self.address.rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        return self.address.removeprefix("registry.terraform.io/")


def served_providers() -> list[ServedProvider]:
    """Every (address, version, launcher) the mirror offers; Terraform picks among them: the AWS
    versions, then the utility providers (generator/offline/utility)."""
    from generator.offline import utility

    aws = [
        ServedProvider(
            aws_schema.PROVIDER_ADDRESS,
            version,
            ("generator.offline.server", "aws", "--provider-version", version),
            aws_schema.digest(version),
        )
        for version in aws_schema.SERVED_VERSIONS
    ]
    return aws + [
        ServedProvider(
            u.address, u.provider_version, ("generator.offline.server", name), utility.load(name).digest
        )
        for name, u in utility.UTILITIES.items()
    ]


def prepare(platform: str) -> OfflineEnv:
    """The mirror with a launcher for each served provider version, and a CLI configuration that
    uses it."""
    served = served_providers()
    package_root = str(Path(__file__).resolve().parents[3])
    # One mirror per interpreter and per checkout: the launcher names the checkout, so two checkouts
    # sharing a cache (worktrees, CI runners) would rewrite each other's launcher, and a working
    # copy's lock file would no longer match the provider package.
    key = hashlib.sha256(
        "\0".join(
            [sys.executable, package_root, *(f"{p.address} {p.version} {p.digest}" for p in served)]
        ).encode()
    ).hexdigest()[:16]
    folder = cache_root("offline") / f"env-{key}"
    for p in served:
        plugin_dir = folder / "mirror" / p.address / p.version / platform
        script = (
            "#!/bin/sh\n"
            f"# aisec offline stand-in for {p.label} {p.version} (never reaches the real service)\n"
            f"PYTHONPATH={shlex.quote(package_root)}${{PYTHONPATH:+:$PYTHONPATH}} "
            f"exec {shlex.quote(sys.executable)} -m {' '.join(shlex.quote(a) for a in p.module_args)}"
            ' "$@"\n'
        )
        write_if_changed(plugin_dir / f"terraform-provider-{p.name}_v{p.version}", script, 0o755)
    addresses = ", ".join(f'"{a}"' for a in sorted({p.address for p in served}))
    cli_config = folder / "terraformrc"
    write_if_changed(
        cli_config,
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{folder / "mirror"}"\n'
        f"    include = [{addresses}]\n"
        "  }\n"
        "  direct {\n"
        f"    exclude = [{addresses}]\n"
        "  }\n"
        "}\n",
    )
    return OfflineEnv(folder, cli_config)
