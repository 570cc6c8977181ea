variable "endpoint" {
  description = "URL of the CloudHSM v2 API, here the emulator's (it prints ENDPOINT=...)."
  type        = string
}

variable "cluster_id" {
  description = "Id of an UNINITIALIZED cluster with an HSM (the emulator prints CLUSTER_ID=...)."
  type        = string
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
