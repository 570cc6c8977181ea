output "cluster_id" {
  value = cloudhsm_cluster_initialization.this.cluster_id
}

output "cluster_certificate" {
  description = "The cluster certificate the provider signed (public)."
  value       = cloudhsm_cluster_initialization.this.signed_cert
}
