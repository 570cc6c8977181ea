# Quickstart: initialize and configure a CloudHSM cluster with nothing but this provider.
#
# Runs against the project's CloudHSM emulator (no AWS account, no cost):
#   ./scripts/demo.sh           does everything below for you, or by hand:
#   cargo run -p cloudhsm-emulator -- --seed-cluster      prints ENDPOINT=... CLUSTER_ID=...
#   terraform apply -var endpoint=... -var cluster_id=...
# No CA, no private key to handle: the provider signs the cluster's CSR with a root made for
# this cluster alone and destroys that root's key at once.
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

  endpoints {
    cloudhsmv2 = var.endpoint
  }
}

# What CloudHSM says about the cluster before we touch it.
data "cloudhsm_cluster" "this" {
  cluster_id = var.cluster_id
}

# A root nobody holds: reads the cluster's CSR, signs it with a root CA made for this cluster,
# and destroys the root's private key. The root certificate (the trust anchor) is kept.
resource "cloudhsm_one_time_root" "this" {
  cluster_id = var.cluster_id
}

# Claims the cluster: InitializeCluster with the signed CSR and the root that signed it.
resource "cloudhsm_cluster_initialization" "this" {
  cluster_id   = cloudhsm_one_time_root.this.cluster_id
  signed_cert  = cloudhsm_one_time_root.this.signed_cert
  trust_anchor = cloudhsm_one_time_root.this.root_certificate
}

# Configures it: HSM type (migrated in place) and how long backups are kept.
resource "cloudhsm_cluster_config" "this" {
  cluster_id = cloudhsm_cluster_initialization.this.cluster_id
  hsm_type   = var.hsm_type

  backup_retention_policy = {
    value = var.backup_retention_days
  }
}
