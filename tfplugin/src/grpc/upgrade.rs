//! UpgradeResourceState: stored state (JSON) read into the current schema, byte for byte
//! when it already fits, through the resource's upgrade hook when it is of an older version.

use tonic::Request;

use super::reply::{guarded, one, Reply};
use super::service::{ProviderService, Served};
use crate::convert;
use crate::diagnostics::Diagnostic;
use crate::interface::Resource;
use crate::proto::tfplugin6 as pb;
use crate::value::{self, Type, Value};

pub(super) async fn upgrade_resource_state(
    service: &ProviderService,
    request: Request<pb::upgrade_resource_state::Request>,
) -> Reply<pb::upgrade_resource_state::Response> {
    let request = request.into_inner();
    let type_name = request.type_name.clone();
    let work = async {
        let r = match service.resource(&request.type_name) {
            Ok(r) => r,
            Err(d) => {
                return pb::upgrade_resource_state::Response {
                    upgraded_state: None,
                    diagnostics: vec![d],
                }
            }
        };
        if request.version > r.schema.version {
            return pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: one(Diagnostic::error(
                    "State written by a newer provider",
                    format!(
                        "The state of this {} was written with schema version {}, but this \
                         provider only knows versions up to {}. Upgrade the provider to the \
                         version that wrote the state.",
                        request.type_name, request.version, r.schema.version
                    ),
                )),
            };
        }
        let raw = request.raw_state.unwrap_or_default();
        if raw.json.is_empty() && !raw.flatmap.is_empty() {
            return pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: one(Diagnostic::error(
                    "Legacy state format",
                    "This state is in the flatmap format of Terraform 0.11 and earlier, \
                     which this provider never wrote. Remove the resource from the state \
                     (terraform state rm) and import it again.",
                )),
            };
        }
        let upgraded = if raw.json.is_empty() {
            convert::encode(&Value::Null, &r.value_type, "upgraded state")
        } else if request.version < r.schema.version {
            upgrade_older(r, request.version, &raw.json, &request.type_name)
        } else {
            upgrade_json(raw.json, &request.type_name, &r.value_type)
        };
        match upgraded {
            Ok(state) => pb::upgrade_resource_state::Response {
                upgraded_state: Some(state),
                diagnostics: Vec::new(),
            },
            Err(d) => pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: one(d),
            },
        }
    };
    guarded("UpgradeResourceState", &type_name, work, |d| {
        pb::upgrade_resource_state::Response {
            upgraded_state: None,
            diagnostics: vec![d],
        }
    })
    .await
}

/// A state of an older schema version: read against the type the resource gives for that
/// version (else the current schema), then the resource's upgrade hook, and answered in
/// the current schema.
fn upgrade_older(
    r: &Served<dyn Resource>,
    from_version: i64,
    json: &[u8],
    type_name: &str,
) -> Result<pb::DynamicValue, Diagnostic> {
    let prior_type = r.implementation.prior_state_type(from_version);
    let stored = stored_state(
        json,
        type_name,
        prior_type.as_ref().unwrap_or(&r.value_type),
    )?;
    let upgraded = r
        .implementation
        .upgrade_state(from_version, stored.value)
        .map_err(|d| {
            d.into_iter().find(Diagnostic::is_error).unwrap_or_else(|| {
                Diagnostic::error(
                    "Could not upgrade the stored state",
                    format!(
                        "The {type_name} resource refused its state of version {from_version}."
                    ),
                )
            })
        })?;
    convert::encode(&upgraded, &r.value_type, "upgraded state")
}

fn stored_state(json: &[u8], type_name: &str, ty: &Type) -> Result<value::StoredState, Diagnostic> {
    value::decode_stored_json(json, ty).map_err(|e| {
        Diagnostic::error(
            "Could not read the stored state",
            format!(
                "The stored state of this {type_name} does not fit the current schema: {}. \
                 Remove it from the state (terraform state rm) and import it again.",
                e.message()
            ),
        )
    })
}

/// Stored state (JSON) in the current schema: the stored bytes untouched when they already
/// fit it (Terraform reads a JSON DynamicValue as well as msgpack, so not a digit of a number
/// can change), otherwise msgpack of the state with the attributes the schema no longer has
/// left out, at every depth.
fn upgrade_json(json: Vec<u8>, type_name: &str, ty: &Type) -> Result<pb::DynamicValue, Diagnostic> {
    let stored = stored_state(&json, type_name, ty)?;
    if stored.fits_as_is() {
        return Ok(pb::DynamicValue {
            msgpack: Vec::new(),
            json,
        });
    }
    if !stored.dropped.is_empty() {
        let dropped: Vec<String> = stored.dropped.iter().map(|p| p.to_string()).collect();
        tracing::debug!(
            type_name,
            ?dropped,
            "the stored state has attributes the schema no longer has; dropped them"
        );
    }
    convert::encode(&stored.value, ty, "upgraded state")
}
