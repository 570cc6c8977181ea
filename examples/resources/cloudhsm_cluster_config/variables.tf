variable "cluster_id" {
  description = "Id of the cluster to configure, e.g. cluster-jxhlf7644ne."
  type        = string
}
