terraform {
  required_providers {
    cloudhsm = {
      source = "cloudhsm-iac/cloudhsm"
    }
  }
}

# Credentials and region come from the standard AWS chain (environment, shared config and
# credentials files, SSO, instance roles), exactly as for the AWS provider.
provider "cloudhsm" {
  region = "eu-west-1"

  # Optional: assume a role for CloudHSM calls.
  # assume_role {
  #   role_arn = "arn:aws:iam::123456789012:role/cloudhsm-admin"
  # }
}
