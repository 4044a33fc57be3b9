"""aws_iam_policy_document semantics of the stand-in, as the AWS provider documents them."""

from __future__ import annotations

import json

import pytest

from generator.offline.policydoc import PolicyDocumentError, render


def doc(cfg: dict) -> dict:  # type: ignore[type-arg]
    pretty, minified = render(cfg)
    assert json.loads(pretty) == json.loads(minified)
    assert "\n" not in minified
    return json.loads(pretty)  # type: ignore[no-any-return]


def test_statement_shapes() -> None:
    d = doc({
        "policy_id": "p1",
        "statement": [{
            "sid": "A", "effect": None, "actions": ["s3:GetObject", "s3:ListBucket"], "resources": ["arn:aws:s3:::b"],
            "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]},
                           {"type": "Service", "identifiers": ["b.amazonaws.com", "a.amazonaws.com"]}],
            "condition": [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["1"]},
                          {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["2"]},
                          {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
        }],
    })  # fmt: skip
    assert d["Version"] == "2012-10-17" and d["Id"] == "p1"
    s = d["Statement"][0]
    assert s["Effect"] == "Allow" and s["Resource"] == "arn:aws:s3:::b"
    assert s["Action"] == ["s3:ListBucket", "s3:GetObject"]  # the provider's reverse order
    assert s["Principal"] == {"AWS": "arn:aws:iam::1:root", "Service": ["b.amazonaws.com", "a.amazonaws.com"]}
    assert s["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"},
        "StringEquals": {"aws:SourceAccount": ["2", "1"]},
    }


def test_wildcard_principal_and_not_elements() -> None:
    s = doc({"statement": [{"effect": "Deny", "not_actions": ["iam:*"], "not_resources": ["arn:aws:s3:::x"],
                            "principals": [{"type": "*", "identifiers": ["*"]}]}]})["Statement"][0]  # fmt: skip
    assert s == {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::x", "Principal": "*"}


def test_interpolation_syntax() -> None:
    s = doc({"statement": [{"actions": ["s3:*"], "resources": ["arn:aws:s3:::b/home/&{aws:username}/*"]}]})
    assert s["Statement"][0]["Resource"] == "arn:aws:s3:::b/home/${aws:username}/*"


def test_source_and_override_documents() -> None:
    source = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Keep", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Sid": "Replace", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]})  # fmt: skip
    override = json.dumps(
        {"Statement": {"Sid": "Keep", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}}
    )
    d = doc({
        "source_policy_documents": [source],
        "override_policy_documents": [override],
        "statement": [{"sid": "Replace", "actions": ["s3:DeleteObject"], "resources": ["*"]},
                      {"sid": "New", "actions": ["s3:GetBucketAcl"], "resources": ["*"]}],
    })  # fmt: skip
    by_sid = {s.get("Sid", ""): s for s in d["Statement"]}
    assert [s.get("Sid", "") for s in d["Statement"]] == ["Keep", "Replace", "", "New"]
    assert by_sid["Keep"]["Effect"] == "Deny"  # override wins
    assert by_sid["Replace"]["Action"] == "s3:DeleteObject"  # own statement replaces the source's
    assert by_sid[""]["Action"] == "s3:ListBucket"  # a source statement without Sid is kept


def test_duplicate_sids_are_refused() -> None:
    with pytest.raises(PolicyDocumentError, match="duplicate sid"):
        render({"statement": [{"sid": "A", "actions": ["s3:*"]}, {"sid": "A", "actions": ["s3:*"]}]})
    with pytest.raises(PolicyDocumentError, match="not a JSON policy document"):
        render({"source_policy_documents": ["{not json"]})
