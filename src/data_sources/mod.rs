//! Data sources, one file each.

pub mod backups;
pub mod cluster;
