# Keep the backup taken right after the cluster was initialized, whatever the cluster's
# backup retention policy says.
data "cloudhsm_backups" "first" {
  cluster_id = var.cluster_id
  state      = "READY"
}

resource "cloudhsm_backup_retention_exemption" "first" {
  backup_id = data.cloudhsm_backups.first.ids[length(data.cloudhsm_backups.first.ids) - 1]

  lifecycle {
    ignore_changes = [backup_id] # the oldest backup stays the one kept
  }
}
