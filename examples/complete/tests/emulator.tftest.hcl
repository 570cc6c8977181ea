# examples/complete under `terraform test` against the CloudHSM emulator: both providers real,
# pointed at it. Nothing leaves the machine. Start the emulator from a checkout with
# `./scripts/emulator.sh`, then pass its endpoints:
#
#   terraform test -filter=tests/emulator.tftest.hcl \
#     -var emulator_endpoint=http://127.0.0.1:PORT -var emulator_sts_endpoint=http://127.0.0.1:PORT
#
# The emulator accepts any credentials. Terraform before 1.14 cannot destroy
# cloudhsm_one_time_root.this at the end of the test (it has prevent_destroy): the run passes,
# the cleanup fails. See docs/guides/testing.md.

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "AKIDEMULATOR"
  secret_key                  = "emulator-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true

  endpoints {
    cloudhsmv2 = var.emulator_endpoint
    sts        = var.emulator_sts_endpoint
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
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}

run "initializes_configures_and_copies_the_newest_backup" {
  assert {
    condition     = data.cloudhsm_cluster.this.state == "UNINITIALIZED" && startswith(data.cloudhsm_cluster.this.cluster_csr, "-----BEGIN CERTIFICATE REQUEST-----")
    error_message = "The cluster was not read with its CSR before its initialization."
  }

  assert {
    condition     = contains(["INITIALIZED", "ACTIVE"], output.cluster_state)
    error_message = "The cluster is not initialized."
  }

  assert {
    condition     = cloudhsm_cluster_initialization.this.cluster_certificate != null
    error_message = "CloudHSM reports no cluster certificate."
  }

  assert {
    condition     = cloudhsm_cluster_config.this.hsm_type == "hsm2m.medium" && cloudhsm_cluster_config.this.backup_retention_policy.value == 30
    error_message = "The cluster is not configured as asked."
  }

  assert {
    condition     = cloudhsm_backup_copy.dr.state == "READY" && cloudhsm_backup_copy.dr.never_expires
    error_message = "The copy is not READY and never expiring."
  }

  assert {
    condition     = cloudhsm_backup_copy.dr.source_backup_id == data.cloudhsm_backups.latest.backups[0].backup_id
    error_message = "The copy is not of the newest backup."
  }
}
