output "cluster_id" {
  value = cloudhsm_cluster_initialization.this.cluster_id
}

output "cluster_state" {
  value = cloudhsm_cluster_initialization.this.state
}

output "customer_ca_pem" {
  description = "Save as customerCA.crt on every CloudHSM client host."
  value       = tls_self_signed_cert.ca.cert_pem
}
