variable "cluster_id" {
  description = "Id of the cluster whose backups to use, e.g. cluster-jxhlf7644ne."
  type        = string
}
