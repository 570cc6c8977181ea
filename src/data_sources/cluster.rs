//! Data source `cloudhsm_cluster`: everything `DescribeClusters` tells about one cluster
//! that a module needs — above all the certificate signing request (CSR) to sign before
//! `cloudhsm_cluster_initialization` can claim the cluster.
//!
//! Knows Terraform values and our CloudHSM client types; never the AWS SDK or gRPC.

use std::sync::Arc;

use async_trait::async_trait;

use crate::cloudhsm::{Cluster, Hsm};
use crate::context::ProviderContext;
use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::interface::{DataSource, DataSourceReadResponse};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Field, ObjectBuilder, ObjectReader, Type, Value};

pub struct ClusterDataSource {
    context: Arc<ProviderContext>,
}

impl ClusterDataSource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        ClusterDataSource { context }
    }
}

/// A read-only string attribute.
fn computed_string(name: &str, description: &str) -> Attribute {
    Attribute::string(name).computed().description(description)
}

/// The schema of `cloudhsm_cluster`.
pub fn schema() -> Schema {
    Schema::new(Block {
        description: "Reads one CloudHSM v2 cluster with `DescribeClusters`: its state, HSM \
                      type, network placement, backup settings, HSMs and certificates. This is \
                      how a configuration gets the cluster's certificate signing request \
                      (`certificates.cluster_csr`) to sign before \
                      `cloudhsm_cluster_initialization` initializes the cluster."
            .to_string(),
        attributes: vec![
            Attribute::string("cluster_id")
                .required()
                .description(format!(
                    "Id of the cluster to read, e.g. `cluster-jxhlf7644ne` (pattern \
                 `{}`). A cluster that does not exist in the provider's region is an error.",
                    crate::cluster_id::CLUSTER_ID_PATTERN
                )),
            computed_string("id", "The cluster id (same as `cluster_id`)."),
            computed_string(
                "state",
                "Cluster state, e.g. `UNINITIALIZED`, `INITIALIZED`, `ACTIVE`, \
                 `MODIFY_IN_PROGRESS`, `DEGRADED`.",
            ),
            computed_string(
                "state_message",
                "CloudHSM's explanation of the state, when it gives one.",
            ),
            computed_string(
                "cluster_csr",
                "The cluster's certificate signing request (PEM), the same as \
                 `certificates.cluster_csr`: present once the first HSM exists and until the \
                 cluster is initialized. Offered at the top level because Terraform before \
                 1.2.7 cannot reference into nested attributes.",
            ),
            computed_string(
                "cluster_certificate",
                "The signed cluster certificate (PEM) after initialization, the same as \
                 `certificates.cluster_certificate`.",
            ),
            computed_string(
                "hsm_type",
                "Type of the cluster's HSMs, e.g. `hsm1.medium` or `hsm2m.medium`.",
            ),
            computed_string(
                "hsm_type_rollback_expiration",
                "After an HSM type change: until when (RFC 3339) the change can still be \
                 rolled back. Null otherwise.",
            ),
            computed_string(
                "mode",
                "Cluster mode as CloudHSM reports it (`FIPS` or `NON_FIPS`).",
            ),
            computed_string(
                "network_type",
                "IP addressing of the cluster's network interfaces (`IPV4` or `DUALSTACK`).",
            ),
            computed_string("vpc_id", "Id of the VPC the cluster lives in."),
            computed_string(
                "security_group_id",
                "Id of the security group CloudHSM made for the cluster's HSMs.",
            ),
            Attribute::typed("subnet_mapping", Type::map(Type::String))
                .computed()
                .description(
                    "The cluster's subnets: availability zone to subnet id, e.g. \
                     `{ \"eu-west-1a\" = \"subnet-0123456789abcdef0\" }`.",
                ),
            computed_string(
                "backup_policy",
                "Backup policy (`DEFAULT` today: CloudHSM backs the cluster up \
                 automatically).",
            ),
            Attribute::nested_single(
                "backup_retention_policy",
                vec![
                    computed_string("type", "Unit of the retention period; `DAYS` today."),
                    Attribute::number("value")
                        .computed()
                        .description("How many days CloudHSM keeps backups (7 to 379)."),
                ],
            )
            .computed()
            .description(
                "How long CloudHSM keeps the cluster's backups. Null when the cluster \
                 reports no retention policy.",
            ),
            Attribute::nested_single(
                "certificates",
                vec![
                    computed_string(
                        "cluster_csr",
                        "The cluster's certificate signing request, PEM. Present only while \
                         the cluster is `UNINITIALIZED` and has its first HSM; sign it with \
                         your CA and give the result to `cloudhsm_cluster_initialization`.",
                    ),
                    computed_string(
                        "cluster_certificate",
                        "The cluster certificate (the signed CSR), PEM, once the cluster is \
                         initialized.",
                    ),
                    computed_string(
                        "hsm_certificate",
                        "The certificate of the HSM that made the CSR, PEM.",
                    ),
                    computed_string(
                        "aws_hardware_certificate",
                        "AWS's hardware certificate for the HSM, PEM.",
                    ),
                    computed_string(
                        "manufacturer_hardware_certificate",
                        "The HSM manufacturer's hardware certificate, PEM.",
                    ),
                ],
            )
            .computed()
            .description(
                "The cluster's certificates, for signing the CSR and for checking the HSM's \
                 identity. Each is null when CloudHSM does not report it.",
            ),
            Attribute::nested_list(
                "hsms",
                vec![
                    computed_string("hsm_id", "Id of the HSM, e.g. `hsm-abcdefghijk`."),
                    computed_string("availability_zone", "Availability zone the HSM runs in."),
                    computed_string("subnet_id", "Subnet of the HSM's network interface."),
                    computed_string("eni_id", "Id of the HSM's elastic network interface (ENI)."),
                    computed_string(
                        "eni_ip",
                        "IPv4 address of the HSM's network interface: where CloudHSM \
                         clients connect.",
                    ),
                    computed_string(
                        "eni_ipv6",
                        "IPv6 address of the HSM's network interface, for `DUALSTACK` \
                         clusters.",
                    ),
                    computed_string("hsm_type", "Type of this HSM."),
                    computed_string(
                        "state",
                        "HSM state, e.g. `CREATE_IN_PROGRESS`, `ACTIVE`, `DEGRADED`.",
                    ),
                    computed_string(
                        "state_message",
                        "CloudHSM's explanation of the HSM's state, when it gives one.",
                    ),
                ],
            )
            .computed()
            .description(
                "The cluster's HSMs, in the order CloudHSM lists them. Empty until the first \
                 HSM is created.",
            ),
            computed_string(
                "source_backup_id",
                "Id of the backup the cluster was restored from, if any.",
            ),
            computed_string(
                "create_timestamp",
                "When the cluster was created (RFC 3339).",
            ),
            Attribute::typed("tags", Type::map(Type::String))
                .computed()
                .description("The cluster's tags."),
        ],
        ..Default::default()
    })
}

/// The one input, as Terraform gave it.
fn cluster_id_of(config: &Value) -> Result<Field<String>, Diagnostics> {
    let reader = ObjectReader::new(config, AttributePath::root()).map_err(Diagnostics::from)?;
    reader.get("cluster_id").map_err(Diagnostics::from)
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::string(s.clone()))
}

fn string_map(m: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Map(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::string(v.clone())))
            .collect(),
    )
}

fn hsm_value(hsm: &Hsm) -> Value {
    ObjectBuilder::new()
        .set("hsm_id", hsm.id.clone())
        .set("availability_zone", opt(&hsm.availability_zone))
        .set("subnet_id", opt(&hsm.subnet_id))
        .set("eni_id", opt(&hsm.eni_id))
        .set("eni_ip", opt(&hsm.eni_ip))
        .set("eni_ipv6", opt(&hsm.eni_ipv6))
        .set("hsm_type", opt(&hsm.hsm_type))
        .set("state", opt(&hsm.state))
        .set("state_message", opt(&hsm.state_message))
        .build()
}

/// The data source's state for `cluster`, with a warning for anything CloudHSM reported
/// in a shape we could not represent.
pub fn cluster_state(cluster_id: &str, cluster: &Cluster) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    let retention = match &cluster.backup_retention {
        None => Value::Null,
        Some(policy) => {
            let value = match cluster.retention_days() {
                Some(days) => Value::from_i64(days),
                None => {
                    diags.push(
                        Diagnostic::warning(
                            "Unexpected backup retention value",
                            format!(
                                "Cluster {cluster_id} reports a backup retention value of \
                                 {:?}, which is not a whole number of days, so \
                                 backup_retention_policy.value is null. Please report this \
                                 to the provider's maintainers.",
                                policy.value
                            ),
                        )
                        .at(AttributePath::attr("backup_retention_policy").then_attr("value")),
                    );
                    Value::Null
                }
            };
            ObjectBuilder::new()
                .set("type", policy.kind.clone())
                .set("value", value)
                .build()
        }
    };
    let certs = &cluster.certificates;
    let certificates = ObjectBuilder::new()
        .set("cluster_csr", opt(&certs.cluster_csr))
        .set("cluster_certificate", opt(&certs.cluster_certificate))
        .set("hsm_certificate", opt(&certs.hsm_certificate))
        .set(
            "aws_hardware_certificate",
            opt(&certs.aws_hardware_certificate),
        )
        .set(
            "manufacturer_hardware_certificate",
            opt(&certs.manufacturer_hardware_certificate),
        )
        .build();
    let state = ObjectBuilder::new()
        .set("cluster_id", cluster_id)
        .set("id", cluster.id.clone())
        .set("state", cluster.state.as_str())
        .set("state_message", opt(&cluster.state_message))
        .set("hsm_type", opt(&cluster.hsm_type))
        .set(
            "hsm_type_rollback_expiration",
            cluster
                .hsm_type_rollback_expiration
                .map(crate::dates::rfc3339),
        )
        .set("mode", opt(&cluster.mode))
        .set("network_type", opt(&cluster.network_type))
        .set("vpc_id", opt(&cluster.vpc_id))
        .set("security_group_id", opt(&cluster.security_group))
        .set("subnet_mapping", string_map(&cluster.subnet_mapping))
        .set("backup_policy", opt(&cluster.backup_policy))
        .set("backup_retention_policy", retention)
        .set("cluster_csr", opt(&certs.cluster_csr))
        .set("cluster_certificate", opt(&certs.cluster_certificate))
        .set("certificates", certificates)
        .set(
            "hsms",
            Value::List(cluster.hsms.iter().map(hsm_value).collect()),
        )
        .set("source_backup_id", opt(&cluster.source_backup_id))
        .set(
            "create_timestamp",
            cluster.create_timestamp.map(crate::dates::rfc3339),
        )
        .set("tags", string_map(&cluster.tags))
        .build();
    (state, diags)
}

#[async_trait]
impl DataSource for ClusterDataSource {
    fn type_name(&self) -> &'static str {
        "cloudhsm_cluster"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        match cluster_id_of(config) {
            Ok(id) => crate::cluster_id::validate_cluster_id(&id, "cluster_id"),
            Err(d) => d,
        }
    }

    async fn read(&self, config: &Value) -> DataSourceReadResponse {
        let fail = |diagnostics: Diagnostics| DataSourceReadResponse {
            state: Value::Null,
            diagnostics,
        };
        let cluster_id = match cluster_id_of(config) {
            Ok(Field::Known(id)) => id,
            Ok(_) => {
                return fail(
                    Diagnostic::error(
                        "cluster_id is not known",
                        "The cloudhsm_cluster data source needs a cluster_id to read a \
                         cluster, but Terraform passed none. Give cluster_id a value (for \
                         example aws_cloudhsm_v2_cluster.<name>.cluster_id).",
                    )
                    .at(AttributePath::attr("cluster_id"))
                    .into(),
                )
            }
            Err(d) => return fail(d),
        };
        if !crate::cluster_id::is_cluster_id(&cluster_id) {
            return fail(
                crate::cluster_id::cluster_id_diagnostic(&cluster_id, "cluster_id").into(),
            );
        }
        let client = match self.context.client().await {
            Ok(c) => c,
            Err(d) => return fail(d),
        };
        match client.describe(&cluster_id).await {
            Ok(Some(cluster)) => {
                let (state, diagnostics) = cluster_state(&cluster_id, &cluster);
                DataSourceReadResponse { state, diagnostics }
            }
            Ok(None) => fail(crate::aws_diagnostics::cluster_not_found(&cluster_id).into()),
            Err(e) => fail(
                crate::aws_diagnostics::api_diagnostic(&e, &cluster_id, "reading the cluster")
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudhsm::{ClusterCertificates, RetentionPolicy};
    use tfplugin::schema::AttributeKind;
    use tfplugin::value::{decode_msgpack, encode_msgpack};

    fn sample() -> Cluster {
        Cluster {
            id: "cluster-jxhlf7644ne".into(),
            state: crate::cloudhsm::ClusterState::Uninitialized,
            hsm_type: Some("hsm1.medium".into()),
            backup_retention: Some(RetentionPolicy {
                kind: "DAYS".into(),
                value: "90".into(),
            }),
            certificates: ClusterCertificates {
                cluster_csr: Some("-----BEGIN CERTIFICATE REQUEST-----".into()),
                ..Default::default()
            },
            hsms: vec![Hsm {
                id: "hsm-abcdefghijk".into(),
                eni_ip: Some("10.0.0.12".into()),
                ..Default::default()
            }],
            subnet_mapping: [("us-east-1a".to_string(), "subnet-1".to_string())].into(),
            tags: [("team".to_string(), "pki".to_string())].into(),
            hsm_type_rollback_expiration: Some(0),
            ..Default::default()
        }
    }

    #[test]
    fn every_attribute_has_a_description_and_the_schema_is_sound() {
        let s = schema();
        s.check().expect("schema is well formed");
        fn walk(attrs: &[Attribute], prefix: &str) {
            for a in attrs {
                assert!(
                    !a.description.trim().is_empty(),
                    "{prefix}{} has no description",
                    a.name
                );
                if a.name != "cluster_id" {
                    assert!(
                        a.computed && !a.optional,
                        "{prefix}{} must be read-only",
                        a.name
                    );
                }
                if let AttributeKind::Nested { attributes, .. } = &a.kind {
                    walk(attributes, &format!("{prefix}{}.", a.name));
                }
            }
        }
        walk(&s.block.attributes, "");
        assert!(!s.block.description.is_empty());
    }

    #[test]
    fn state_fits_the_schema_and_carries_the_csr() {
        let (state, diags) = cluster_state("cluster-jxhlf7644ne", &sample());
        assert!(diags.is_empty(), "{diags:?}");
        let ty = schema().value_type();
        let bytes = encode_msgpack(&state, &ty).expect("state encodes with the schema type");
        let back = decode_msgpack(&bytes, &ty).expect("decodes");
        assert_eq!(back, state);
        assert_eq!(
            state
                .get("certificates")
                .and_then(|c| c.get("cluster_csr"))
                .and_then(Value::as_str),
            Some("-----BEGIN CERTIFICATE REQUEST-----")
        );
        assert_eq!(
            state.get("cluster_csr").and_then(Value::as_str),
            Some("-----BEGIN CERTIFICATE REQUEST-----"),
            "top-level copy for Terraform before 1.2.7"
        );
        assert_eq!(
            state
                .get("backup_retention_policy")
                .and_then(|p| p.get("value"))
                .and_then(Value::as_number)
                .and_then(|n| n.as_i64()),
            Some(90)
        );
        assert_eq!(
            state
                .get("hsm_type_rollback_expiration")
                .and_then(Value::as_str),
            Some("1970-01-01T00:00:00Z")
        );
        match state.get("hsms") {
            Some(Value::List(hsms)) => {
                assert_eq!(hsms.len(), 1);
                assert_eq!(
                    hsms[0].get("eni_ip").and_then(Value::as_str),
                    Some("10.0.0.12")
                );
                assert!(hsms[0].get("eni_ipv6").is_some_and(Value::is_null));
            }
            other => panic!("hsms is not a list: {other:?}"),
        }
    }

    #[test]
    fn odd_retention_value_is_a_warning_not_a_failure() {
        let mut c = sample();
        c.backup_retention = Some(RetentionPolicy {
            kind: "DAYS".into(),
            value: "ninety".into(),
        });
        let (state, diags) = cluster_state("cluster-jxhlf7644ne", &c);
        assert!(!diags.has_errors());
        assert_eq!(diags.len(), 1);
        assert!(state
            .get("backup_retention_policy")
            .and_then(|p| p.get("value"))
            .is_some_and(Value::is_null));
    }

    #[tokio::test]
    async fn validate_rejects_a_malformed_id_on_the_attribute() {
        let ds = ClusterDataSource::new(ProviderContext::new());
        let d = ds
            .validate(&Value::object([(
                "cluster_id",
                Value::string("my-cluster"),
            )]))
            .await;
        assert!(d.has_errors());
        let diag = d.iter().next().expect("one diagnostic");
        assert_eq!(diag.attribute, Some(AttributePath::attr("cluster_id")));
        assert!(diag.detail.contains("my-cluster"), "{}", diag.detail);
        let ok = ds
            .validate(&Value::object([("cluster_id", Value::unknown())]))
            .await;
        assert!(ok.is_empty(), "unknown ids are checked later: {ok:?}");
    }
}
