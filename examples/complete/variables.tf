variable "region" {
  description = "AWS region for the cluster."
  type        = string
  default     = "eu-west-1"
}

variable "subnet_ids" {
  description = "Private subnets (one per availability zone) for the cluster's HSMs."
  type        = list(string)
}

variable "dr_region" {
  description = "The region the backups are copied to, to recover in (not var.region)."
  type        = string
  default     = "eu-central-1"
}
