# examples/complete-own-ca under `terraform test` against the CloudHSM emulator: both
# providers real, pointed at it. Terraform 1.11 or later. The provider reads the cluster's CSR
# at apply, signs it with the CA key the AWS provider read from the emulator's Secrets
# Manager (tests/fixtures/customerCA.key, seeded as cloudhsm-test/ca-key), and forgets the key.
#
#   ./scripts/emulator.sh
#   terraform test -filter=tests/emulator.tftest.hcl -var-file=../../target/emulator/emulator.tfvars

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "AKIDEMULATOR"
  secret_key                  = "emulator-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    cloudhsmv2     = var.emulator_endpoint
    secretsmanager = var.emulator_endpoint
    sts            = var.emulator_sts_endpoint
  }
}

provider "cloudhsm" {
  region     = "eu-west-1"
  access_key = "AKIDEMULATOR"
  secret_key = "emulator-secret"

  endpoints {
    cloudhsmv2 = var.emulator_endpoint
  }
}

variables {
  subnet_ids       = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  ca_key_secret_id = "cloudhsm-test/ca-key"
  ca_cert_file     = "tests/fixtures/customerCA.crt"
}

run "signs_with_the_ca_key_and_initializes" {
  assert {
    condition     = contains(["INITIALIZED", "ACTIVE"], cloudhsm_cluster_initialization.this.state)
    error_message = "The cluster is not initialized."
  }

  assert {
    condition     = cloudhsm_cluster_initialization.this.cluster_certificate != null && startswith(output.cluster_certificate, "-----BEGIN CERTIFICATE-----")
    error_message = "There is no cluster certificate."
  }

  assert {
    condition     = cloudhsm_cluster_config.this.hsm_type == "hsm2m.medium" && cloudhsm_cluster_config.this.backup_retention_policy.value == 30
    error_message = "The cluster is not configured as asked."
  }
}
