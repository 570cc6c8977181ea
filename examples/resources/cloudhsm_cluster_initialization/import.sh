# Adopt a cluster that was initialized outside Terraform, by its cluster id.
# signed_cert is filled from the cluster's certificate; the next plan with the same
# certificate in the configuration shows no changes.
terraform import cloudhsm_cluster_initialization.this cluster-jxhlf7644ne
