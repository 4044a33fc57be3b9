# Custom data identifiers from a map, with for_each; an allow list of ignore words.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "eu-central-1"
}

variable "identifiers" {
  type = map(object({
    regex        = string
    keywords     = list(string)
    ignore_words = optional(list(string), [])
    distance     = optional(number, 50)
  }))
  default = {
    employee-id = {
      regex    = "EMP-[0-9]{6}"
      keywords = ["employee", "staff id"]
    }
    policy-number = {
      regex        = "PN[A-Z]{2}[0-9]{8}"
      keywords     = ["policy"]
      ignore_words = ["PNXX00000000"]
      distance     = 30
    }
  }
}

resource "aws_macie2_account" "this" {}

resource "aws_macie2_custom_data_identifier" "this" {
  for_each = var.identifiers

  name                   = each.key
  description            = "Custom identifier ${each.key}"
  regex                  = each.value.regex
  keywords               = each.value.keywords
  ignore_words           = length(each.value.ignore_words) > 0 ? each.value.ignore_words : null
  maximum_match_distance = each.value.distance

  depends_on = [aws_macie2_account.this]
}

output "identifier_ids" {
  value = { for k, v in aws_macie2_custom_data_identifier.this : k => v.id }
}
