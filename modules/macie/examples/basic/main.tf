provider "aws" {
  region = "us-east-1"
}

module "macie" {
  source = "../.."

  account_id  = "111122223333"
  name_prefix = "example"
  export = {
    bucket_name = "example-findings-111122223333"
    kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
  alerts = {
    topic_arn = "arn:aws:sns:us-east-1:111122223333:example-security-alerts"
  }
  custom_data_identifiers = {
    mrn = {
      regex                  = "\\b[A-Z]{0,3}-?[0-9]{6,10}\\b"
      keywords               = ["MRN", "medical record", "patient id"]
      maximum_match_distance = 30
      description            = "Medical record number near MRN, medical record or patient id"
    }
  }
  jobs = {
    datasets = {
      bucket_names            = ["example-datasets-111122223333"]
      schedule                = "DAILY"
      custom_data_identifiers = ["mrn"]
    }
  }
}

output "job_ids" {
  value = module.macie.job_ids
}
