//! `DescribeBackups`: the backups of the call's region (a copy only once it shows there,
//! DELETED ones as the behaviours say), its filters, the order by `CreateTimestamp`, pages
//! and their tokens, and the read lag.
//!
//! Knows the model and the shared input readers; not how requests arrive.

use std::time::{Instant, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use super::input::{
    answered_backup, max_results, next_token, optional_bool, page_size, string_list,
};
use super::Call;
use crate::config::UnsortedBackups;
use crate::control::Shared;
use crate::error::ApiError;
use crate::input_rules::BACKUP_STATES;
use crate::model::Backup;

/// The most backups a page holds, as `MaxResults` documents it.
const MAX_PAGE: usize = 50;

/// The most filters a request holds, as `Filters` documents it.
const MAX_FILTERS: usize = 30;

/// The filters of a `DescribeBackups` call; `None` = not filtered on that.
#[derive(Default)]
struct Filters {
    backup_ids: Option<Vec<String>>,
    source_backup_ids: Option<Vec<String>>,
    cluster_ids: Option<Vec<String>>,
    states: Option<Vec<String>>,
    never_expires: Option<Vec<bool>>,
}

impl Filters {
    fn read(input: &Value) -> Result<Filters, ApiError> {
        let mut filters = Filters::default();
        let map = match input.get("Filters") {
            None | Some(Value::Null) => return Ok(filters),
            Some(Value::Object(map)) => map,
            Some(_) => return Err(ApiError::invalid("Filters must be a map of lists")),
        };
        if map.len() > MAX_FILTERS {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value at 'filters' failed to satisfy constraint: Member must have length less than or equal to {MAX_FILTERS}"
            )));
        }
        for (key, value) in map {
            let values = string_list(value, &format!("Filters.{key}"))?;
            match key.as_str() {
                "backupIds" => filters.backup_ids = Some(values),
                "sourceBackupIds" => filters.source_backup_ids = Some(values),
                "clusterIds" => filters.cluster_ids = Some(values),
                "states" => {
                    if let Some(bad) = values
                        .iter()
                        .find(|s| !BACKUP_STATES.contains(&s.as_str()))
                    {
                        return Err(ApiError::invalid(format!(
                            "Filters.states: {bad:?} is not a backup state; the states are {}",
                            BACKUP_STATES.join(", ")
                        )));
                    }
                    filters.states = Some(values)
                }
                "neverExpires" => {
                    let flags = values
                        .iter()
                        .map(|v| match v.to_ascii_lowercase().as_str() {
                            "true" => Ok(true),
                            "false" => Ok(false),
                            _ => Err(ApiError::invalid(format!(
                                "Filters.neverExpires: {v:?} must be true or false"
                            ))),
                        })
                        .collect::<Result<_, _>>()?;
                    filters.never_expires = Some(flags)
                }
                other => {
                    return Err(ApiError::invalid(format!(
                        "Invalid filter {other:?}; valid filters are backupIds, sourceBackupIds, clusterIds, states and neverExpires"
                    )))
                }
            }
        }
        Ok(filters)
    }

    /// Whether `b` passes every filter (on its real state and flags, even while a read lag
    /// shows older ones).
    fn admit(&self, b: &Backup) -> bool {
        let source = b.copy.as_ref().map(|c| &c.backup_id);
        self.backup_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&b.id))
            && self
                .source_backup_ids
                .as_ref()
                .is_none_or(|ids| source.is_some_and(|s| ids.contains(s)))
            && self
                .cluster_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&b.cluster_id))
            && self.states.as_ref().is_none_or(|s| s.contains(&b.state))
            && self
                .never_expires
                .as_ref()
                .is_none_or(|f| f.contains(&b.never_expires))
    }
}

/// Where a page starts: the order key of its first backup, and the order it was in.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Position {
    ascending: bool,
    key: (u64, u64),
}

/// A backup's place in the order: its `CreateTimestamp` in milliseconds, then creation order.
fn order_key(b: &Backup) -> (u64, u64) {
    let millis = b
        .create_time
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    (millis, b.seq)
}

fn encode_token(p: Position) -> String {
    let order = if p.ascending { 'a' } else { 'd' };
    format!("emu1b-{order}-{:016x}-{:016x}", p.key.0, p.key.1)
}

fn decode_token(token: &str) -> Option<Position> {
    let rest = token.strip_prefix("emu1b-")?;
    let (order, rest) = rest.split_once('-')?;
    let (millis, seq) = rest.split_once('-')?;
    let ascending = match order {
        "a" => true,
        "d" => false,
        _ => return None,
    };
    if millis.len() != 16 || seq.len() != 16 {
        return None;
    }
    Some(Position {
        ascending,
        key: (
            u64::from_str_radix(millis, 16).ok()?,
            u64::from_str_radix(seq, 16).ok()?,
        ),
    })
}

pub(super) fn describe_backups(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let filters = Filters::read(input)?;
    let max_results = max_results(input, MAX_PAGE)?;
    let start = next_token(input, decode_token)?;
    let sort_ascending = optional_bool(input, "SortAscending")?;
    // No backup is shared with the caller: the emulator has one account's view.
    let shared_only = optional_bool(input, "Shared")?.unwrap_or(false);
    let store = shared.store();
    let behaviour = &store.behaviour;
    let ascending = sort_ascending.unwrap_or(false)
        || behaviour.unsorted_backups == UnsortedBackups::OldestFirst;
    if let Some(p) = start {
        if p.ascending != ascending {
            return Err(ApiError::invalid(
                "NextToken is invalid: it was given for the other SortAscending order",
            ));
        }
    }
    let now = Instant::now();
    let mut matching: Vec<&Backup> = store
        .backups
        .iter()
        .filter(|b| !shared_only && b.region == call.region && b.listed(behaviour, now))
        .filter(|b| filters.admit(b))
        .filter(|b| {
            start.is_none_or(|p| {
                if ascending {
                    order_key(b) >= p.key
                } else {
                    order_key(b) <= p.key
                }
            })
        })
        .collect();
    matching.sort_by_key(|b| order_key(b));
    if !ascending {
        matching.reverse();
    }
    let size = page_size(max_results, behaviour);
    let page: Vec<Value> = matching
        .iter()
        .take(size)
        .map(|b| answered_backup(b.shown_json(behaviour, now), behaviour))
        .collect();
    let mut output = Map::new();
    output.insert("Backups".into(), Value::Array(page));
    if let Some(next) = matching.get(size) {
        output.insert(
            "NextToken".into(),
            json!(encode_token(Position {
                ascending,
                key: order_key(next),
            })),
        );
    }
    Ok(Value::Object(output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_with_their_order_and_garbage_is_refused() {
        for ascending in [true, false] {
            let p = Position {
                ascending,
                key: (1_735_693_200_500, 7),
            };
            assert!(decode_token(&encode_token(p)) == Some(p));
        }
        assert!(decode_token("emu1-0000000000000001").is_none());
        assert!(decode_token("emu1b-x-0000000000000001-0000000000000001").is_none());
        assert!(decode_token("emu1b-a-01-02").is_none());
    }
}
