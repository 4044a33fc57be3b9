"""Data sources with values real configurations can use offline.

What a data source returns, when the configuration does not give the value itself:

- networks: a VPC's ``cidr_block`` is a CIDR (the configuration's ``cidr_block`` or ``cidr`` /
  ``cidr-block`` filter, else 10.0.0.0/16; a default VPC 172.31.0.0/16), with its association,
  main route table and ARN; subnets' CIDRs are inside their VPC's, in the region's zones;
  ``aws_subnets``, ``aws_vpcs``, ``aws_route_tables`` and ``aws_security_groups`` return the ids
  the configuration filters on (``subnet-id``, ``vpc-id``, ``route-table-id``, ``group-id``), else
  ids derived from the query (three subnets, one per zone; three route tables; one VPC; one group):
  never an empty list.
- ``aws_vpc_endpoint_service``: ``com.amazonaws.<region>.<service>`` (``cn.com.amazonaws`` in
  China), Gateway for s3 and dynamodb unless the configuration says otherwise, else Interface.
- ``aws_iam_policy``: the ARN and name the configuration gives (AWS managed policies under
  ``arn:<partition>:iam::aws:policy/``) and ``policy`` as JSON: the real document for a few AWS
  managed policies (see ``MANAGED_POLICIES``), else a placeholder that grants nothing.
- ``aws_default_tags``: the provider block's ``default_tags``.
- ``aws_availability_zones`` / ``aws_availability_zone``: three zones ``<region>a..c`` with zone ids
  in AWS's form (``use1-az1``, ``euw1-az1``), exclusions honoured.
- ``aws_arn`` parses as ``provider::aws::arn_parse`` does; ``aws_iam_role``, ``aws_kms_key``,
  ``aws_s3_bucket``, ``aws_iam_session_context`` give ARNs in their services' formats.
- any other data source: every computed value of its type and shape. Lists and sets get one
  element (an id, ARN, CIDR or name shaped by the attribute's name; objects filled alike), so
  ``element(x, 0)``, ``x[0].attr`` and ``for_each = toset(x)`` work as they would against a real
  account that has the thing looked up; maps are empty; numbers 0; booleans false. One element
  rather than none: an empty list would silently drop every resource counted over it from the
  rehearsal, and ``[0]`` on it fails where AWS would have answered.
"""

from __future__ import annotations

from typing import Any

from generator.offline.datasources.identity import MANAGED_POLICIES, UNKNOWN_POLICY, IdentityReaders
from generator.offline.datasources.networks import NetworkReaders
from generator.offline.datasources.reader import zone_id_prefix
from generator.offline.datasources.unknown import fill_unknown_type, shaped_value

__all__ = [
    "MANAGED_POLICIES",
    "UNKNOWN_POLICY",
    "DataSources",
    "fill_unknown_type",
    "shaped_value",
    "zone_id_prefix",
]


class DataSources(NetworkReaders, IdentityReaders):
    """Realistic values for data sources: the readers of networks.py and identity.py by type name
    (``_aws_vpc`` reads ``aws_vpc``), over the context and the VPCs remembered in reader.py."""

    def read(self, type_name: str, cfg: dict[str, Any]) -> None:
        """Fill what the type's reader knows; the generic filler completes the rest."""
        reader = getattr(self, "_" + type_name, None)
        if reader is not None:
            reader(cfg)
