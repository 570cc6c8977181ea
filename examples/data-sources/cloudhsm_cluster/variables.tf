variable "cluster_id" {
  description = "Id of the cluster to read, e.g. cluster-jxhlf7644ne."
  type        = string
}
