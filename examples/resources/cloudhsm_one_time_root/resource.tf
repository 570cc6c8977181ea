# A root CA made for this one cluster: it signs the cluster's CSR, then its private key is
# destroyed. The root certificate (the trust anchor) stays in the state; keep a copy too.
resource "cloudhsm_one_time_root" "this" {
  cluster_id  = var.cluster_id
  common_name = "Example Corp CloudHSM root"

  lifecycle {
    prevent_destroy = true # the state holds the only copy of the trust anchor Terraform has
  }
}

resource "cloudhsm_cluster_initialization" "this" {
  cluster_id   = cloudhsm_one_time_root.this.cluster_id
  signed_cert  = cloudhsm_one_time_root.this.signed_cert
  trust_anchor = cloudhsm_one_time_root.this.root_certificate
}

output "customer_ca_crt" {
  description = "The cluster's trust anchor, for clients (customerCA.crt)."
  value       = cloudhsm_one_time_root.this.root_certificate
}
