variable "cluster_id" {
  description = "Id of an UNINITIALIZED cluster that has its first HSM, e.g. cluster-jxhlf7644ne."
  type        = string
}

variable "signed_cert_file" {
  description = "Path of the cluster certificate (the cluster's CSR signed by your CA), PEM."
  type        = string
  default     = "cluster.crt"
}

variable "trust_anchor_file" {
  description = "Path of your CA's self-signed certificate, PEM."
  type        = string
  default     = "customerCA.crt"
}
