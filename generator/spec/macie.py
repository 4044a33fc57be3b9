"""Macie custom data identifiers: what a workload's data looks like, checked so that an identifier
AWS would reject (or one that matches nearly anything) fails at load time."""

import re
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
)

from generator.spec.types import DataCategory, Strict, _no_control_chars, _slug, _unique_list, empty_list

# --------------------------------------------------------------------------- Macie identifiers
# Amazon Macie's limits for custom data identifiers (CreateCustomDataIdentifier, Macie user guide
# "Configuration options for custom data identifiers"): a regex of 1-512 characters in a PCRE subset
# without backreferences, capturing groups, conditionals, lookaround or flags; 1-50 keywords of 3-90
# characters (not case sensitive), 1-10 ignore words of 4-90 characters (case sensitive), a maximum
# match distance of 1-300 characters (default 50), and at most 30 custom identifiers per job.
MACIE_REGEX_MAX = 512
MACIE_KEYWORDS_MAX = 50
MACIE_IGNORE_WORDS_MAX = 10
MACIE_IDENTIFIERS_PER_JOB = 30
MACIE_MIN_MATCH = 4  # shortest text an identifier may match: fewer characters match nearly anything


def _walk_regex(items: Any) -> Iterable[tuple[Any, Any]]:
    import re._parser as sre  # the stdlib's own parser: the same reading re.compile makes

    for item in items:
        if isinstance(item, sre.SubPattern):
            yield from _walk_regex(item.data)
        elif isinstance(item, tuple) and len(item) == 2 and not isinstance(item[0], (tuple, list)):
            op, av = item
            yield op, av
            yield from _walk_regex(av if isinstance(av, (list, tuple)) else [av])
        elif isinstance(item, (list, tuple)):
            yield from _walk_regex(item)


def macie_regex_problem(pattern: str) -> str | None:
    """Why Macie would refuse ``pattern``, or why it is too trivial to use; None when it is fine.

    Python's ``re`` stands in for Macie's PCRE subset: both must compile it, and the constructs Macie
    does not support are refused by name.
    """
    import re._constants as c
    import re._parser as sre

    if not 1 <= len(pattern) <= MACIE_REGEX_MAX:
        return f"must be 1-{MACIE_REGEX_MAX} characters (Macie's limit), not {len(pattern)}"
    try:
        compiled = re.compile(pattern)
        parsed = sre.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"does not compile as a regular expression: {exc}"
    if parsed.state.flags & ~c.SRE_FLAG_UNICODE:
        return "inline flags such as (?i) are not supported by Macie; keywords are already case insensitive"
    for op, av in _walk_regex(parsed.data):
        if op is c.SUBPATTERN:
            group, add_flags, del_flags, _ = av
            if group is not None:
                return "capturing groups are not supported by Macie; write (?:...) instead of (...)"
            if add_flags or del_flags:
                return "inline flags such as (?i:...) are not supported by Macie"
        elif op in (c.GROUPREF, c.GROUPREF_EXISTS):
            return "backreferences and conditional patterns are not supported by Macie"
        elif op in (c.ASSERT, c.ASSERT_NOT):
            return "lookahead and lookbehind assertions are not supported by Macie"
    if compiled.fullmatch("") is not None or compiled.search("") is not None:
        return "matches the empty string, so it would match everywhere"
    shortest = parsed.getwidth()[0]
    if shortest < MACIE_MIN_MATCH:
        return (
            f"can match as few as {shortest} character(s); a custom data identifier must match at least "
            f"{MACIE_MIN_MATCH}, or it reports nearly any text"
        )
    return None


def _macie_regex(value: str) -> str:
    _no_control_chars(value)
    problem = macie_regex_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _length(low: int, high: int, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not low <= len(value) <= high:
            raise ValueError(f"{what} must be {low}-{high} characters (Macie's limit), not {len(value)}")
        return value

    return AfterValidator(check)


MacieKeyword = Annotated[str, AfterValidator(_no_control_chars), _length(3, 90, "a keyword")]
MacieIgnoreWord = Annotated[str, AfterValidator(_no_control_chars), _length(4, 90, "an ignore word")]


class MacieIdentifier(Strict):
    """A Macie custom data identifier: a pattern Macie reports in addition to its managed ones."""

    name: Annotated[str, _slug(32)] = Field(
        description="Identifier name (the workload's name is prefixed); one of the data categories' "
        "defaults (mrn, merchant-id, account-number) replaces that default."
    )
    regex: Annotated[str, AfterValidator(_macie_regex)] = Field(
        description="Pattern to report, in Macie's PCRE subset (no capturing groups, backreferences, "
        "lookaround or flags), 1-512 characters, matching at least 4 characters and never the empty string.",
    )
    keywords: Annotated[list[MacieKeyword], AfterValidator(_unique_list)] = Field(
        default_factory=empty_list,
        max_length=MACIE_KEYWORDS_MAX,
        description="Words (3-90 characters, not case sensitive) one of which must precede a match within "
        "maximum_match_distance characters; empty: every match is reported.",
    )
    ignore_words: Annotated[list[MacieIgnoreWord], AfterValidator(_unique_list)] = Field(
        default_factory=empty_list,
        max_length=MACIE_IGNORE_WORDS_MAX,
        description="Matches containing one of these (4-90 characters, case sensitive) are not reported.",
    )
    maximum_match_distance: int = Field(
        default=50, ge=1, le=300, description="Most characters between a keyword's end and the match's end."
    )
    description: Annotated[str, AfterValidator(_no_control_chars)] = Field(
        default="", max_length=512, description="What the identifier finds (shown in Macie)."
    )


# Account numbers look the same for card and other financial data: one identifier serves both.
ACCOUNT_NUMBER = MacieIdentifier(
    name="account-number",
    regex=r"\b[0-9]{6,17}\b",
    keywords=["account number", "account no", "acct", "account id", "customer account", "account_number"],
    maximum_match_distance=20,
    description="Customer or card account number: 6-17 digits near account number, acct or account id.",
)
# The custom data identifiers each data category adds to Macie's managed ones (bar 34): record and
# account numbers whose format is the organization's own, which no managed identifier knows. Each
# needs a keyword close before it, so plain numbers elsewhere are not reported.
DEFAULT_IDENTIFIERS: dict[DataCategory, tuple[MacieIdentifier, ...]] = {
    DataCategory.PHI: (
        MacieIdentifier(
            name="mrn",
            regex=r"\b[A-Z]{0,3}-?[0-9]{6,10}\b",
            keywords=[
                "MRN",
                "medical record",
                "medical record number",
                "med rec",
                "patient id",
                "patient number",
                "chart number",
                "health record",
            ],
            maximum_match_distance=30,
            description="Medical record number: 6-10 digits, optionally after a prefix of up to 3 capitals, "
            "near MRN, medical record, patient id or chart number.",
        ),
    ),
    DataCategory.CARDHOLDER: (
        MacieIdentifier(
            name="merchant-id",
            regex=r"\b[0-9]{8,16}\b",
            keywords=[
                "merchant id",
                "merchant number",
                "merchant no",
                "MID",
                "merchant_id",
                "card acceptor id",
            ],
            maximum_match_distance=20,
            description="Merchant identifier (MID): 8-16 digits near merchant id, MID or card acceptor id.",
        ),
        ACCOUNT_NUMBER,
    ),
    DataCategory.FINANCIAL: (ACCOUNT_NUMBER,),
}


class MacieSettings(Strict):
    """What Macie looks for in the workload's buckets, beyond its managed data identifiers."""

    default_identifiers: bool = Field(
        default=True,
        description="Use the data categories' default custom identifiers (phi: mrn; cardholder: merchant-id "
        "and account-number; financial: account-number).",
    )
    identifiers: list[MacieIdentifier] = Field(
        default_factory=empty_list,
        description="More custom data identifiers; one named like a default replaces it.",
    )
    ignore_words: Annotated[list[MacieIgnoreWord], AfterValidator(_unique_list)] = Field(
        default_factory=empty_list,
        max_length=MACIE_IGNORE_WORDS_MAX,
        description="Allow list of literal text (4-90 characters, case sensitive, e.g. the marker of your "
        "synthetic records) added to every custom identifier's ignore words.",
    )
    archive_synthetic: bool | None = Field(
        default=None,
        description="Archive (suppress) sensitive-data findings in the dev and test buckets, which hold "
        "synthetic data: they still exist in Macie and the exported results but raise no alert. Default: "
        "on when data.non_production is synthetic.",
    )
