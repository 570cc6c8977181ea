variable "cluster_id" {
  description = "Id of an UNINITIALIZED cluster that has its first HSM, e.g. cluster-jxhlf7644ne."
  type        = string
}
