//! `DescribeClusters`: the clusters of the call's region, filters, pages and their tokens,
//! the read lag and the clusters a batched read cannot describe, as the behaviours ask.
//!
//! Knows the model and the shared input readers; not how requests arrive.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::input::{answered, max_results, next_token, not_found, page_size, string_list};
use super::Call;
use crate::control::Shared;
use crate::error::ApiError;
use crate::input_rules::CLUSTER_STATES;

const MAX_PAGE: usize = 25;

pub(super) fn describe_clusters(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let mut cluster_ids: Option<Vec<String>> = None;
    let mut vpc_ids: Option<Vec<String>> = None;
    let mut states: Option<Vec<String>> = None;
    match input.get("Filters") {
        None | Some(Value::Null) => {}
        Some(Value::Object(filters)) => {
            for (key, value) in filters {
                let values = string_list(value, &format!("Filters.{key}"))?;
                match key.as_str() {
                    "clusterIds" => cluster_ids = Some(values),
                    "vpcIds" => vpc_ids = Some(values),
                    "states" => {
                        if let Some(bad) = values
                            .iter()
                            .find(|s| !CLUSTER_STATES.contains(&s.as_str()))
                        {
                            return Err(ApiError::invalid(format!(
                                "Filters.states: {bad:?} is not a cluster state"
                            )));
                        }
                        states = Some(values)
                    }
                    other => {
                        return Err(ApiError::invalid(format!(
                        "Invalid filter {other:?}; valid filters are clusterIds, vpcIds and states"
                    )))
                    }
                }
            }
        }
        Some(_) => return Err(ApiError::invalid("Filters must be a map of lists")),
    }
    let max_results = max_results(input, MAX_PAGE)?;
    let start = next_token(input, decode_token)?.unwrap_or(0);
    let store = shared.store();
    if let Some(limit) = store.behaviour.filter_value_limit {
        for (name, values) in [
            ("clusterIds", &cluster_ids),
            ("vpcIds", &vpc_ids),
            ("states", &states),
        ] {
            if let Some(n) = values.as_ref().map(Vec::len).filter(|n| *n > limit) {
                return Err(ApiError::invalid(format!(
                    "Filters.{name} holds {n} values; at most {limit} are allowed"
                )));
            }
        }
    }
    if let Some(refused) = cluster_ids.as_ref().and_then(|ids| {
        ids.iter()
            .find(|id| store.behaviour.refuse_describe_of.contains(id))
    }) {
        return Err(ApiError::invalid(format!(
            "The cluster {refused} cannot be described in this request."
        )));
    }
    if let (true, Some(ids)) = (store.behaviour.unknown_id_not_found, &cluster_ids) {
        if let Some(unknown) = ids
            .iter()
            .find(|id| store.get_in(&call.region, id).is_none())
        {
            return Err(not_found(unknown));
        }
    }
    let max_results = page_size(max_results, &store.behaviour);
    let mut matching = store
        .clusters
        .iter()
        .filter(|c| c.region == call.region)
        .filter(|c| c.seq >= start)
        .filter(|c| cluster_ids.as_ref().is_none_or(|ids| ids.contains(&c.id)))
        .filter(|c| vpc_ids.as_ref().is_none_or(|ids| ids.contains(&c.vpc_id)))
        // The real state, even while a read lag shows an older one.
        .filter(|c| states.as_ref().is_none_or(|s| s.contains(&c.state)))
        .collect::<Vec<_>>();
    matching.sort_by_key(|c| c.seq);
    let now = Instant::now();
    let page: Vec<Value> = matching
        .iter()
        .take(max_results)
        .map(|c| answered(c.shown_json(&store.behaviour, now), &store.behaviour))
        .collect();
    let mut output = Map::new();
    output.insert("Clusters".into(), Value::Array(page));
    if let Some(next) = matching.get(max_results) {
        output.insert("NextToken".into(), json!(encode_token(next.seq)));
    }
    Ok(Value::Object(output))
}

pub(super) fn encode_token(seq: u64) -> String {
    format!("emu1-{seq:016x}")
}

pub(super) fn decode_token(token: &str) -> Option<u64> {
    let hex = token.strip_prefix("emu1-")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}
