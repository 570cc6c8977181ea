//! Data source `cloudhsm_cluster`: everything `DescribeClusters` tells about one cluster
//! that a module needs — above all the certificate signing request (CSR) to sign before
//! `cloudhsm_cluster_initialization` can claim the cluster.
//!
//! Knows the typed layer of `tfplugin` and our CloudHSM client types; never the AWS SDK or
//! gRPC.

use std::collections::BTreeMap;
use std::sync::Arc;

use tfplugin::async_trait;
use tfplugin::diagnostics::Diagnostics;
use tfplugin::value::Number;
use tfplugin::{Field, Model, TypedDataSource};

use crate::cloudhsm::{Cluster, Hsm};
use crate::cluster_id::{validate_cluster_id, CLUSTER_ID_PATTERN};
use crate::cluster_ref::{self, attr};
use crate::context::ProviderContext;
use crate::dates::rfc3339;
use crate::retention;

/// What the data source shows of one cluster. Everything but `cluster_id` is read-only.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ClusterData {
    #[tf(
        required,
        description = format!(
            "Id of the cluster to read, e.g. `cluster-jxhlf7644ne` (pattern \
             `{CLUSTER_ID_PATTERN}`). A cluster that does not exist in the provider's region \
             is an error."
        )
    )]
    pub cluster_id: Field<String>,
    /// The cluster id (same as `cluster_id`).
    #[tf(computed)]
    pub id: Field<String>,
    /// Cluster state, e.g. `UNINITIALIZED`, `INITIALIZED`, `ACTIVE`, `MODIFY_IN_PROGRESS`,
    /// `DEGRADED`.
    #[tf(computed)]
    pub state: Field<String>,
    /// CloudHSM's explanation of the state, when it gives one.
    #[tf(computed)]
    pub state_message: Field<String>,
    /// The cluster's certificate signing request (PEM), the same as
    /// `certificates.cluster_csr`: present once the first HSM exists and until the cluster is
    /// initialized. Offered at the top level because Terraform before 1.2.7 cannot reference
    /// into nested attributes.
    #[tf(computed)]
    pub cluster_csr: Field<String>,
    /// The signed cluster certificate (PEM) after initialization, the same as
    /// `certificates.cluster_certificate`.
    #[tf(computed)]
    pub cluster_certificate: Field<String>,
    /// Type of the cluster's HSMs, e.g. `hsm1.medium` or `hsm2m.medium`.
    #[tf(computed)]
    pub hsm_type: Field<String>,
    /// After an HSM type change: until when (RFC 3339) the change can still be rolled back.
    /// Null otherwise.
    #[tf(computed)]
    pub hsm_type_rollback_expiration: Field<String>,
    /// Cluster mode as CloudHSM reports it (`FIPS` or `NON_FIPS`).
    #[tf(computed)]
    pub mode: Field<String>,
    /// IP addressing of the cluster's network interfaces (`IPV4` or `DUALSTACK`).
    #[tf(computed)]
    pub network_type: Field<String>,
    /// Id of the VPC the cluster lives in.
    #[tf(computed)]
    pub vpc_id: Field<String>,
    /// Id of the security group CloudHSM made for the cluster's HSMs.
    #[tf(computed)]
    pub security_group_id: Field<String>,
    /// The cluster's subnets: availability zone to subnet id, e.g.
    /// `{ "eu-west-1a" = "subnet-0123456789abcdef0" }`.
    #[tf(computed)]
    pub subnet_mapping: Field<BTreeMap<String, String>>,
    /// Backup policy (`DEFAULT` today: CloudHSM backs the cluster up automatically).
    #[tf(computed)]
    pub backup_policy: Field<String>,
    /// How long CloudHSM keeps the cluster's backups. Null when the cluster reports no
    /// retention policy.
    #[tf(computed, nested)]
    pub backup_retention_policy: Field<RetentionData>,
    /// The cluster's certificates, for signing the CSR and for checking the HSM's identity.
    /// Each is null when CloudHSM does not report it.
    #[tf(computed, nested)]
    pub certificates: Field<CertificatesData>,
    /// The cluster's HSMs, in the order CloudHSM lists them. Empty until the first HSM is
    /// created.
    #[tf(computed, nested)]
    pub hsms: Field<Vec<HsmData>>,
    /// Id of the backup the cluster was restored from, if any.
    #[tf(computed)]
    pub source_backup_id: Field<String>,
    /// When the cluster was created (RFC 3339).
    #[tf(computed)]
    pub create_timestamp: Field<String>,
    /// The cluster's tags, without the keys of the provider's `ignore_tags`.
    #[tf(computed)]
    pub tags: Field<BTreeMap<String, String>>,
}

/// `backup_retention_policy`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct RetentionData {
    /// Unit of the retention period; `DAYS` today.
    #[tf(computed)]
    pub r#type: Field<String>,
    /// How many days CloudHSM keeps backups (7 to 379).
    #[tf(computed)]
    pub value: Field<Number>,
}

/// `certificates`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct CertificatesData {
    /// The cluster's certificate signing request, PEM. Present only while the cluster is
    /// `UNINITIALIZED` and has its first HSM; sign it with your CA and give the result to
    /// `cloudhsm_cluster_initialization`.
    #[tf(computed)]
    pub cluster_csr: Field<String>,
    /// The cluster certificate (the signed CSR), PEM, once the cluster is initialized.
    #[tf(computed)]
    pub cluster_certificate: Field<String>,
    /// The certificate of the HSM that made the CSR, PEM.
    #[tf(computed)]
    pub hsm_certificate: Field<String>,
    /// AWS's hardware certificate for the HSM, PEM.
    #[tf(computed)]
    pub aws_hardware_certificate: Field<String>,
    /// The HSM manufacturer's hardware certificate, PEM.
    #[tf(computed)]
    pub manufacturer_hardware_certificate: Field<String>,
}

/// One of `hsms`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct HsmData {
    /// Id of the HSM, e.g. `hsm-abcdefghijk`.
    #[tf(computed)]
    pub hsm_id: Field<String>,
    /// Availability zone the HSM runs in.
    #[tf(computed)]
    pub availability_zone: Field<String>,
    /// Subnet of the HSM's network interface.
    #[tf(computed)]
    pub subnet_id: Field<String>,
    /// Id of the HSM's elastic network interface (ENI).
    #[tf(computed)]
    pub eni_id: Field<String>,
    /// IPv4 address of the HSM's network interface: where CloudHSM clients connect.
    #[tf(computed)]
    pub eni_ip: Field<String>,
    /// IPv6 address of the HSM's network interface, for `DUALSTACK` clusters.
    #[tf(computed)]
    pub eni_ipv6: Field<String>,
    /// Type of this HSM.
    #[tf(computed)]
    pub hsm_type: Field<String>,
    /// HSM state, e.g. `CREATE_IN_PROGRESS`, `ACTIVE`, `DEGRADED`.
    #[tf(computed)]
    pub state: Field<String>,
    /// CloudHSM's explanation of the HSM's state, when it gives one.
    #[tf(computed)]
    pub state_message: Field<String>,
}

pub struct ClusterDataSource {
    context: Arc<ProviderContext>,
}

impl ClusterDataSource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        ClusterDataSource { context }
    }
}

fn hsm_data(hsm: &Hsm) -> HsmData {
    HsmData {
        hsm_id: Field::Known(hsm.id.clone()),
        availability_zone: hsm.availability_zone.clone().into(),
        subnet_id: hsm.subnet_id.clone().into(),
        eni_id: hsm.eni_id.clone().into(),
        eni_ip: hsm.eni_ip.clone().into(),
        eni_ipv6: hsm.eni_ipv6.clone().into(),
        hsm_type: hsm.hsm_type.clone().into(),
        state: hsm.state.clone().into(),
        state_message: hsm.state_message.clone().into(),
    }
}

/// The data source's state for `cluster`, with a warning for anything CloudHSM reported in
/// a shape we could not represent.
pub fn cluster_data(cluster_id: &str, cluster: &Cluster) -> (ClusterData, Diagnostics) {
    let mut diags = Diagnostics::new();
    let retention = retention::reported(cluster).map(|policy| {
        if policy.days.is_none() {
            let path = attr(ClusterData::BACKUP_RETENTION_POLICY).then_attr(RetentionData::VALUE);
            diags.push(retention::odd_value_warning(cluster_id, &policy.raw, path));
        }
        RetentionData {
            r#type: Field::Known(policy.kind),
            value: policy.days.into(),
        }
    });
    let c = &cluster.certificates;
    let data = ClusterData {
        cluster_id: Field::Known(cluster_id.to_string()),
        id: Field::Known(cluster.id.clone()),
        state: Field::Known(cluster.state.as_str().to_string()),
        state_message: cluster.state_message.clone().into(),
        cluster_csr: c.cluster_csr.clone().into(),
        cluster_certificate: c.cluster_certificate.clone().into(),
        hsm_type: cluster.hsm_type.clone().into(),
        hsm_type_rollback_expiration: cluster.hsm_type_rollback_expiration.map(rfc3339).into(),
        mode: cluster.mode.clone().into(),
        network_type: cluster.network_type.clone().into(),
        vpc_id: cluster.vpc_id.clone().into(),
        security_group_id: cluster.security_group.clone().into(),
        subnet_mapping: Field::Known(cluster.subnet_mapping.clone()),
        backup_policy: cluster.backup_policy.clone().into(),
        backup_retention_policy: retention.into(),
        certificates: Field::Known(CertificatesData {
            cluster_csr: c.cluster_csr.clone().into(),
            cluster_certificate: c.cluster_certificate.clone().into(),
            hsm_certificate: c.hsm_certificate.clone().into(),
            aws_hardware_certificate: c.aws_hardware_certificate.clone().into(),
            manufacturer_hardware_certificate: c.manufacturer_hardware_certificate.clone().into(),
        }),
        hsms: Field::Known(cluster.hsms.iter().map(hsm_data).collect()),
        source_backup_id: cluster.source_backup_id.clone().into(),
        create_timestamp: cluster.create_timestamp.map(rfc3339).into(),
        tags: Field::Known(cluster.tags.clone()),
    };
    (data, diags)
}

#[async_trait]
impl TypedDataSource for ClusterDataSource {
    type Model = ClusterData;
    const TYPE_NAME: &'static str = "cloudhsm_cluster";

    fn description(&self) -> String {
        "Reads one CloudHSM v2 cluster with `DescribeClusters`: its state, HSM type, network \
         placement, backup settings, HSMs and certificates. This is how a configuration gets \
         the cluster's certificate signing request (`certificates.cluster_csr`) to sign before \
         `cloudhsm_cluster_initialization` initializes the cluster."
            .to_string()
    }

    async fn validate(&self, config: &ClusterData) -> Diagnostics {
        validate_cluster_id(&config.cluster_id, ClusterData::CLUSTER_ID)
    }

    async fn read(&self, config: ClusterData) -> Result<(ClusterData, Diagnostics), Diagnostics> {
        let cluster_id = cluster_ref::id_in_config(
            &config.cluster_id,
            Self::TYPE_NAME,
            ClusterData::CLUSTER_ID,
        )?;
        let mut cluster =
            cluster_ref::describe_existing(&self.context, &cluster_id, "reading the cluster")
                .await?;
        // The keys of the provider's ignore_tags are not read.
        cluster.tags = self.context.tags().await.ignored.visible(&cluster.tags);
        Ok(cluster_data(&cluster_id, &cluster))
    }
}

#[cfg(test)]
mod tests;
