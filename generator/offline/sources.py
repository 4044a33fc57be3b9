"""The served AWS provider versions and the PyPI packages their schemas are extracted from (the table
of extract.py, apart so the stand-in's start reads it without the extraction's code)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Source:
    """A served provider version and the PyPI package whose bundle carries its schema."""

    package: str
    package_version: str
    provider_version: str
    address: str = "registry.terraform.io/hashicorp/aws"  # the utility providers' wheels read the same way

    @property
    def out(self) -> Path:
        return DATA / f"aws-{self.provider_version}.schema.json.gz"

    @property
    def wheel_prefix(self) -> str:
        return f"{self.package.replace('-', '_')}-{self.package_version}-"


# Oldest first. 5.99.1: the last 5.x any bindings package wraps (cdktf's 19.65.1; 5.100.0 has none).
# 6.25.0: cdktf's last release (deprecated in favour of CDK Terrain). 6.69.1: CDK Terrain's newest.
SOURCES: tuple[Source, ...] = (
    Source("cdktf-cdktf-provider-aws", "19.65.1", "5.99.1"),
    Source("cdktf-cdktf-provider-aws", "21.22.1", "6.25.0"),
    Source("cdktn-provider-aws", "25.8.1", "6.69.1"),
)
BY_VERSION = {s.provider_version: s for s in SOURCES}
NEWEST = SOURCES[-1]
