# A knowledge base over an OpenSearch Serverless collection and an agent that uses it, with a
# guardrail, the agent's role scoped to its foundation model.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "us-west-2"
}

variable "embedding_model" {
  type    = string
  default = "amazon.titan-embed-text-v2:0"
}

variable "agent_model" {
  type    = string
  default = "anthropic.claude-3-5-sonnet-20240620-v1:0"
}

variable "collection_arn" {
  type    = string
  default = "arn:aws:aoss:us-west-2:111122223333:collection/kb0a1b2c3d4e5f6"
}

data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_bedrock_foundation_model" "embedding" {
  model_id = var.embedding_model
}

locals {
  agent_model_arn = "arn:${data.aws_partition.current.partition}:bedrock:${data.aws_region.current.region}::foundation-model/${var.agent_model}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "kb" {
  name               = "kb-docs"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role" "agent" {
  name               = "agent-docs"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "agent" {
  role = aws_iam_role.agent.id
  name = "invoke-model"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "bedrock:InvokeModel", Resource = local.agent_model_arn },
      { Effect = "Allow", Action = "bedrock:Retrieve", Resource = aws_bedrockagent_knowledge_base.docs.arn },
    ]
  })
}

resource "aws_bedrockagent_knowledge_base" "docs" {
  name     = "docs"
  role_arn = aws_iam_role.kb.arn

  knowledge_base_configuration {
    type = "VECTOR"
    vector_knowledge_base_configuration {
      embedding_model_arn = data.aws_bedrock_foundation_model.embedding.model_arn
    }
  }

  storage_configuration {
    type = "OPENSEARCH_SERVERLESS"
    opensearch_serverless_configuration {
      collection_arn    = var.collection_arn
      vector_index_name = "docs-index"
      field_mapping {
        vector_field   = "embedding"
        text_field     = "text"
        metadata_field = "metadata"
      }
    }
  }
}

resource "aws_bedrockagent_data_source" "docs" {
  knowledge_base_id = aws_bedrockagent_knowledge_base.docs.id
  name              = "docs-bucket"

  data_source_configuration {
    type = "S3"
    s3_configuration {
      bucket_arn = "arn:aws:s3:::docs-111122223333"
    }
  }
}

resource "aws_bedrock_guardrail" "agent" {
  name                      = "agent"
  blocked_input_messaging   = "Blocked."
  blocked_outputs_messaging = "Blocked."

  content_policy_config {
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = "HIGH"
      output_strength = "NONE"
    }
  }
}

resource "aws_bedrockagent_agent" "docs" {
  agent_name                  = "docs-assistant"
  agent_resource_role_arn     = aws_iam_role.agent.arn
  foundation_model            = var.agent_model
  instruction                 = "Answer questions from the product documentation only, citing the source document."
  idle_session_ttl_in_seconds = 600

  guardrail_configuration = [{
    guardrail_identifier = aws_bedrock_guardrail.agent.guardrail_id
    guardrail_version    = "DRAFT"
  }]
}

resource "aws_bedrockagent_agent_knowledge_base_association" "docs" {
  agent_id             = aws_bedrockagent_agent.docs.agent_id
  knowledge_base_id    = aws_bedrockagent_knowledge_base.docs.id
  description          = "Product documentation"
  knowledge_base_state = "ENABLED"
}
