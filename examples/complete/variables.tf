variable "region" {
  description = "AWS region for the cluster."
  type        = string
  default     = "eu-west-1"
}

variable "subnet_ids" {
  description = "Private subnets (one per availability zone) for the cluster's HSMs."
  type        = list(string)
}
