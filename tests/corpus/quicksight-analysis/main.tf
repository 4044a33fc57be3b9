# A QuickSight analysis written as code: one data set, a calculated field, an integer parameter and
# a sheet with a KPI and a bar chart (the `definition` blocks nest as in the provider).
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

data "aws_caller_identity" "current" {}

variable "sales_data_set_arn" {
  type    = string
  default = "arn:aws:quicksight:eu-west-1:111122223333:dataset/sales"
}

resource "aws_quicksight_analysis" "sales" {
  analysis_id    = "sales-overview"
  name           = "Sales overview"
  aws_account_id = data.aws_caller_identity.current.account_id

  definition {
    data_set_identifiers_declarations {
      data_set_arn = var.sales_data_set_arn
      identifier   = "sales"
    }

    calculated_fields {
      data_set_identifier = "sales"
      name                = "margin"
      expression          = "{revenue} - {cost}"
    }

    parameter_declarations {
      integer_parameter_declaration {
        name                 = "top_n"
        parameter_value_type = "SINGLE_VALUED"
        default_values {
          static_values = [10]
        }
      }
    }

    sheets {
      sheet_id = "overview"
      name     = "Overview"

      visuals {
        kpi_visual {
          visual_id = "total-revenue"
          title {
            format_text {
              plain_text = "Total revenue"
            }
          }
          chart_configuration {
            field_wells {
              values {
                numerical_measure_field {
                  field_id = "revenue-sum"
                  column {
                    data_set_identifier = "sales"
                    column_name         = "revenue"
                  }
                  aggregation_function {
                    simple_numerical_aggregation = "SUM"
                  }
                }
              }
            }
          }
        }
      }

      visuals {
        bar_chart_visual {
          visual_id = "revenue-by-region"
          chart_configuration {
            orientation = "HORIZONTAL"
            field_wells {
              bar_chart_aggregated_field_wells {
                category {
                  categorical_dimension_field {
                    field_id = "region"
                    column {
                      data_set_identifier = "sales"
                      column_name         = "region"
                    }
                  }
                }
                values {
                  numerical_measure_field {
                    field_id = "region-revenue"
                    column {
                      data_set_identifier = "sales"
                      column_name         = "revenue"
                    }
                    aggregation_function {
                      simple_numerical_aggregation = "SUM"
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

output "analysis_id" {
  value = aws_quicksight_analysis.sales.analysis_id
}
