//! `TagResource`, `UntagResource` and `ListTags` on a cluster or a backup of the call's
//! region: the tag rules, at most 50 tags a resource, the read lag a change leaves behind
//! (`ListTags` reads what `DescribeClusters` / `DescribeBackups` show), and the pages of
//! `ListTags`.
//!
//! Knows the model and the shared input readers; not how requests arrive.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::input::{
    backup_not_found, max_results, next_token, not_found, page_size, required_str, tag_keys,
    tag_list,
};
use super::Call;
use crate::config::Behaviour;
use crate::control::Shared;
use crate::error::ApiError;
use crate::input_rules::{is_resource_id, MAX_TAGS, RESOURCE_ID_PATTERN};
use crate::model::Store;

/// The most tags a `ListTags` page holds, as `MaxResults` documents it.
const MAX_PAGE: usize = 100;

/// `ResourceId`, matching `(?:cluster|backup)-[2-7a-zA-Z]{11,16}`.
fn resource_id(input: &Value) -> Result<&str, ApiError> {
    let id = required_str(input, "ResourceId")?;
    if !is_resource_id(id) {
        return Err(ApiError::invalid(format!(
            "ResourceId {id:?} does not match the pattern {RESOURCE_ID_PATTERN}"
        )));
    }
    Ok(id)
}

/// Changes the tags of the cluster or backup `id` in `region` with `change`, leaving the
/// read lag the change calls for; refused when the resource does not exist there, or when
/// it would end with more than 50 tags.
fn change_tags(
    store: &mut Store,
    region: &str,
    id: &str,
    change: impl FnOnce(&mut Vec<(String, String)>),
) -> Result<(), ApiError> {
    let behaviour = store.behaviour.clone();
    let check = |tags: &Vec<(String, String)>| {
        if tags.len() > MAX_TAGS {
            return Err(ApiError::tag(format!(
                "The resource {id} would have {} tags; a resource can have at most {MAX_TAGS} tags.",
                tags.len()
            )));
        }
        Ok(())
    };
    if id.starts_with("cluster-") {
        let cluster = store.get_mut_in(region, id).ok_or_else(|| not_found(id))?;
        let mut tags = cluster.tags.clone();
        change(&mut tags);
        check(&tags)?;
        let before = cluster.before_write(&behaviour);
        cluster.tags = tags;
        cluster.after_write(before, &behaviour);
    } else {
        let backup = store
            .backup_mut_in(region, id)
            .ok_or_else(|| backup_not_found(id))?;
        let mut tags = backup.tags.clone();
        change(&mut tags);
        check(&tags)?;
        let before = backup.before_write(&behaviour);
        backup.tags = tags;
        backup.after_write(before, &behaviour);
    }
    Ok(())
}

pub(super) fn tag_resource(shared: &Shared, call: &Call, input: &Value) -> Result<Value, ApiError> {
    let id = resource_id(input)?;
    let new_tags = tag_list(input.get("TagList"), "tagList")?
        .ok_or_else(|| ApiError::invalid("TagList is required"))?;
    let mut store = shared.store();
    change_tags(&mut store, &call.region, id, |tags| {
        for (key, value) in new_tags {
            match tags.iter_mut().find(|(k, _)| *k == key) {
                Some(tag) => tag.1 = value,
                None => tags.push((key, value)),
            }
        }
    })?;
    Ok(json!({}))
}

pub(super) fn untag_resource(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let id = resource_id(input)?;
    let keys = tag_keys(input.get("TagKeyList"))?;
    let mut store = shared.store();
    change_tags(&mut store, &call.region, id, |tags| {
        tags.retain(|(k, _)| !keys.contains(k));
    })?;
    Ok(json!({}))
}

/// The tags of the resource as the reads show them now (a read lag's older view included).
fn shown_tags(
    store: &Store,
    region: &str,
    id: &str,
    behaviour: &Behaviour,
) -> Result<Vec<Value>, ApiError> {
    let now = Instant::now();
    let shown = if id.starts_with("cluster-") {
        store
            .get_in(region, id)
            .ok_or_else(|| not_found(id))?
            .shown_json(behaviour, now)
    } else {
        store
            .backups
            .iter()
            .find(|b| b.id == id && b.region == region && b.listed(behaviour, now))
            .ok_or_else(|| backup_not_found(id))?
            .shown_json(behaviour, now)
    };
    Ok(shown
        .get("TagList")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

fn encode_token(index: usize) -> String {
    format!("emu1t-{index:016x}")
}

fn decode_token(token: &str) -> Option<usize> {
    let hex = token.strip_prefix("emu1t-")?;
    if hex.len() != 16 {
        return None;
    }
    usize::from_str_radix(hex, 16).ok()
}

pub(super) fn list_tags(shared: &Shared, call: &Call, input: &Value) -> Result<Value, ApiError> {
    let id = resource_id(input)?;
    let max_results = max_results(input, MAX_PAGE)?;
    let start = next_token(input, decode_token)?.unwrap_or(0);
    let store = shared.store();
    let tags = shown_tags(&store, &call.region, id, &store.behaviour)?;
    let size = page_size(max_results, &store.behaviour);
    let page: Vec<Value> = tags.iter().skip(start).take(size).cloned().collect();
    let mut output = Map::new();
    output.insert("TagList".into(), Value::Array(page));
    let next = start.saturating_add(size);
    if next < tags.len() {
        output.insert("NextToken".into(), json!(encode_token(next)));
    }
    Ok(Value::Object(output))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_page_tokens_round_trip() {
        assert_eq!(decode_token(&encode_token(3)), Some(3));
        assert_eq!(decode_token("emu1-0000000000000003"), None);
        assert_eq!(decode_token("emu1t-3"), None);
    }
}
