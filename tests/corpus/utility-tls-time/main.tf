# A private key and self-signed certificate from the tls provider, stored in Secrets Manager and
# rotated every 90 days with time_rotating; the key output is marked sensitive.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
    tls = {
      source = "hashicorp/tls"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.9"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "common_name" {
  type    = string
  default = "inference.internal.example.com"
}

resource "time_rotating" "key" {
  rotation_days = 90
}

resource "time_static" "created" {}

resource "tls_private_key" "service" {
  algorithm = "RSA"
  rsa_bits  = 3072

  lifecycle {
    replace_triggered_by = [time_rotating.key]
  }
}

resource "tls_self_signed_cert" "service" {
  private_key_pem       = tls_private_key.service.private_key_pem
  validity_period_hours = 24 * 90
  allowed_uses          = ["key_encipherment", "digital_signature", "server_auth"]

  subject {
    common_name  = var.common_name
    organization = "Example Corp"
  }
}

resource "aws_secretsmanager_secret" "tls" {
  name                    = "inference/tls"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "tls" {
  secret_id = aws_secretsmanager_secret.tls.id
  secret_string = jsonencode({
    key         = tls_private_key.service.private_key_pem
    certificate = tls_self_signed_cert.service.cert_pem
    rotated_at  = time_rotating.key.rfc3339
  })
}

output "private_key_pem" {
  value     = tls_private_key.service.private_key_pem
  sensitive = true
}

output "certificate_pem" {
  value = tls_self_signed_cert.service.cert_pem
}

output "created" {
  value = time_static.created.rfc3339
}
