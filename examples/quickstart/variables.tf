variable "endpoint" {
  description = "URL of the CloudHSM v2 API, here the emulator's (it prints ENDPOINT=...)."
  type        = string
}

variable "cluster_id" {
  description = "Id of an UNINITIALIZED cluster with an HSM (the emulator prints CLUSTER_ID=...)."
  type        = string
}

variable "signed_cert_file" {
  description = "The cluster's CSR signed by your CA, PEM."
  type        = string
  default     = "cluster.crt"
}

variable "trust_anchor_file" {
  description = "Your CA's self-signed certificate, PEM."
  type        = string
  default     = "customerCA.crt"
}

variable "hsm_type" {
  description = "HSM type the cluster should have."
  type        = string
  default     = "hsm2m.medium"
}

variable "backup_retention_days" {
  description = "How many days CloudHSM keeps backups (7 to 379)."
  type        = number
  default     = 90
}
