"""aisec: secure Terraform root modules for AI workloads on AWS."""

__version__ = "0.1.0"
