# The cluster's CSR (see the cloudhsm_cluster data source), signed by your own CA:
# cluster.crt is the signed certificate, customerCA.crt the CA's self-signed certificate.
resource "cloudhsm_cluster_initialization" "this" {
  cluster_id   = var.cluster_id
  signed_cert  = file(var.signed_cert_file)
  trust_anchor = file(var.trust_anchor_file)

  timeouts = {
    create = "45m"
  }
}
