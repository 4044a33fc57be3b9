"""The CloudWatch Logs JSON filter-pattern matcher (generator/checks/metricfilter.py) on its own."""

from __future__ import annotations

import pytest

from generator.checks.metricfilter import PatternError, matches, parse
from generator.errors import UserInputError

EVENT = {
    "eventName": "PutBucketPolicy",
    "eventSource": "s3.amazonaws.com",
    "errorCode": "Client.UnauthorizedOperation",
    "userIdentity": {"type": "AssumedRole", "sessionContext": {"mfa": True}},
    "resources": [{"ARN": "arn:aws:s3:::a"}, {"ARN": "arn:aws:s3:::b"}],
    "requestParameters": {"bucketName": "a", "size": 12, "note": None},
    "readOnly": False,
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{ $.eventName = PutBucketPolicy }", True),
        ('{ $.eventName = "PutBucketPolicy" }', True),
        ("{ $.eventName = putbucketpolicy }", False),  # case-sensitive
        ("{ $.eventName = PutBucket }", False),  # whole value, not a substring
        ("{ $.eventName = PutBucket* }", True),
        ('{ $.errorCode = "*UnauthorizedOperation" }', True),
        ('{ $.errorCode = "*Unauthorized*" }', True),
        ('{ $.errorCode = "Client.*Operation" }', True),
        ('{ $.errorCode = "AccessDenied*" }', False),
        ("{ $.eventName != PutBucketPolicy }", False),
        ("{ $.eventName != DeleteBucketPolicy }", True),
        ("{ $.missing = x }", False),  # comparisons never match an absent field...
        ("{ $.missing != x }", False),  # ...not even !=
        ("{ $.missing NOT EXISTS }", True),
        ("{ $.eventName NOT EXISTS }", False),
        ("{ $.requestParameters.note IS NULL }", True),
        ("{ $.requestParameters.bucketName IS NULL }", False),
        ("{ $.requestParameters.absent IS NULL }", False),
        ("{ $.userIdentity.sessionContext.mfa IS TRUE }", True),
        ("{ $.readOnly IS FALSE }", True),
        ("{ $.readOnly IS TRUE }", False),
        ("{ $.userIdentity.type = AssumedRole }", True),
        ("{ $.resources[1].ARN = arn:aws:s3:::b }", True),
        ("{ $.resources[0].ARN = arn:aws:s3:::b }", False),
        ("{ $.resources[5].ARN NOT EXISTS }", True),
        ("{ $.requestParameters.size = 12 }", True),
        ("{ $.requestParameters.size > 10 }", True),
        ("{ $.requestParameters.size <= 11.5 }", False),
        ("{ $.requestParameters.size >= 12 && $.requestParameters.size < 13 }", True),
        ("{ $.requestParameters.bucketName > 1 }", False),  # text is no number
        ("{ ($.eventName = A) || ($.eventName = PutBucketPolicy) }", True),
        ("{ ($.eventName = A) || ($.eventName = B) }", False),
        (
            "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = A) || ($.eventName = PutBucketPolicy)) }",
            True,
        ),
        (
            "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = A) || ($.eventName = PutBucketPolicy)) }",
            False,
        ),
        ("{($.eventName=PutBucketPolicy)&&($.readOnly IS FALSE)}", True),  # no spaces needed
        ('{ $.eventName = "Put Bucket" }', False),
    ],
)
def test_pattern_against_event(pattern: str, expected: bool) -> None:
    assert matches(pattern, EVENT) is expected


def test_and_binds_tighter_than_or_and_mixing_is_flagged() -> None:
    # The CIS v3 text of 4.1 mixes || and && at one level: under the usual precedence its
    # exclusions bind only to the second error code. The matcher reads it so and flags it.
    cis_text = (
        '{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && '
        '($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }'
    )
    pattern = parse(cis_text)
    assert pattern.ambiguous
    delivery = {"errorCode": "Client.UnauthorizedOperation", "sourceIPAddress": "delivery.logs.amazonaws.com",
                "eventName": "PutObject"}  # fmt: skip
    assert pattern.matches(delivery)  # the exclusion does not reach the first alternative
    grouped = parse(
        '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && '
        '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }'
    )
    assert not grouped.ambiguous and not grouped.matches(delivery)
    assert not parse("{ ($.a = 1) || (($.b = 2) && ($.c = 3)) }").ambiguous
    assert not parse("{ $.a = 1 && $.b = 2 && $.c NOT EXISTS }").ambiguous


def test_events_as_json_text() -> None:
    assert matches("{ $.eventName = X }", '{"eventName": "X"}')
    assert not matches("{ $.eventName = X }", "not json at all")
    assert not matches("{ $.eventName = X }", "[1, 2]")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("ERROR", "only JSON patterns"),
        ("[ip, user, ...]", "only JSON patterns"),
        ("{ $.a = 1 ", "expected } at the end"),
        ("{ $.a = 1 } extra", "unexpected text after the closing brace"),
        ("{ ($.a = 1 }", "expected ) at character 12"),
        ("{ $.a 1 }", "expected =, !=, <, <=, >, >=, IS NULL or NOT EXISTS"),
        ("{ $.a IS MISSING }", "expected IS NULL, NOT EXISTS, IS TRUE or IS FALSE"),
        ("{ $.a = }", "expected a value"),
        ('{ $.a > "x" }', "> compares numbers, not text"),
        ("{ $.a < abc }", "< compares numbers, not text"),
        ("{ $.a = %ab+c% }", "%regex% values are not supported"),
        ("{ eventName = x }", "expected a field selector ($.name) at character 3"),
        ("{ $.a = 1 && }", "expected a field selector ($.name) at character 14"),
    ],
)
def test_bad_patterns_say_what_and_where(pattern: str, message: str) -> None:
    with pytest.raises(PatternError) as caught:
        parse(pattern)
    assert message in str(caught.value)
    assert isinstance(caught.value, UserInputError)  # exit 2 at the CLI, never a traceback
