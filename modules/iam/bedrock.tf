# The stage's Bedrock guardrail (bar 33): sensitive-information filters for the data's categories,
# the prompt-attack filter and, for RAG, the contextual grounding check. The roles' policies deny
# any model invocation that does not name it.
resource "aws_bedrock_guardrail" "this" {
  count = local.guardrail ? 1 : 0

  name                      = "${var.name_prefix}-guardrail"
  description               = "aisec ${var.name_prefix}: required on every model invocation by the stage's roles"
  blocked_input_messaging   = "This request was blocked by the ${var.name_prefix} guardrail."
  blocked_outputs_messaging = "This response was blocked by the ${var.name_prefix} guardrail."
  kms_key_arn               = var.bedrock_guardrail.kms_key_arn
  tags                      = var.tags

  dynamic "content_policy_config" {
    for_each = var.bedrock_guardrail.prompt_attack ? [1] : []

    content {
      # Prompt attacks are judged on input only (the output strength must be NONE).
      filters_config {
        type            = "PROMPT_ATTACK"
        input_strength  = "HIGH"
        output_strength = "NONE"
      }
    }
  }

  dynamic "sensitive_information_policy_config" {
    for_each = length(var.bedrock_guardrail.pii_entities) + length(var.bedrock_guardrail.regexes) > 0 ? [1] : []

    content {
      dynamic "pii_entities_config" {
        for_each = var.bedrock_guardrail.pii_entities

        content {
          type   = pii_entities_config.key
          action = pii_entities_config.value
        }
      }

      dynamic "regexes_config" {
        for_each = var.bedrock_guardrail.regexes

        content {
          name    = regexes_config.key
          pattern = regexes_config.value
          action  = "BLOCK"
        }
      }
    }
  }

  dynamic "contextual_grounding_policy_config" {
    for_each = var.bedrock_guardrail.grounding ? [1] : []

    content {
      filters_config {
        type      = "GROUNDING"
        threshold = 0.75
      }
      filters_config {
        type      = "RELEVANCE"
        threshold = 0.5
      }
    }
  }
}
