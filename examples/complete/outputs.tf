output "cluster_id" {
  value = cloudhsm_cluster_initialization.this.cluster_id
}

output "cluster_state" {
  value = cloudhsm_cluster_initialization.this.state
}

output "vpc_id" {
  value = data.cloudhsm_cluster.this.vpc_id
}

output "customer_ca_pem" {
  description = "The trust anchor: save as customerCA.crt on every CloudHSM client host."
  value       = cloudhsm_one_time_root.this.root_certificate
}

output "dr_backup_id" {
  description = "The copy of the newest backup in var.dr_region: restore a cluster from it there."
  value       = cloudhsm_backup_copy.dr.backup_id
}
