data "cloudhsm_backups" "latest" {
  cluster_id  = var.cluster_id
  state       = "READY"
  most_recent = true
}

output "latest_backup_id" {
  value = data.cloudhsm_backups.latest.backups[0].backup_id
}
