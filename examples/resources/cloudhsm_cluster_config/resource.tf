resource "cloudhsm_cluster_config" "this" {
  cluster_id = var.cluster_id

  # Migrates the HSMs in place (hsm1.medium -> hsm2m.medium); the cluster and its keys stay.
  hsm_type = "hsm2m.medium"

  backup_retention_policy = {
    type  = "DAYS"
    value = 90
  }

  timeouts = {
    create = "30m"
    update = "3h"
  }
}
