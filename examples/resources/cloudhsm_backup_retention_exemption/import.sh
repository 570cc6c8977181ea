# Take over the exemption of a backup that never expires already, by its region and id.
terraform import cloudhsm_backup_retention_exemption.first eu-west-1/backup-abcdefghijk
