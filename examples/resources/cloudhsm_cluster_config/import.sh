# Take over the settings of an existing cluster, by its cluster id. With hsm_type and
# backup_retention_policy in the configuration matching the cluster, the next plan is empty.
terraform import cloudhsm_cluster_config.this cluster-jxhlf7644ne
