//! Fixtures for `terraform test` mocks: one consistent set (a cluster id, the cluster's CSR and
//! HSM certificates, a throwaway root CA, the cluster certificate it issued for the CSR, its
//! private key, a backup) and its rendering as `mock_provider` blocks whose `mock_resource` /
//! `mock_data` defaults pass the provider's validation. `cloudhsm-emulator fixtures` prints
//! them; docs/guides/testing.md shows the format.
//!
//! A mocked provider still validates every configuration (Terraform sends
//! `ValidateResourceConfig` to the real provider), so a certificate that flows from one mocked
//! resource into another must be real PEM, and a signed certificate must be issued by the
//! trust anchor given with it. Mock defaults cannot call functions (`file()`), hence literal
//! heredocs.
//!
//! It stands on [`crate::pki`] (the key material) and the id shapes of [`crate::model`];
//! nothing imports it but the binary and tests.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::PkiError;
use crate::model::{new_hex_id, new_id};
use crate::pki::{self, Authorities};
use crate::DEFAULT_ACCOUNT;

/// One consistent set of fixtures.
#[derive(Clone, Debug)]
pub struct Fixtures {
    /// The region everything lives in.
    pub region: String,
    /// `cluster-` and 11 characters of `[2-7a-z]`.
    pub cluster_id: String,
    /// The first HSM's id.
    pub hsm_id: String,
    /// The cluster's CSR (PEM, RSA 2048, as the HSM makes it).
    pub cluster_csr: String,
    /// The HSM's certificate of the cluster key, and the hardware certificates.
    pub hsm_certificate: String,
    pub aws_hardware_certificate: String,
    pub manufacturer_hardware_certificate: String,
    /// The throwaway root CA (self-signed, ECDSA P-256): the trust anchor.
    pub root_certificate: String,
    /// The cluster certificate: the CSR's subject and key, issued by the root.
    pub signed_cert: String,
    /// The root's private key (PKCS #8 PEM), for `ca_private_key_wo`. Test use only.
    pub ca_private_key: String,
    /// A READY backup of the cluster, and its copy in `dr_region`.
    pub backup_id: String,
    pub copy_backup_id: String,
    pub dr_region: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub security_group_id: String,
    pub eni_id: String,
    pub eni_ip: String,
    /// Now, RFC 3339 (UTC).
    pub timestamp: String,
}

impl Fixtures {
    /// A fresh set in `region`, the backup copied to `dr_region`.
    pub fn generate(region: &str, dr_region: &str) -> Result<Fixtures, PkiError> {
        let authorities = Authorities::new()?;
        let hsm_id = new_id("hsm");
        let material = pki::cluster_material(&hsm_id, &authorities)?;
        let (signed, ca_private_key) = pki::sign_csr_keeping_key(&material.csr_pem)?;
        Ok(Fixtures {
            region: region.to_string(),
            cluster_id: new_id("cluster"),
            hsm_id,
            cluster_csr: material.csr_pem,
            hsm_certificate: material.hsm_certificate,
            aws_hardware_certificate: material.aws_hardware_certificate,
            manufacturer_hardware_certificate: material.manufacturer_hardware_certificate,
            root_certificate: signed.trust_anchor_pem,
            signed_cert: signed.signed_cert_pem,
            ca_private_key,
            backup_id: new_id("backup"),
            copy_backup_id: new_id("backup"),
            dr_region: dr_region.to_string(),
            vpc_id: new_hex_id("vpc"),
            subnet_id: new_hex_id("subnet"),
            security_group_id: new_hex_id("sg"),
            eni_id: new_hex_id("eni"),
            eni_ip: "10.0.0.10".to_string(),
            timestamp: rfc3339(SystemTime::now()),
        })
    }

    fn availability_zone(&self) -> String {
        format!("{}a", self.region)
    }

    fn backup_arn(&self, region: &str, id: &str) -> String {
        format!("arn:aws:cloudhsm:{region}:{DEFAULT_ACCOUNT}:backup/{id}")
    }

    /// `mock_provider "cloudhsm"`: defaults for every resource and data source of the
    /// provider, as a cluster between its first HSM and its initialization shows them.
    pub fn cloudhsm_mock_provider(&self) -> String {
        let s = |v: &str| Hcl::Str(v.to_string());
        let pem = |v: &str| Hcl::Heredoc(v.to_string());
        let cluster = Hcl::Obj(vec![
            ("id", s(&self.cluster_id)),
            ("state", s("UNINITIALIZED")),
            ("state_message", s("Cluster is uninitialized.")),
            ("hsm_type", s("hsm2m.medium")),
            ("mode", s("FIPS")),
            ("network_type", s("IPV4")),
            ("vpc_id", s(&self.vpc_id)),
            ("security_group_id", s(&self.security_group_id)),
            ("create_timestamp", s(&self.timestamp)),
            ("backup_policy", s("DEFAULT")),
            (
                "backup_retention_policy",
                Hcl::Obj(vec![("type", s("DAYS")), ("value", Hcl::Num(90))]),
            ),
            (
                "subnet_mapping",
                Hcl::Map(vec![(self.availability_zone(), s(&self.subnet_id))]),
            ),
            ("tags", Hcl::Map(Vec::new())),
            ("cluster_csr", pem(&self.cluster_csr)),
            (
                "certificates",
                Hcl::Obj(vec![
                    ("cluster_csr", pem(&self.cluster_csr)),
                    ("hsm_certificate", pem(&self.hsm_certificate)),
                    (
                        "aws_hardware_certificate",
                        pem(&self.aws_hardware_certificate),
                    ),
                    (
                        "manufacturer_hardware_certificate",
                        pem(&self.manufacturer_hardware_certificate),
                    ),
                ]),
            ),
        ]);
        let backup = Hcl::Obj(vec![
            ("backup_id", s(&self.backup_id)),
            (
                "backup_arn",
                s(&self.backup_arn(&self.region, &self.backup_id)),
            ),
            ("state", s("READY")),
            ("cluster_id", s(&self.cluster_id)),
            ("hsm_type", s("hsm2m.medium")),
            ("mode", s("FIPS")),
            ("create_timestamp", s(&self.timestamp)),
            ("copy_timestamp", Hcl::Null),
            ("delete_timestamp", Hcl::Null),
            ("never_expires", Hcl::Bool(false)),
            ("source_region", Hcl::Null),
            ("source_backup_id", Hcl::Null),
            ("source_cluster_id", Hcl::Null),
            ("tags", Hcl::Map(Vec::new())),
        ]);
        let backups = Hcl::Obj(vec![
            ("id", s(&self.region)),
            ("region", s(&self.region)),
            ("ids", Hcl::List(vec![s(&self.backup_id)])),
            ("backups", Hcl::List(vec![backup])),
        ]);
        let one_time_root = Hcl::Obj(vec![
            ("id", s(&self.cluster_id)),
            ("cluster_csr", pem(&self.cluster_csr)),
            ("root_certificate", pem(&self.root_certificate)),
            ("signed_cert", pem(&self.signed_cert)),
        ]);
        let initialization = Hcl::Obj(vec![
            ("id", s(&self.cluster_id)),
            ("state", s("INITIALIZED")),
            ("state_message", s("Cluster is initialized.")),
            ("signed_cert", pem(&self.signed_cert)),
            ("cluster_certificate", pem(&self.signed_cert)),
        ]);
        let config = Hcl::Obj(vec![
            ("id", s(&self.cluster_id)),
            ("state", s("ACTIVE")),
            ("backup_policy", s("DEFAULT")),
            ("hsm_type", s("hsm2m.medium")),
            (
                "backup_retention_policy",
                Hcl::Obj(vec![("type", s("DAYS")), ("value", Hcl::Num(90))]),
            ),
        ]);
        let copy = Hcl::Obj(vec![
            ("id", s(&self.copy_backup_id)),
            ("backup_id", s(&self.copy_backup_id)),
            (
                "backup_arn",
                s(&self.backup_arn(&self.dr_region, &self.copy_backup_id)),
            ),
            ("state", s("READY")),
            ("source_region", s(&self.region)),
            ("never_expires", Hcl::Bool(false)),
        ]);
        let exemption = Hcl::Obj(vec![
            ("id", s(&self.backup_id)),
            ("region", s(&self.region)),
            ("cluster_id", s(&self.cluster_id)),
            ("state", s("READY")),
            ("create_timestamp", s(&self.timestamp)),
        ]);
        let mut out = String::new();
        out.push_str("mock_provider \"cloudhsm\" {\n");
        for (kind, name, defaults) in [
            ("mock_data", "cloudhsm_cluster", cluster),
            ("mock_data", "cloudhsm_backups", backups),
            ("mock_resource", "cloudhsm_one_time_root", one_time_root),
            (
                "mock_resource",
                "cloudhsm_cluster_initialization",
                initialization,
            ),
            ("mock_resource", "cloudhsm_cluster_config", config),
            ("mock_resource", "cloudhsm_backup_copy", copy),
            (
                "mock_resource",
                "cloudhsm_backup_retention_exemption",
                exemption,
            ),
        ] {
            mock_block(&mut out, kind, name, &defaults);
        }
        out.push_str("}\n");
        out
    }

    /// `mock_provider "aws"`: the AWS provider's CloudHSM resources with this cluster's id,
    /// for modules that create the cluster with `hashicorp/aws`.
    pub fn aws_mock_provider(&self) -> String {
        let s = |v: &str| Hcl::Str(v.to_string());
        let cluster = Hcl::Obj(vec![
            ("id", s(&self.cluster_id)),
            ("cluster_id", s(&self.cluster_id)),
            ("cluster_state", s("UNINITIALIZED")),
            ("vpc_id", s(&self.vpc_id)),
            ("security_group_id", s(&self.security_group_id)),
        ]);
        let hsm = Hcl::Obj(vec![
            ("id", s(&self.hsm_id)),
            ("hsm_id", s(&self.hsm_id)),
            ("hsm_state", s("ACTIVE")),
            ("hsm_eni_id", s(&self.eni_id)),
            ("ip_address", s(&self.eni_ip)),
            ("availability_zone", s(&self.availability_zone())),
        ]);
        let mut out = String::new();
        out.push_str("mock_provider \"aws\" {\n");
        mock_block(
            &mut out,
            "mock_resource",
            "aws_cloudhsm_v2_cluster",
            &cluster,
        );
        mock_block(&mut out, "mock_resource", "aws_cloudhsm_v2_hsm", &hsm);
        out.push_str("}\n");
        out
    }

    /// What `cloudhsm-emulator fixtures` prints: a header, then both mock providers.
    pub fn render(&self) -> String {
        format!(
            "# Generated by `cloudhsm-emulator fixtures`: one consistent set for `terraform test`.\n\
             # Cluster {cluster} (UNINITIALIZED, one HSM): its CSR, a throwaway root CA (the trust\n\
             # anchor) and the cluster certificate the root issued for that CSR. Test use only.\n\
             # Leave out mock_provider \"aws\" when the module does not use hashicorp/aws.\n\
             # data.cloudhsm_cluster's hsms is left out: Terraform 1.11 mocks a list of nested\n\
             # attributes as an empty list only, and refuses any other default for it.\n\n{}\n{}",
            self.cloudhsm_mock_provider(),
            self.aws_mock_provider(),
            cluster = self.cluster_id,
        )
    }
}

/// The HCL values the fixtures use.
enum Hcl {
    Str(String),
    /// A PEM block, as an indented heredoc (`<<-EOT`): the value keeps its final newline.
    Heredoc(String),
    Num(i64),
    Bool(bool),
    Null,
    /// An object with attribute names.
    Obj(Vec<(&'static str, Hcl)>),
    /// A map, keys quoted.
    Map(Vec<(String, Hcl)>),
    List(Vec<Hcl>),
}

fn mock_block(out: &mut String, kind: &str, name: &str, defaults: &Hcl) {
    let _ = writeln!(out, "  {kind} \"{name}\" {{");
    out.push_str("    defaults = ");
    render(out, defaults, 4);
    out.push_str("\n  }\n");
}

fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Whether a value's `=` joins `terraform fmt`'s alignment with its neighbours: every value
/// but an object, map or list over several lines (a heredoc's first line does align).
fn aligned(v: &Hcl) -> bool {
    match v {
        Hcl::Obj(entries) => entries.is_empty(),
        Hcl::Map(entries) => entries.is_empty(),
        Hcl::List(items) => items.iter().all(|i| matches!(i, Hcl::Str(_))),
        _ => true,
    }
}

/// Renders `v` at `indent` spaces (the column of the line it starts on), formatted as
/// `terraform fmt` leaves it.
fn render(out: &mut String, v: &Hcl, indent: usize) {
    let pad = " ".repeat(indent);
    match v {
        Hcl::Str(s) => out.push_str(&quoted(s)),
        Hcl::Num(n) => out.push_str(&n.to_string()),
        Hcl::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Hcl::Null => out.push_str("null"),
        Hcl::Heredoc(text) => {
            out.push_str("<<-EOT\n");
            for line in text.trim_end().lines() {
                let _ = writeln!(out, "{pad}  {line}");
            }
            let _ = write!(out, "{pad}EOT");
        }
        Hcl::Obj(entries) => {
            let keyed: Vec<(String, &Hcl)> =
                entries.iter().map(|(k, v)| (k.to_string(), v)).collect();
            render_entries(out, &keyed, indent);
        }
        Hcl::Map(entries) => {
            let keyed: Vec<(String, &Hcl)> = entries.iter().map(|(k, v)| (quoted(k), v)).collect();
            render_entries(out, &keyed, indent);
        }
        Hcl::List(items) if aligned(v) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(out, item, indent);
            }
            out.push(']');
        }
        Hcl::List(items) => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&pad);
                out.push_str("  ");
                render(out, item, indent + 2);
                out.push_str(",\n");
            }
            out.push_str(&pad);
            out.push(']');
        }
    }
}

/// `{ key = value … }` over several lines; the `=` of consecutive entries aligned, as
/// `terraform fmt` does, each multi-line object or list standing alone.
fn render_entries(out: &mut String, entries: &[(String, &Hcl)], indent: usize) {
    if entries.is_empty() {
        out.push_str("{}");
        return;
    }
    let pad = " ".repeat(indent);
    out.push_str("{\n");
    let mut i = 0;
    while i < entries.len() {
        // A run of aligned entries, or one multi-line object or list.
        let mut end = i;
        while end < entries.len() && aligned(entries[end].1) {
            end += 1;
        }
        if end == i {
            end = i + 1;
        }
        let width = entries[i..end]
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (key, value) in &entries[i..end] {
            let _ = write!(out, "{pad}  {key:<width$} = ");
            render(out, value, indent + 2);
            out.push('\n');
        }
        i = end;
    }
    let _ = write!(out, "{pad}}}");
}

/// `t` as RFC 3339 in UTC, to the second.
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let days = i64::try_from(secs / 86_400).unwrap_or_default();
    let rest = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_certificate_is_the_roots_for_the_csr() {
        let f = Fixtures::generate("eu-west-1", "eu-central-1").expect("fixtures");
        let spki = pki::public_key_der(&f.cluster_csr).expect("CSR");
        pki::check_initialization(
            &spki,
            &f.signed_cert,
            &f.root_certificate,
            pki::Unverifiable::Refuse,
        )
        .expect("InitializeCluster would accept the pair");
        assert!(f.ca_private_key.contains("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn heredocs_keep_the_pem_and_entries_align() {
        let f = Fixtures::generate("eu-west-1", "eu-central-1").expect("fixtures");
        let text = f.render();
        assert!(text.contains("mock_provider \"cloudhsm\" {\n"), "{text}");
        assert!(
            text.contains("      root_certificate = <<-EOT\n        -----BEGIN CERTIFICATE-----\n")
        );
        assert!(text.contains("\n      EOT\n"));
        assert!(text.contains(&format!(
            "      id                  = \"{}\"\n      state               = \"INITIALIZED\"",
            f.cluster_id
        )));
    }

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_709_210_096);
        assert_eq!(rfc3339(t), "2024-02-29T12:34:56Z");
    }
}
