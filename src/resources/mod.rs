//! Managed resources, one file each: the model (schema and values) and the lifecycle side by
//! side, on the typed layer of `tfplugin`. What they share with the data source lives at the
//! crate level (`cluster_id`, `cluster_ref`, `backup_ref`, `region`, `retention`,
//! `aws_diagnostics`, `context`); their
//! AWS work is in `cloudhsm`.

pub mod backup_copy;
pub mod backup_retention_exemption;
pub mod cluster_config;
pub mod cluster_initialization;
pub mod one_time_root;
