data "cloudhsm_cluster" "this" {
  cluster_id = var.cluster_id
}

# The certificate signing request to sign with your CA (present while the cluster is
# UNINITIALIZED and has its first HSM).
output "cluster_csr" {
  value = data.cloudhsm_cluster.this.cluster_csr
}

output "hsm_ips" {
  value = [for hsm in data.cloudhsm_cluster.this.hsms : hsm.eni_ip]
}
