# ---------------------------------------------------------------------------------------
# NEEDS AWS. This example creates real, billed resources (a CloudHSM cluster and one HSM,
# which cost money by the hour) in your AWS account. Terraform 1.11 or later.
# ---------------------------------------------------------------------------------------
#
# The whole flow with a CA of your own whose private key lives in AWS Secrets Manager:
# Terraform reads it through an ephemeral resource and hands it to the provider as a
# write-only argument, so the key is in no plan, no saved plan file, no state and no log.
# The provider reads the cluster's CSR at apply, signs it with the key, and forgets the key.
#   1. aws_cloudhsm_v2_cluster + aws_cloudhsm_v2_hsm: the cluster and its first HSM
#   2. ephemeral aws_secretsmanager_secret_version: the CA key, for this run only
#   3. cloudhsm_cluster_initialization: signs the CSR, then InitializeCluster
#   4. cloudhsm_cluster_config: HSM type and backup retention, changeable in place later
#
# The secret holds the CA's unencrypted private key in PEM (PKCS #8, PKCS #1 or SEC1; RSA
# 2048-4096 or ECDSA P-256/P-384); ca_cert_file is that CA's self-signed certificate.

terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.83"
    }
    cloudhsm = {
      source = "cloudhsm-iac/cloudhsm"
    }
  }
}

provider "aws" {
  region = var.region
}

provider "cloudhsm" {
  region = var.region
}

# 1. The cluster and its first HSM (the CSR appears once the first HSM exists).
resource "aws_cloudhsm_v2_cluster" "this" {
  hsm_type   = "hsm2m.medium"
  subnet_ids = var.subnet_ids

  lifecycle {
    ignore_changes = [hsm_type]
  }
}

resource "aws_cloudhsm_v2_hsm" "first" {
  cluster_id = aws_cloudhsm_v2_cluster.this.cluster_id
  subnet_id  = var.subnet_ids[0]
}

# 2. The CA key, read for this run only: ephemeral values never reach a plan or the state.
ephemeral "aws_secretsmanager_secret_version" "ca_key" {
  secret_id = var.ca_key_secret_id
}

# 3. Sign the CSR at apply with the CA key and initialize the cluster.
resource "cloudhsm_cluster_initialization" "this" {
  cluster_id        = aws_cloudhsm_v2_hsm.first.cluster_id
  trust_anchor      = file(var.ca_cert_file)
  ca_private_key_wo = ephemeral.aws_secretsmanager_secret_version.ca_key.secret_string
}

# 4. Configure it. Change hsm_type or the retention later: applied in place.
resource "cloudhsm_cluster_config" "this" {
  cluster_id = cloudhsm_cluster_initialization.this.cluster_id
  hsm_type   = "hsm2m.medium"

  backup_retention_policy = {
    value = 30
  }
}
