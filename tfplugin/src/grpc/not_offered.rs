//! What this provider does not offer (identities, moves, generated configurations, ephemeral
//! and list resources, functions, state stores, actions): every such RPC answered from one
//! table, and the macro that implements the service trait, offered RPCs included.

use std::pin::Pin;

use tonic::{Request, Response, Status};

use super::reply::{unknown_type, Reply};
use crate::convert;
use crate::diagnostics::Diagnostic;
use crate::proto::tfplugin6 as pb;

/// What a streaming RPC we do not offer answers: a stream of one item.
pub(super) type OneItemStream<T> =
    Pin<Box<dyn futures_util::Stream<Item = Result<T, Status>> + Send>>;

/// Implements the tfplugin6 service trait for `ProviderService`, in one impl because
/// `#[tonic::async_trait]` must see every method at once. Each offered RPC, given as
/// `module::rpc`, calls the function `rpc` of `grpc/<module>.rs` with the request
/// (`pb::<rpc>::Request`, answered `pb::<rpc>::Response`); every other RPC answers as the
/// table in the first rule says (its messages in `pb::<rpc>` too).
macro_rules! provider_service {
    ($($module:ident::$offered:ident),* $(,)?) => {
        $crate::grpc::not_offered::provider_service! {
            offered: [$($module::$offered),*]
            // Nothing to list.
            empty: [
                "GetResourceIdentitySchemas" get_resource_identity_schemas,
                "GetFunctions" get_functions,
            ]
            // The error diagnostics of `unsupported(feature)` or `unknown(kind)`, then the RPCs
            // that answer them: "Rpc" rpc.field (the request's field that names the type).
            answers: [
                unsupported("Resource identities"):
                    "UpgradeResourceIdentity" upgrade_resource_identity.type_name;
                unsupported("Moves between resource types (moved blocks)"):
                    "MoveResourceState" move_resource_state.target_type_name;
                unsupported("Generated resource configurations"):
                    "GenerateResourceConfig" generate_resource_config.type_name;
                unknown("ephemeral resource"):
                    "ValidateEphemeralResourceConfig" validate_ephemeral_resource_config.type_name,
                    "OpenEphemeralResource" open_ephemeral_resource.type_name,
                    "RenewEphemeralResource" renew_ephemeral_resource.type_name,
                    "CloseEphemeralResource" close_ephemeral_resource.type_name;
                unknown("list resource"):
                    "ValidateListResourceConfig" validate_list_resource_config.type_name;
                unknown("state store"):
                    "ConfigureStateStore" configure_state_store.type_name,
                    "GetStates" get_states.type_name,
                    "DeleteState" delete_state.type_name;
                unknown("action"):
                    "PlanAction" plan_action.action_type,
                    "ValidateActionConfig" validate_action_config.type_name;
            ]
            // The same as the one item of a stream: the stream's name, its item's type (in
            // `pb::<rpc>`), and the function of this file that makes the item.
            streams: [
                "ListResource" list_resource.type_name
                    => ListResourceStream of Event = list_event(unknown("list resource")),
                "ReadStateBytes" read_state_bytes.type_name
                    => ReadStateBytesStream of Response = state_bytes(unknown("state store")),
                "InvokeAction" invoke_action.action_type
                    => InvokeActionStream of Event = action_completed(unknown("action")),
            ]
            // Answers of a shape or with messages of their own: the function of that name in
            // this file.
            by_hand: [
                call_function(pb::call_function::Request) -> pb::call_function::Response,
                validate_state_store_config(pb::validate_state_store::Request)
                    -> pb::validate_state_store::Response,
                write_state_bytes(tonic::Streaming<pb::write_state_bytes::RequestChunk>)
                    -> pb::write_state_bytes::Response,
            ]
        }
    };
    (
        offered: [$($module:ident::$offered:ident),*]
        empty: [$($e_rpc:literal $e_method:ident),* $(,)?]
        answers: [$(
            $a_say:ident($a_what:literal): $($a_rpc:literal $a_method:ident.$a_field:ident),+
        );* $(;)?]
        streams: [$(
            $s_rpc:literal $s_method:ident.$s_field:ident
                => $s_stream:ident of $s_item:ident = $s_wrap:ident($s_say:ident($s_what:literal))
        ),* $(,)?]
        by_hand: [$($h_method:ident($h_request:ty) -> $h_response:ty),* $(,)?]
    ) => {
        const _: () = {
            use $crate::grpc::not_offered::{self, answer, one_item, OneItemStream};
            use $crate::grpc::reply::Reply;
            use $crate::grpc::service::ProviderService;
            use $crate::proto::tfplugin6 as pb;
            use tonic::Request;

            #[tonic::async_trait]
            impl pb::provider_server::Provider for ProviderService {
                $(
                    async fn $offered(
                        &self,
                        request: Request<pb::$offered::Request>,
                    ) -> Reply<pb::$offered::Response> {
                        $module::$offered(self, request).await
                    }
                )*
                $(
                    async fn $e_method(
                        &self,
                        _request: Request<pb::$e_method::Request>,
                    ) -> Reply<pb::$e_method::Response> {
                        answer($e_rpc, "", Default::default())
                    }
                )*
                $($(
                    // Some answers have fields besides the diagnostics, some have none.
                    #[allow(clippy::needless_update)]
                    async fn $a_method(
                        &self,
                        request: Request<pb::$a_method::Request>,
                    ) -> Reply<pb::$a_method::Response> {
                        let type_name = request.into_inner().$a_field;
                        let diagnostics = not_offered::$a_say($a_what, &type_name);
                        answer(
                            $a_rpc,
                            &type_name,
                            pb::$a_method::Response {
                                diagnostics,
                                ..Default::default()
                            },
                        )
                    }
                )+)*
                $(
                    type $s_stream = OneItemStream<pb::$s_method::$s_item>;

                    async fn $s_method(
                        &self,
                        request: Request<pb::$s_method::Request>,
                    ) -> Reply<Self::$s_stream> {
                        let type_name = request.into_inner().$s_field;
                        let diagnostics = not_offered::$s_say($s_what, &type_name);
                        let item = not_offered::$s_wrap(diagnostics);
                        answer($s_rpc, &type_name, one_item(item))
                    }
                )*
                $(
                    async fn $h_method(
                        &self,
                        request: Request<$h_request>,
                    ) -> Reply<$h_response> {
                        not_offered::$h_method(request)
                    }
                )*
            }
        };
    };
}
pub(super) use provider_service;

/// Answers an RPC that runs no provider code (a feature we do not offer, or an empty list):
/// nothing can panic here, so no guard is needed.
pub(super) fn answer<R>(rpc: &'static str, type_name: &str, response: R) -> Reply<R> {
    tracing::debug!(rpc, type_name, "served");
    Ok(Response::new(response))
}

/// A stream of `item` alone.
pub(super) fn one_item<T: Send + 'static>(item: T) -> OneItemStream<T> {
    Box::pin(futures_util::stream::iter([Ok(item)]))
}

/// The error answered for a feature this provider offers nothing of (the type name asked
/// for is not part of it).
pub(super) fn unsupported(feature: &str, _type_name: &str) -> Vec<pb::Diagnostic> {
    vec![convert::diagnostic(&Diagnostic::error(
        format!("{feature} are not supported by this provider"),
        format!(
            "This provider offers no {feature}. Remove the block that uses one from your \
             configuration."
        ),
    ))]
}

/// The error answered for a type of a kind this provider has none of.
pub(super) fn unknown(kind: &str, type_name: &str) -> Vec<pb::Diagnostic> {
    vec![unknown_type(kind, type_name)]
}

/// ListResource's one event: the diagnostics.
pub(super) fn list_event(diagnostic: Vec<pb::Diagnostic>) -> pb::list_resource::Event {
    pb::list_resource::Event {
        diagnostic,
        ..Default::default()
    }
}

/// ReadStateBytes' one chunk: the diagnostics.
pub(super) fn state_bytes(diagnostics: Vec<pb::Diagnostic>) -> pb::read_state_bytes::Response {
    pb::read_state_bytes::Response {
        diagnostics,
        ..Default::default()
    }
}

/// InvokeAction's one event: completed, with the diagnostics.
pub(super) fn action_completed(diagnostics: Vec<pb::Diagnostic>) -> pb::invoke_action::Event {
    pb::invoke_action::Event {
        r#type: Some(pb::invoke_action::event::Type::Completed(
            pb::invoke_action::event::Completed { diagnostics },
        )),
    }
}

/// CallFunction: no function has the name asked for.
pub(super) fn call_function(
    request: Request<pb::call_function::Request>,
) -> Reply<pb::call_function::Response> {
    let name = request.into_inner().name;
    let error = pb::FunctionError {
        text: format!("This provider offers no function named {name:?}."),
        function_argument: None,
    };
    answer(
        "CallFunction",
        &name,
        pb::call_function::Response {
            result: None,
            error: Some(error),
        },
    )
}

/// ValidateStateStoreConfig (its messages are `pb::validate_state_store`'s): no state store
/// has the type name asked for.
pub(super) fn validate_state_store_config(
    request: Request<pb::validate_state_store::Request>,
) -> Reply<pb::validate_state_store::Response> {
    let type_name = request.into_inner().type_name;
    let diagnostics = unknown("state store", &type_name);
    answer(
        "ValidateStateStoreConfig",
        &type_name,
        pb::validate_state_store::Response { diagnostics },
    )
}

/// WriteStateBytes: the chunks are not read; state stores are not offered.
pub(super) fn write_state_bytes(
    _request: Request<tonic::Streaming<pb::write_state_bytes::RequestChunk>>,
) -> Reply<pb::write_state_bytes::Response> {
    let diagnostics = unsupported("State stores", "");
    answer(
        "WriteStateBytes",
        "",
        pb::write_state_bytes::Response { diagnostics },
    )
}
