# ---------------------------------------------------------------------------------------
# NEEDS AWS. This example creates real, billed resources (a CloudHSM cluster and one HSM,
# which cost money by the hour) in your AWS account. For a free, offline walk-through use
# ../quickstart with ./scripts/demo.sh instead.
# ---------------------------------------------------------------------------------------
#
# The whole flow, from nothing to an initialized and configured cluster, with no CA private
# key anywhere: not in a plan, not in the state, not on anyone's disk.
#   1. aws_cloudhsm_v2_cluster + aws_cloudhsm_v2_hsm: the cluster and its first HSM
#   2. cloudhsm_one_time_root: reads the cluster's CSR, makes a root CA for this cluster
#      alone, signs the CSR with it and destroys the root's key. Only the root certificate
#      (the trust anchor, customerCA.crt) and the cluster certificate remain.
#   3. cloudhsm_cluster_initialization: InitializeCluster with those two certificates
#   4. cloudhsm_cluster_config: HSM type and backup retention, changeable in place later
#   5. cloudhsm_backup_copy: the newest backup copied to a second region, never expiring,
#      for disaster recovery (the keys exist only in the HSMs and their backups)
#
# To sign with a CA of your own instead (its key in your secret store, never stored by
# Terraform), see ../complete-own-ca.

terraform {
  required_version = ">= 1.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
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

# What CloudHSM says about the cluster (state, HSMs, network).
data "cloudhsm_cluster" "this" {
  cluster_id = aws_cloudhsm_v2_hsm.first.cluster_id
}

# 2. A root nobody holds. Its certificate is the cluster's trust anchor, and CloudHSM never
# returns it: the state keeps it, the output below exports it, and prevent_destroy guards it.
resource "cloudhsm_one_time_root" "this" {
  cluster_id   = aws_cloudhsm_v2_hsm.first.cluster_id
  common_name  = "Example CloudHSM root"
  organization = "Example"

  lifecycle {
    prevent_destroy = true
  }
}

# 3. Initialize the cluster (waits until it is INITIALIZED).
resource "cloudhsm_cluster_initialization" "this" {
  cluster_id   = cloudhsm_one_time_root.this.cluster_id
  signed_cert  = cloudhsm_one_time_root.this.signed_cert
  trust_anchor = cloudhsm_one_time_root.this.root_certificate
}

# 4. Configure it. Change hsm_type or the retention later: applied in place.
resource "cloudhsm_cluster_config" "this" {
  cluster_id = cloudhsm_cluster_initialization.this.cluster_id
  hsm_type   = "hsm2m.medium"

  backup_retention_policy = {
    value = 30
  }
}

# 5. Disaster recovery: the newest backup, copied to a second region and kept there
#    whatever the retention policy says. CloudHSM takes a cluster's first backup some time
#    after it is initialized: an apply that finds none yet says "No backup found"; apply
#    again once CloudHSM has taken it.
data "cloudhsm_backups" "latest" {
  cluster_id  = cloudhsm_cluster_config.this.cluster_id
  most_recent = true
}

resource "cloudhsm_backup_copy" "dr" {
  source_backup_id   = data.cloudhsm_backups.latest.backups[0].backup_id
  destination_region = var.dr_region
  never_expires      = true

  tags = {
    purpose = "disaster-recovery"
  }

  lifecycle {
    # A newer backup makes a new copy: the new one first, then the old one goes.
    create_before_destroy = true
  }
}
