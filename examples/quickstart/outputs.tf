output "vpc_id" {
  description = "VPC of the cluster, as the cloudhsm_cluster data source reads it."
  value       = data.cloudhsm_cluster.this.vpc_id
}

output "cluster_state" {
  description = "State of the cluster after initialization (INITIALIZED until a crypto officer activates it)."
  value       = cloudhsm_cluster_initialization.this.state
}

output "hsm_type" {
  description = "HSM type of the cluster."
  value       = cloudhsm_cluster_config.this.hsm_type
}

output "backup_retention_policy" {
  description = "How long CloudHSM keeps backups."
  value       = cloudhsm_cluster_config.this.backup_retention_policy
}

output "customer_ca_pem" {
  description = "The cluster's trust anchor (customerCA.crt for clients): the one-time root's certificate."
  value       = cloudhsm_one_time_root.this.root_certificate
}
