# Quickstart: initialize and configure a CloudHSM cluster with nothing but this provider.
#
# Runs against the project's CloudHSM emulator (no AWS account, no cost):
#   ./scripts/demo.sh           does everything below for you, or by hand:
#   cargo run -p cloudhsm-emulator -- --seed-cluster      prints ENDPOINT=... CLUSTER_ID=...
#   cargo run -p cloudhsm-emulator -- sign-csr --csr cluster.csr --out-dir .
#   terraform apply -var endpoint=... -var cluster_id=...
# Against AWS: drop `endpoints` and the fake keys from the provider block.

terraform {
  required_providers {
    cloudhsm = {
      source = "cloudhsm-iac/cloudhsm"
    }
  }
}

provider "cloudhsm" {
  region = "us-east-1"

  # The emulator checks that requests are signed, not by whom.
  access_key = "AKIDEMULATOR"
  secret_key = "emulator-secret"

  endpoints = {
    cloudhsmv2 = var.endpoint
  }
}

# What CloudHSM says about the cluster before we touch it.
data "cloudhsm_cluster" "this" {
  cluster_id = var.cluster_id
}

# Claims the cluster: InitializeCluster with the signed CSR and the CA that signed it.
resource "cloudhsm_cluster_initialization" "this" {
  cluster_id   = var.cluster_id
  signed_cert  = file(var.signed_cert_file)
  trust_anchor = file(var.trust_anchor_file)
}

# Configures it: HSM type (migrated in place) and how long backups are kept.
resource "cloudhsm_cluster_config" "this" {
  cluster_id = cloudhsm_cluster_initialization.this.cluster_id
  hsm_type   = var.hsm_type

  backup_retention_policy = {
    value = var.backup_retention_days
  }
}
