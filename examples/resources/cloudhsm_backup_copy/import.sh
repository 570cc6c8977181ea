# Take over a copy made before (by the CLI or the console), by its region and backup id. The
# next plan shows source_backup_id and source_region as CloudHSM recorded them.
terraform import cloudhsm_backup_copy.dr eu-central-1/backup-abcdefghijk
