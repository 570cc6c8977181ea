variable "region" {
  description = "AWS region for the cluster."
  type        = string
  default     = "eu-west-1"
}

variable "subnet_ids" {
  description = "Private subnets (one per availability zone) for the cluster's HSMs."
  type        = list(string)
}

variable "ca_key_secret_id" {
  description = "Secrets Manager secret (name or ARN) holding the CA's private key in PEM."
  type        = string
}

variable "ca_cert_file" {
  description = "Path of the CA's self-signed certificate (PEM): the trust anchor."
  type        = string
  default     = "customerCA.crt"
}
