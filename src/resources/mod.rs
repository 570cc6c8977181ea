//! Managed resources, one file each: its schema and its lifecycle side by side.
//! `common` holds what both share (cluster id rules, timeouts, error wording).

pub mod cluster_config;
pub mod cluster_initialization;
pub mod common;
