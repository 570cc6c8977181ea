//! The signed release served through Terraform's provider registry protocol (service
//! discovery, the versions and download endpoints with the signing key) over HTTPS on
//! 127.0.0.1, and the real `terraform init` + `plan` installing from it: found by discovery
//! from a registry host in the source address, and as users write it,
//! `source = "cloudhsm-iac/cloudhsm"`, reached through a CLI configuration `host` block.
//! Then the attacks the signature is there for, each refused with Terraform's own error and
//! nothing installed: a swapped archive, a swapped archive with SHA256SUMS rewritten to
//! match, and that rewritten SHA256SUMS signed by another key.

mod release_support;
mod support;

use release_support::gpg::{Key, Keyring};
use release_support::harness::{with_release, ReleaseCtx};
use release_support::https::Server;
use release_support::install::Install;
use release_support::{arch, hashes, os, sums_name, zip_name, Release, PLATFORM, VERSION};
use serde_json::json;

/// Where this registry's `providers.v1` lives, as its discovery document says.
const DISCOVERED_BASE: &str = "/v1/providers/";
/// Another base, named only by the CLI configuration's host block.
const HOST_BLOCK_BASE: &str = "/host-block/v1/providers/";

/// What the registry hands out: the archive, SHA256SUMS, its signature, the archive's
/// SHA-256 as the download answer gives it, and the keys it says may sign.
struct Served {
    zip: Vec<u8>,
    sums: Vec<u8>,
    sig: Vec<u8>,
    shasum: String,
    keys: Vec<Key>,
}

impl Served {
    fn release(release: &Release) -> Self {
        Served {
            zip: release.zip(),
            sums: release.file(&sums_name()),
            sig: release.file(&format!("{}.sig", sums_name())),
            shasum: release.listed_shasum(),
            keys: vec![release.key.clone()],
        }
    }
}

/// Serves `served` through the registry protocol under `base`, the files under
/// `/releases/v<version>/`, and the discovery document.
fn publish(server: &Server, base: &str, served: &Served) {
    server.put_json(
        "/.well-known/terraform.json",
        &json!({ "providers.v1": DISCOVERED_BASE }),
    );
    server.put_json(
        &format!("{base}cloudhsm-iac/cloudhsm/versions"),
        &json!({ "versions": [{
            "version": VERSION,
            "protocols": ["6.0"],
            "platforms": [{ "os": os(), "arch": arch() }],
        }] }),
    );
    let files = format!("/releases/v{VERSION}");
    let keys: Vec<_> = served
        .keys
        .iter()
        .map(|k| json!({ "key_id": k.key_id, "ascii_armor": k.armor }))
        .collect();
    server.put_json(
        &format!(
            "{base}cloudhsm-iac/cloudhsm/{VERSION}/download/{}/{}",
            os(),
            arch()
        ),
        &json!({
            "protocols": ["6.0"],
            "os": os(),
            "arch": arch(),
            "filename": zip_name(),
            "download_url": format!("{}{files}/{}", server.base, zip_name()),
            "shasums_url": format!("{}{files}/{}", server.base, sums_name()),
            "shasums_signature_url": format!("{}{files}/{}.sig", server.base, sums_name()),
            "shasum": served.shasum,
            "signing_keys": { "gpg_public_keys": keys },
        }),
    );
    server.put(
        &format!("{files}/{}", zip_name()),
        "application/zip",
        served.zip.clone(),
    );
    server.put(
        &format!("{files}/{}", sums_name()),
        "text/plain",
        served.sums.clone(),
    );
    server.put(
        &format!("{files}/{}.sig", sums_name()),
        "application/octet-stream",
        served.sig.clone(),
    );
}

/// A CLI configuration whose host block sends `registry.terraform.io` to `server`.
fn host_block(server: &Server) -> String {
    format!(
        "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"{}{HOST_BLOCK_BASE}\"\n  }}\n}}\n",
        server.base
    )
}

/// The attacker's SHA256SUMS: the release's, with the zip's line naming `zip` instead.
fn rewritten_sums(release: &Release, zip: &[u8]) -> Vec<u8> {
    let sums = String::from_utf8(release.file(&sums_name())).expect("SHA256SUMS is text");
    sums.replace(&release.listed_shasum(), &hashes::sha256_hex(zip))
        .into_bytes()
}

fn sorted(mut hashes: Vec<String>) -> Vec<String> {
    hashes.sort();
    hashes
}

/// What a lock file filled from this registry must hold, sorted: `h1:` of the archive's
/// files, computed here, and `zh:` of everything SHA256SUMS lists, the archive's included.
fn release_hashes(release: &Release) -> Vec<String> {
    let zip_zh = format!("zh:{}", release.listed_shasum());
    let listed = release.listed_zh();
    assert!(listed.contains(&zip_zh), "{listed:?}");
    assert_eq!(zip_zh, hashes::zh(&release.zip()), "SHA256SUMS and the zip");
    let mut all = listed;
    all.push(hashes::h1(&release.zip_path()));
    sorted(all)
}

/// The shared setup; [`ReleaseCtx`] is this crate's type, so the methods below extend it.
type Ctx = ReleaseCtx;

impl Ctx {
    /// `cloudhsm-iac/cloudhsm` through the host block, from a registry serving `served`.
    fn install_through_host_block(&self, served: &Served) -> Install {
        publish(&self.server, HOST_BLOCK_BASE, served);
        self.install("cloudhsm-iac/cloudhsm", &host_block(&self.server))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_from_a_registry_found_by_service_discovery() {
    if cfg!(windows) {
        // The source names the test server with its port (`localhost:PORT/...`), and
        // Terraform installs under a directory named after that host, port and all: `:` is
        // not allowed in a Windows file name. The host-block tests below install through the
        // same registry protocol under registry.terraform.io, and run here.
        eprintln!(
            "NOT RUN on Windows: Terraform would install localhost:PORT/... under a directory \
             whose name holds the port's ':'"
        );
        return;
    }
    with_release("registry", |ctx| {
        publish(&ctx.server, DISCOVERED_BASE, &Served::release(ctx.release));
        let source = format!("{}/cloudhsm-iac/cloudhsm", ctx.server.authority);
        let install = ctx.install(&source, "");

        let init = install.init().ok();
        assert!(
            init.all().contains(&format!(
                "Installed {source} v{VERSION} (self-signed, key ID {})",
                ctx.release.key.key_id
            )),
            "Terraform did not report our signing key:\n{}",
            init.all()
        );
        let asked = ctx.server.requests();
        assert_eq!(
            asked.first().map(String::as_str),
            Some("GET /.well-known/terraform.json"),
            "Terraform did not start with service discovery: {asked:?}"
        );
        for wanted in [
            format!("GET {DISCOVERED_BASE}cloudhsm-iac/cloudhsm/versions"),
            format!(
                "GET {DISCOVERED_BASE}cloudhsm-iac/cloudhsm/{VERSION}/download/{}/{}",
                os(),
                arch()
            ),
            format!("GET /releases/v{VERSION}/{}.sig", sums_name()),
        ] {
            assert!(asked.contains(&wanted), "no {wanted:?} in {asked:?}");
        }
        // The lock file holds the release's own hashes: the hash of the files inside the
        // archive, and every SHA-256 the signed SHA256SUMS lists (the archive's among them).
        assert_eq!(
            sorted(hashes::locked(install.path(), &source)),
            release_hashes(ctx.release),
            "lock file hashes"
        );
        install.plan_reads_the_cluster();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_cloudhsm_iac_cloudhsm_through_a_cli_configuration_host_block() {
    with_release("registry", |ctx| {
        let install = ctx.install_through_host_block(&Served::release(ctx.release));
        let init = install.init().ok();
        assert!(
            init.all().contains(&format!(
                "Installed cloudhsm-iac/cloudhsm v{VERSION} (self-signed, key ID {})",
                ctx.release.key.key_id
            )),
            "{}",
            init.all()
        );
        let asked = ctx.server.requests();
        assert!(
            !asked.iter().any(|r| r.contains("/.well-known/")),
            "the host block should replace service discovery: {asked:?}"
        );
        assert!(
            asked.contains(&format!(
                "GET {HOST_BLOCK_BASE}cloudhsm-iac/cloudhsm/versions"
            )),
            "{asked:?}"
        );
        install.plan_reads_the_cluster();

        // `terraform providers lock` asks the origin registry (here: through the host
        // block) and records the same hashes of the release.
        std::fs::remove_file(install.path().join(".terraform.lock.hcl")).expect("lock file");
        let lock = install
            .run(&[
                "providers",
                "lock",
                "-no-color",
                &format!("-platform={PLATFORM}"),
            ])
            .ok();
        assert_eq!(
            sorted(hashes::locked(install.path(), support::SOURCE)),
            release_hashes(ctx.release),
            "{}",
            lock.all()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_an_archive_that_is_not_the_released_one() {
    with_release("registry", |ctx| {
        let foreign = release_support::foreign_zip();
        let served = Served {
            zip: foreign.clone(),
            ..Served::release(ctx.release)
        };
        let install = ctx.install_through_host_block(&served);
        let init = install.init();
        install.refused(
            &init,
            support::SOURCE,
            &[
                &format!("archive has incorrect checksum {}", hashes::zh(&foreign)),
                &format!("(expected zh:{})", ctx.release.listed_shasum()),
            ],
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_sha256sums_rewritten_for_another_archive() {
    with_release("registry", |ctx| {
        // Everything consistent except the signature, which is the release's.
        let foreign = release_support::foreign_zip();
        let served = Served {
            sums: rewritten_sums(ctx.release, &foreign),
            shasum: hashes::sha256_hex(&foreign),
            zip: foreign,
            ..Served::release(ctx.release)
        };
        let install = ctx.install_through_host_block(&served);
        let init = install.init();
        install.refused(
            &init,
            support::SOURCE,
            &["error checking signature: openpgp: invalid signature"],
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_sha256sums_signed_by_another_key() {
    with_release("registry", |ctx| {
        let foreign = release_support::foreign_zip();
        let sums = rewritten_sums(ctx.release, &foreign);
        let other = Keyring::new(&ctx.gpg);
        let other_key = other.generate("someone else");
        let served = Served {
            sig: other.sign(&other_key, &sums),
            sums,
            shasum: hashes::sha256_hex(&foreign),
            zip: foreign,
            ..Served::release(ctx.release)
        };
        let install = ctx.install_through_host_block(&served);
        let init = install.init();
        install.refused(
            &init,
            support::SOURCE,
            &["authentication signature from unknown issuer"],
        );
    })
    .await;
}
