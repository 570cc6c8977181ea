//! Generated gRPC types: Terraform plugin protocol 6.10 (`tfplugin6`) and go-plugin's internal
//! services (`plugin`: controller, stdio, broker), compiled by `build.rs` from `proto/`.
//!
//! Each package holds prost messages plus a tonic server (`*_server`) and client (`*_client`)
//! module per service. The well-known types the protos import (`Timestamp`, `Empty`) are
//! generated into [`google::protobuf`]. Nothing here is hand-written beyond the module wiring.

/// Well-known types imported by the protos (`Timestamp`, `Empty`).
#[allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]
pub mod google {
    /// Package `google.protobuf`.
    pub mod protobuf {
        tonic::include_proto!("google.protobuf");
    }
}

/// Package `tfplugin6`: the `Provider` service and its messages.
#[allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// Package `plugin`: go-plugin's `GRPCController`, `GRPCStdio` and `GRPCBroker` services.
#[allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]
pub mod plugin {
    tonic::include_proto!("plugin");
}

#[cfg(test)]
mod tests {
    use super::{plugin, tfplugin6};
    use prost::Message;
    use std::collections::HashMap;

    /// Wire tag byte of a length-delimited field (`number << 3 | 2`), numbers below 16.
    fn len_tag(number: u8) -> u8 {
        number << 3 | 2
    }

    /// Wire tag byte of a varint field (`number << 3 | 0`), numbers below 16.
    fn varint_tag(number: u8) -> u8 {
        number << 3
    }

    #[test]
    fn dynamic_value_field_numbers() {
        let mp = tfplugin6::DynamicValue {
            msgpack: vec![0xc0],
            json: vec![],
        }
        .encode_to_vec();
        assert_eq!(mp, [0x0a, 0x01, 0xc0], "msgpack is field 1, bytes");

        let js = tfplugin6::DynamicValue {
            msgpack: vec![],
            json: b"null".to_vec(),
        }
        .encode_to_vec();
        assert_eq!(js[0], 0x12, "json is field 2, bytes");
        assert_eq!(&js[2..], b"null");
    }

    #[test]
    fn capability_field_numbers() {
        let caps = |c: tfplugin6::ServerCapabilities| c.encode_to_vec();
        assert_eq!(
            caps(tfplugin6::ServerCapabilities {
                plan_destroy: true,
                ..Default::default()
            }),
            [varint_tag(1), 1]
        );
        assert_eq!(
            caps(tfplugin6::ServerCapabilities {
                get_provider_schema_optional: true,
                ..Default::default()
            }),
            [varint_tag(2), 1]
        );
        assert_eq!(
            caps(tfplugin6::ServerCapabilities {
                move_resource_state: true,
                ..Default::default()
            }),
            [varint_tag(3), 1]
        );

        // What Terraform sends us: deferral_allowed 1, write_only_attributes_allowed 2.
        let client = tfplugin6::ClientCapabilities::decode(&[0x08, 0x01, 0x10, 0x01][..]).unwrap();
        assert!(client.deferral_allowed && client.write_only_attributes_allowed);
    }

    #[test]
    fn provider_schema_response_round_trips_with_right_numbers() {
        use tfplugin6::schema::{nested_block::NestingMode, Attribute, Block, NestedBlock};

        let attribute = Attribute {
            name: "cluster_id".into(),
            r#type: br#""string""#.to_vec(),
            required: true,
            description: "The cluster.".into(),
            description_kind: tfplugin6::StringKind::Markdown as i32,
            ..Default::default()
        };
        let schema = tfplugin6::Schema {
            version: 1,
            block: Some(Block {
                attributes: vec![attribute],
                block_types: vec![NestedBlock {
                    type_name: "timeouts".into(),
                    block: Some(Block::default()),
                    nesting: NestingMode::Single as i32,
                    ..Default::default()
                }],
                ..Default::default()
            }),
        };
        let response = tfplugin6::get_provider_schema::Response {
            provider: Some(tfplugin6::Schema::default()),
            resource_schemas: HashMap::from([("example_thing".to_string(), schema.clone())]),
            server_capabilities: Some(tfplugin6::ServerCapabilities {
                plan_destroy: true,
                get_provider_schema_optional: false,
                move_resource_state: false,
                generate_resource_config: false,
            }),
            diagnostics: vec![tfplugin6::Diagnostic {
                severity: tfplugin6::diagnostic::Severity::Warning as i32,
                summary: "s".into(),
                ..Default::default()
            }],
            ..Default::default()
        };

        let bytes = response.encode_to_vec();
        let decoded = tfplugin6::get_provider_schema::Response::decode(bytes.as_slice()).unwrap();
        assert_eq!(decoded, response);
        assert_eq!(decoded.resource_schemas["example_thing"], schema);

        // server_capabilities alone: field 6, length 2, then plan_destroy (field 1) = true.
        let only_caps = tfplugin6::get_provider_schema::Response {
            server_capabilities: response.server_capabilities,
            ..Default::default()
        }
        .encode_to_vec();
        assert_eq!(only_caps, [len_tag(6), 2, varint_tag(1), 1]);

        // resource_schemas is field 2, diagnostics field 4, provider field 1.
        let tags = |r: tfplugin6::get_provider_schema::Response| r.encode_to_vec()[0];
        assert_eq!(
            tags(tfplugin6::get_provider_schema::Response {
                resource_schemas: response.resource_schemas.clone(),
                ..Default::default()
            }),
            len_tag(2)
        );
        assert_eq!(
            tags(tfplugin6::get_provider_schema::Response {
                diagnostics: response.diagnostics.clone(),
                ..Default::default()
            }),
            len_tag(4)
        );
        assert_eq!(
            tags(tfplugin6::get_provider_schema::Response {
                provider: Some(tfplugin6::Schema {
                    version: 1,
                    block: None
                }),
                ..Default::default()
            }),
            len_tag(1)
        );

        // Schema.Attribute.nested_type is field 10 (out of line order), write_only 11.
        let nested = Attribute {
            nested_type: Some(tfplugin6::schema::Object::default()),
            ..Default::default()
        }
        .encode_to_vec();
        assert_eq!(nested, [len_tag(10), 0]);
        let write_only = Attribute {
            write_only: true,
            ..Default::default()
        }
        .encode_to_vec();
        assert_eq!(write_only, [varint_tag(11), 1]);
    }

    #[test]
    fn resource_change_field_numbers() {
        // PlanResourceChange.Response: requires_replace 2, legacy_type_system 5.
        let plan = tfplugin6::plan_resource_change::Response {
            requires_replace: vec![tfplugin6::AttributePath {
                steps: vec![tfplugin6::attribute_path::Step {
                    selector: Some(tfplugin6::attribute_path::step::Selector::AttributeName(
                        "hsm_type".into(),
                    )),
                }],
            }],
            ..Default::default()
        }
        .encode_to_vec();
        // requires_replace(2) > steps(1) > attribute_name(1) "hsm_type"
        let mut expected = vec![len_tag(2), 12, len_tag(1), 10, len_tag(1), 8];
        expected.extend_from_slice(b"hsm_type");
        assert_eq!(plan, expected);

        let element_int = tfplugin6::attribute_path::Step {
            selector: Some(tfplugin6::attribute_path::step::Selector::ElementKeyInt(3)),
        }
        .encode_to_vec();
        assert_eq!(element_int, [varint_tag(3), 3]);

        // ApplyResourceChange.Response: diagnostics is field 3, private field 2.
        let apply = tfplugin6::apply_resource_change::Response {
            private: vec![1],
            ..Default::default()
        }
        .encode_to_vec();
        assert_eq!(apply, [len_tag(2), 1, 1]);

        // ValidateProviderConfig.Response keeps diagnostics at field 2.
        let validate = tfplugin6::validate_provider_config::Response {
            diagnostics: vec![tfplugin6::Diagnostic::default()],
        }
        .encode_to_vec();
        assert_eq!(validate, [len_tag(2), 0]);

        // UpgradeResourceState.Request: raw_state 3 > json 1.
        let upgrade = tfplugin6::upgrade_resource_state::Request {
            raw_state: Some(tfplugin6::RawState {
                json: b"{}".to_vec(),
                flatmap: HashMap::new(),
            }),
            ..Default::default()
        }
        .encode_to_vec();
        assert_eq!(upgrade, [len_tag(3), 4, len_tag(1), 2, b'{', b'}']);
    }

    #[test]
    fn go_plugin_messages() {
        let data = plugin::StdioData {
            channel: plugin::stdio_data::Channel::Stderr as i32,
            data: b"x".to_vec(),
        }
        .encode_to_vec();
        assert_eq!(data, [varint_tag(1), 2, len_tag(2), 1, b'x']);

        let info = plugin::ConnInfo {
            service_id: 7,
            network: String::new(),
            address: String::new(),
            knock: Some(plugin::conn_info::Knock {
                knock: true,
                ack: false,
                error: String::new(),
            }),
        }
        .encode_to_vec();
        assert_eq!(info, [varint_tag(1), 7, len_tag(4), 2, varint_tag(1), 1]);

        assert!(plugin::Empty {}.encode_to_vec().is_empty());
    }

    #[test]
    fn service_names_match_what_terraform_dials() {
        use tonic::server::NamedService;
        struct Unused;
        fn name<S: NamedService>() -> &'static str {
            S::NAME
        }
        assert_eq!(
            name::<tfplugin6::provider_server::ProviderServer<Unused>>(),
            "tfplugin6.Provider"
        );
        assert_eq!(
            name::<plugin::grpc_controller_server::GrpcControllerServer<Unused>>(),
            "plugin.GRPCController"
        );
        assert_eq!(
            name::<plugin::grpc_stdio_server::GrpcStdioServer<Unused>>(),
            "plugin.GRPCStdio"
        );
        assert_eq!(
            name::<plugin::grpc_broker_server::GrpcBrokerServer<Unused>>(),
            "plugin.GRPCBroker"
        );
    }
}
