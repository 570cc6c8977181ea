# ---------------------------------------------------------------------------------------
# NEEDS AWS. This example creates real, billed resources (a CloudHSM cluster and one HSM,
# which cost money by the hour) in your AWS account. For a free, offline walk-through use
# ../quickstart with ./scripts/demo.sh instead.
# ---------------------------------------------------------------------------------------
#
# The whole flow, from nothing to an initialized and configured cluster:
#   1. aws_cloudhsm_v2_cluster + aws_cloudhsm_v2_hsm: the cluster and its first HSM
#   2. data.cloudhsm_cluster: the cluster's certificate signing request (CSR)
#   3. tls_*: a CA of your own, and the CSR signed by it
#   4. cloudhsm_cluster_initialization: InitializeCluster with the signed certificate
#   5. cloudhsm_cluster_config: HSM type and backup retention, changeable in place later
#
# The CA's private key ends up in the Terraform state. That is fine for a test cluster;
# for production sign the CSR offline (or in your PKI) and pass the certificates in with
# file(), as in ../resources/cloudhsm_cluster_initialization.

terraform {
  required_version = ">= 1.4"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
    tls = {
      source  = "hashicorp/tls"
      version = ">= 4.0"
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

  tags = {
    Name = "terraform-cloudhsm-example"
  }

  # cloudhsm_cluster_config manages the HSM type from here on, in place.
  lifecycle {
    ignore_changes = [hsm_type]
  }
}

resource "aws_cloudhsm_v2_hsm" "first" {
  cluster_id = aws_cloudhsm_v2_cluster.this.cluster_id
  subnet_id  = var.subnet_ids[0]
}

# 2. The CSR. Read after the first HSM exists.
data "cloudhsm_cluster" "this" {
  cluster_id = aws_cloudhsm_v2_hsm.first.cluster_id
}

# CloudHSM shows the CSR only until the cluster is initialized. Keep the first one seen, so
# that later plans do not try to sign again.
resource "terraform_data" "cluster_csr" {
  input = data.cloudhsm_cluster.this.cluster_csr

  lifecycle {
    ignore_changes = [input]
  }
}

# 3. A throwaway CA and the signed cluster certificate.
resource "tls_private_key" "ca" {
  algorithm = "RSA"
  rsa_bits  = 2048
}

resource "tls_self_signed_cert" "ca" {
  private_key_pem       = tls_private_key.ca.private_key_pem
  is_ca_certificate     = true
  validity_period_hours = 24 * 365 * 10

  subject {
    common_name  = "Example CloudHSM customer CA"
    organization = "Example"
  }

  allowed_uses = ["cert_signing", "crl_signing", "digital_signature"]
}

resource "tls_locally_signed_cert" "cluster" {
  cert_request_pem      = terraform_data.cluster_csr.output
  ca_private_key_pem    = tls_private_key.ca.private_key_pem
  ca_cert_pem           = tls_self_signed_cert.ca.cert_pem
  validity_period_hours = 24 * 365 * 10

  allowed_uses = ["digital_signature", "key_encipherment"]
}

# 4. Initialize the cluster (waits until it is INITIALIZED).
resource "cloudhsm_cluster_initialization" "this" {
  cluster_id   = aws_cloudhsm_v2_cluster.this.cluster_id
  signed_cert  = tls_locally_signed_cert.cluster.cert_pem
  trust_anchor = tls_self_signed_cert.ca.cert_pem
}

# 5. Configure it. Change hsm_type or the retention later: applied in place.
resource "cloudhsm_cluster_config" "this" {
  cluster_id = cloudhsm_cluster_initialization.this.cluster_id
  hsm_type   = "hsm2m.medium"

  backup_retention_policy = {
    value = 30
  }
}
