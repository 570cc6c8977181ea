//! What every resource and data source about backups shares, once: the backup id rule and
//! its diagnostic, the region a backup is looked for in (an argument, else the provider's),
//! `region/backup_id` import ids, the client of a region, timestamps as RFC 3339, and a
//! failed backup workflow as a [`Failure`] (the state as last seen when something may have
//! changed, else nothing).
//!
//! Knows the provider context, our client's `Backup` and Terraform diagnostics; not the
//! models (callers pass fields and map backups themselves).

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Field;
use tfplugin::{Failure, Success};

use crate::aws_diagnostics::{backup_diagnostic, Subject};
use crate::cloudhsm::backup::{is_backup_id, Backup, BACKUP_ID_PATTERN};
use crate::cloudhsm::{BackupError, CloudHsm};
use crate::context::ProviderContext;
use crate::region::is_region;

/// Checks a backup id attribute when it is known.
pub fn validate_backup_id(id: &Field<String>, attribute: &str) -> Diagnostics {
    match id.known() {
        Some(id) if !is_backup_id(id) => Diagnostic::error(
            "Invalid backup id",
            format!(
                "{id:?} is not a CloudHSM backup id. Backup ids look like \
                 \"backup-abcdefghijk\" (pattern {BACKUP_ID_PATTERN}); the cloudhsm_backups \
                 data source lists a cluster's backups."
            ),
        )
        .at(AttributePath::attr(attribute))
        .into(),
        _ => Diagnostics::new(),
    }
}

/// The client for `region` (null or unknown: the provider's own region).
pub async fn client_in(
    context: &ProviderContext,
    region: &Field<String>,
) -> Result<CloudHsm, Diagnostics> {
    let client = context.client().await?;
    Ok(match region.known() {
        Some(r) => client.in_region(r).await,
        None => client,
    })
}

/// `region` when the configuration gives it, else the provider's region, else unknown
/// (the provider configuration is not known yet): what a plan shows for an optional region.
pub async fn planned_region(context: &ProviderContext, region: &Field<String>) -> Field<String> {
    match region {
        Field::Known(_) | Field::Unknown => region.clone(),
        Field::Null => context.region().await.map_or(Field::Unknown, Field::Known),
    }
}

/// `REGION/BACKUP_ID` (or a bare backup id, in the provider's region) from `terraform
/// import`, checked.
pub fn imported_id(id: &str, type_name: &str) -> Result<(Option<String>, String), Diagnostics> {
    let id = id.trim();
    let (region, backup) = match id.split_once('/') {
        Some((r, b)) => (Some(r.to_string()), b),
        None => (None, id),
    };
    if region.as_deref().is_some_and(|r| !is_region(r)) || !is_backup_id(backup) {
        return Err(Diagnostic::error(
            "Invalid import id",
            format!(
                "{id:?} is not REGION/BACKUP_ID. Import with the region and the backup's id: \
                 terraform import {type_name}.NAME eu-west-1/backup-abcdefghijk"
            ),
        )
        .into());
    }
    Ok((region, backup.to_string()))
}

/// Unix seconds as an RFC 3339 field (null when absent).
pub fn timestamp(secs: Option<i64>) -> Field<String> {
    secs.map(crate::dates::rfc3339).into()
}

/// What a backup workflow's answer makes of a resource: the state `seen` makes of the
/// backup, or the failure (with the state as last seen when something may have changed).
pub fn outcome<M>(
    result: Result<Backup, BackupError>,
    subject: &Subject,
    doing: &str,
    seen: impl FnOnce(&Backup) -> M,
) -> Result<Success<M>, Failure<M>> {
    match result {
        Ok(b) => Ok(seen(&b).into()),
        Err(err) => {
            let diagnostic = backup_diagnostic(&err, subject, doing);
            match err.last_seen() {
                Some(b) if err.may_have_changed() => Err(Failure::with_state(seen(b), diagnostic)),
                _ => Err(Failure::unchanged(diagnostic)),
            }
        }
    }
}

/// The client for `region`, for a create or an update: without one nothing changed.
pub async fn client_for_change<M>(
    context: &ProviderContext,
    region: &Field<String>,
) -> Result<CloudHsm, Failure<M>> {
    client_in(context, region).await.map_err(Failure::unchanged)
}

/// A refresh of a resource about the backup `subject.id` of `region`: `map` makes the new
/// state (`None`, the resource leaves the state, when CloudHSM no longer knows the backup
/// or it is deleted or pending deletion).
pub async fn refresh<M>(
    context: &ProviderContext,
    region: &Field<String>,
    subject: &Subject<'_>,
    doing: &str,
    map: impl FnOnce(Backup) -> Option<M>,
) -> Result<Success<Option<M>>, Diagnostics> {
    let client = client_in(context, region).await?;
    let found = client.describe_backup(subject.id).await.map_err(|e| {
        Diagnostics::from(crate::aws_diagnostics::api_diagnostic(&e, subject, doing))
    })?;
    Ok(found.filter(|b| b.state.is_live()).and_then(map).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_name_a_region_and_a_backup() {
        assert_eq!(
            imported_id(" eu-west-1/backup-abcdefghijk ", "t").ok(),
            Some((Some("eu-west-1".into()), "backup-abcdefghijk".into()))
        );
        assert_eq!(
            imported_id("backup-abcdefghijk", "t").ok(),
            Some((None, "backup-abcdefghijk".into()))
        );
        assert!(imported_id("Frankfurt/backup-abcdefghijk", "t").is_err());
        assert!(imported_id("eu-west-1/cluster-abcdefghijk", "t").is_err());
        assert!(validate_backup_id(&Field::Known("backup-1".into()), "backup_id").has_errors());
    }
}
