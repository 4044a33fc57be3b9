"""The corpus, part 2 of 3 (see tests/corpus_check.py): its roots validate and plan offline, and
their broken variants fail with the real provider's or Terraform's diagnostic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import corpus_check

ROOTS = corpus_check.part(2)


@pytest.mark.terraform
@pytest.mark.parametrize("name", corpus_check.root_params(ROOTS))
def test_root_validates_and_plans(name: str) -> None:
    corpus_check.check_root(name)


@pytest.mark.terraform
@pytest.mark.parametrize("case", corpus_check.cases(ROOTS))
def test_broken_variant_fails_with_the_real_diagnostic(case: dict[str, Any], tmp_path: Path) -> None:
    corpus_check.check_broken(case, tmp_path)
