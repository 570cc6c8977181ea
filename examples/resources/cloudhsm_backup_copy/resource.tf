# The newest READY backup of the cluster...
data "cloudhsm_backups" "latest" {
  cluster_id  = var.cluster_id
  state       = "READY"
  most_recent = true
}

# ...copied to the region to recover in, and kept there whatever the retention policy says.
resource "cloudhsm_backup_copy" "dr" {
  source_backup_id   = data.cloudhsm_backups.latest.backups[0].backup_id
  destination_region = "eu-central-1"
  never_expires      = true

  tags = {
    purpose = "disaster-recovery"
  }

  lifecycle {
    # A newer backup changes source_backup_id: make the new copy before deleting the old.
    create_before_destroy = true
  }
}
