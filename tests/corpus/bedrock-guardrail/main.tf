# A guardrail with content filters from a map (dynamic blocks), PII handling and a denied topic,
# plus a published version.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "filter_strength" {
  type = map(string)
  default = {
    HATE          = "HIGH"
    INSULTS       = "MEDIUM"
    SEXUAL        = "HIGH"
    VIOLENCE      = "MEDIUM"
    MISCONDUCT    = "MEDIUM"
    PROMPT_ATTACK = "HIGH"
  }
}

variable "pii_actions" {
  type = map(string)
  default = {
    EMAIL                  = "ANONYMIZE"
    PHONE                  = "ANONYMIZE"
    US_SOCIAL_SECURITY_NUM = "BLOCK"
  }
}

resource "aws_kms_key" "guardrail" {
  description         = "guardrail"
  enable_key_rotation = true
}

resource "aws_bedrock_guardrail" "assistant" {
  name                      = "assistant"
  description               = "Customer assistant guardrail"
  blocked_input_messaging   = "Sorry, I cannot help with that request."
  blocked_outputs_messaging = "Sorry, I cannot answer that."
  kms_key_arn               = aws_kms_key.guardrail.arn

  content_policy_config {
    dynamic "filters_config" {
      for_each = var.filter_strength
      content {
        type            = filters_config.key
        input_strength  = filters_config.value
        output_strength = filters_config.key == "PROMPT_ATTACK" ? "NONE" : filters_config.value
      }
    }
  }

  sensitive_information_policy_config {
    dynamic "pii_entities_config" {
      for_each = var.pii_actions
      content {
        type   = pii_entities_config.key
        action = pii_entities_config.value
      }
    }
    regexes_config {
      name    = "account-number"
      pattern = "ACC-[0-9]{10}"
      action  = "BLOCK"
    }
  }

  topic_policy_config {
    topics_config {
      name       = "investment-advice"
      type       = "DENY"
      definition = "Recommendations about specific investments or securities."
      examples   = ["Which stock should I buy?"]
    }
  }

  word_policy_config {
    managed_word_lists_config {
      type = "PROFANITY"
    }
  }
}

resource "aws_bedrock_guardrail_version" "v1" {
  guardrail_arn = aws_bedrock_guardrail.assistant.guardrail_arn
  description   = "first published version"
}

output "guardrail" {
  value = {
    id      = aws_bedrock_guardrail.assistant.guardrail_id
    version = aws_bedrock_guardrail_version.v1.version
  }
}
