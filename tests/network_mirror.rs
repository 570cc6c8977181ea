//! The signed release served through Terraform's provider network mirror protocol
//! (`provider_installation { network_mirror { url = ... } }`) over HTTPS on 127.0.0.1:
//! the real `terraform init` + `plan` install it as `cloudhsm-iac/cloudhsm`,
//! `terraform providers lock -net-mirror` records the release's hashes, and an archive that
//! does not match them is refused with Terraform's own error and nothing installed.

mod release_support;
mod support;

use release_support::harness::{with_release, ReleaseCtx};
use release_support::https::Server;
use release_support::install::Install;
use release_support::{hashes, zip_name, Release, PLATFORM, VERSION};
use serde_json::json;

/// The mirror's base URL path; Terraform adds `<hostname>/<namespace>/<type>/...`.
const MIRROR: &str = "/mirror/";

/// Serves `zip` as this release's archive for this platform, announced with the release's own
/// hashes (`h1:` of its files, `zh:` as SHA256SUMS lists it).
fn publish(server: &Server, release: &Release, zip: Vec<u8>) {
    let dir = format!("{MIRROR}registry.terraform.io/cloudhsm-iac/cloudhsm");
    server.put_json(
        &format!("{dir}/index.json"),
        &json!({ "versions": { VERSION: {} } }),
    );
    server.put_json(
        &format!("{dir}/{VERSION}.json"),
        &json!({ "archives": { PLATFORM: {
            // Relative: resolved against this document's URL.
            "url": zip_name(),
            "hashes": [
                hashes::h1(&release.zip_path()),
                format!("zh:{}", release.listed_shasum()),
            ],
        } } }),
    );
    server.put(&format!("{dir}/{}", zip_name()), "application/zip", zip);
}

fn mirror_url(server: &Server) -> String {
    format!("{}{MIRROR}", server.base)
}

fn cli_config(server: &Server) -> String {
    format!(
        "provider_installation {{\n  network_mirror {{\n    url = \"{}\"\n  }}\n}}\n",
        mirror_url(server)
    )
}

/// The shared setup; [`ReleaseCtx`] is this crate's type, so the method below extends it.
type Ctx = ReleaseCtx;

impl Ctx {
    /// `cloudhsm-iac/cloudhsm` through the network mirror.
    fn install_from_mirror(&self) -> Install {
        self.install("cloudhsm-iac/cloudhsm", &cli_config(&self.server))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_from_a_network_mirror_and_locks_the_release_hashes() {
    with_release("network_mirror", |ctx| {
        publish(&ctx.server, ctx.release, ctx.release.zip());
        let install = ctx.install_from_mirror();
        let init = install.init().ok();
        assert!(
            init.all().contains(&format!(
                "Installed cloudhsm-iac/cloudhsm v{VERSION} (verified checksum)"
            )),
            "{}",
            init.all()
        );
        let asked = ctx.server.requests();
        assert!(
            asked.contains(&format!(
                "GET {MIRROR}registry.terraform.io/cloudhsm-iac/cloudhsm/{VERSION}.json"
            )),
            "Terraform did not ask the mirror: {asked:?}"
        );
        let h1 = hashes::h1(&ctx.release.zip_path());
        assert_eq!(
            hashes::locked(install.path(), support::SOURCE),
            vec![h1.clone()],
            "init's lock file"
        );
        install.plan_reads_the_cluster();

        // A fresh lock file from the mirror alone: Terraform downloads the archive, checks
        // it against the mirror's hashes and records its own, which must be the release's.
        std::fs::remove_file(install.path().join(".terraform.lock.hcl")).expect("lock file");
        let lock = install
            .run(&[
                "providers",
                "lock",
                "-no-color",
                &format!("-net-mirror={}", mirror_url(&ctx.server)),
                &format!("-platform={PLATFORM}"),
            ])
            .ok();
        let locked = hashes::locked(install.path(), support::SOURCE);
        assert!(!locked.is_empty(), "no hashes locked:\n{}", lock.all());
        for hash in &locked {
            assert!(
                *hash == h1 || *hash == format!("zh:{}", ctx.release.listed_shasum()),
                "{hash} is not a hash of the release:\n{}",
                lock.all()
            );
        }
        assert!(locked.contains(&h1), "{locked:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_an_archive_that_does_not_match_the_mirrors_hashes() {
    with_release("network_mirror", |ctx| {
        publish(&ctx.server, ctx.release, release_support::foreign_zip());
        let install = ctx.install_from_mirror();
        let init = install.init();
        install.refused(
            &init,
            support::SOURCE,
            &["provider package doesn't match", "expected checksums"],
        );
    })
    .await;
}
