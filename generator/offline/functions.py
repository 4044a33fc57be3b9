"""The AWS provider's functions (`provider::aws::NAME(...)`), with the provider's behaviour.

The provider (terraform-provider-aws, internal/function) defines:

- ``arn_parse(arn) object``: the five parts of an ARN, as the AWS SDK's ``arn.Parse`` splits it
  (prefix ``arn:``, then at most six ``:``-separated sections, the resource keeping its colons);
  errors ``arn: invalid prefix`` and ``arn: not enough sections`` (since 5.40.0);
- ``arn_build(partition, service, region, account_id, resource) string`` (since 5.40.0);
- ``trim_iam_role_path(arn) string``: an IAM role ARN without its path; errors when the ARN does
  not parse, when its service is not ``iam``, its region is not empty or its resource does not
  begin with ``role/`` (since 5.44.0);
- ``user_agent(product_name, product_version, comment) string``: ``name/version (comment)``,
  the empty parts left out; ``product_name must be set`` (since 6.27.0).

Each function is served only by the provider versions that have it, as the registry's would.
Null and unknown arguments are Terraform's to handle (the parameters allow neither, as the
provider's do): it refuses a null and does not call a function with an unknown argument.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tf.gen import tfplugin_pb2 as pb


class FunctionError(ValueError):
    """What the provider's function returns as its error (shown by Terraform as the call's failure)."""


_ARN_PARTS = ("partition", "service", "region", "account_id", "resource")


def arn_parse(arn: str) -> dict[str, str]:
    if not arn.startswith("arn:"):
        raise FunctionError("arn: invalid prefix")
    sections = arn.split(":", 5)
    if len(sections) != 6:
        raise FunctionError("arn: not enough sections")
    return dict(zip(_ARN_PARTS, sections[1:], strict=True))


def arn_build(partition: str, service: str, region: str, account_id: str, resource: str) -> str:
    return ":".join(("arn", partition, service, region, account_id, resource))


def trim_iam_role_path(arn: str) -> str:
    parts = arn_parse(arn)
    if parts["service"] != "iam":
        raise FunctionError('service must be "iam"')
    if parts["region"] != "":
        raise FunctionError("region must be empty")
    if not parts["resource"].startswith("role/"):
        raise FunctionError('resource must begin with "role/"')
    return arn_build(
        parts["partition"],
        parts["service"],
        "",
        parts["account_id"],
        "role/" + parts["resource"].split("/")[-1],
    )


def user_agent(product_name: str, product_version: str, comment: str) -> str:
    if product_name == "":
        raise FunctionError("product_name must be set")
    text = product_name
    if product_version:
        text += "/" + product_version
    if comment:
        text += f" ({comment})"
    return text


@dataclass(frozen=True)
class ProviderFunction:
    run: Callable[..., Any]
    parameters: tuple[tuple[str, str], ...]  # (name, description); every parameter is a string
    returns: Any  # the cty type, in JSON form
    description: str
    since: tuple[int, int, int]


FUNCTIONS: dict[str, ProviderFunction] = {
    "arn_parse": ProviderFunction(
        arn_parse,
        (("arn", "ARN (Amazon Resource Name) to parse"),),
        ["object", dict.fromkeys(_ARN_PARTS, "string")],
        "Parses an ARN into its constituent parts",
        (5, 40, 0),
    ),
    "arn_build": ProviderFunction(
        arn_build,
        (
            ("partition", "Partition in which the resource is located"),
            ("service", "Service namespace"),
            ("region", "Region code"),
            ("account_id", "AWS account identifier"),
            ("resource", "Resource section, typically composed of a resource type and identifier"),
        ),
        "string",
        "Builds an ARN from its constituent parts",
        (5, 40, 0),
    ),
    "trim_iam_role_path": ProviderFunction(
        trim_iam_role_path,
        (("arn", "IAM role Amazon Resource Name (ARN)"),),
        "string",
        "Trims the path prefix from an IAM role Amazon Resource Name (ARN).",
        (5, 44, 0),
    ),
    "user_agent": ProviderFunction(
        user_agent,
        (
            ("product_name", "Product name."),
            ("product_version", "Product version."),
            ("comment", "Comment describing any additional product details."),
        ),
        "string",
        "Formats a User-Agent product for use with the user_agent argument in the provider or "
        "provider_meta block.",
        (6, 27, 0),
    ),
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("-")[0].split(".") if p.isdigit())


def served(provider_version: str) -> dict[str, ProviderFunction]:
    """The functions the given provider version has."""
    v = _version(provider_version)
    return {name: f for name, f in FUNCTIONS.items() if v >= f.since}


def definitions(provider_version: str) -> dict[str, pb.Function]:
    """The functions as the schema response carries them."""
    return {
        name: pb.Function(
            parameters=[
                pb.Function.Parameter(name=p, type=b'"string"', description=d) for p, d in f.parameters
            ],
            **{"return": pb.Function.Return(type=json.dumps(f.returns).encode())},
            summary=f"{name} Function",
            description=f.description,
        )
        for name, f in served(provider_version).items()
    }


def call(provider_version: str, name: str, arguments: list[Any]) -> Any:
    """The function's result, or FunctionError with the provider's message."""
    function = served(provider_version).get(name)
    if function is None:
        raise FunctionError(f"unknown function {name!r} in the AWS provider {provider_version}")
    if len(arguments) != len(function.parameters) or not all(isinstance(a, str) for a in arguments):
        raise FunctionError(f"{name} takes {len(function.parameters)} string arguments")
    return function.run(*arguments)
