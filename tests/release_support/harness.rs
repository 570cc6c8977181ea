//! One registry or network-mirror test, set up the same way for both: the tools, the signed
//! release, an emulator with a cluster, a test CA and an HTTPS server, and the test body run
//! off the async runtime. Each test file adds its own methods to [`ReleaseCtx`].

use std::path::PathBuf;

use cloudhsm_emulator::ClusterSpec;

use super::https::{Server, TestCa};
use super::install::Install;
use super::Release;

/// What a test body gets.
pub struct ReleaseCtx {
    pub terraform: PathBuf,
    pub gpg: PathBuf,
    pub release: &'static Release,
    pub ca: TestCa,
    pub server: Server,
    pub endpoint: String,
    pub cluster_id: String,
}

impl ReleaseCtx {
    /// Terraform installing `source` with `cli_config`, trusting the test CA, in a module
    /// that reads the seeded cluster.
    pub fn install(&self, source: &str, cli_config: &str) -> Install {
        Install::new(
            &self.terraform,
            &self.ca,
            source,
            cli_config,
            &self.endpoint,
            &self.cluster_id,
        )
    }
}

/// Runs `body` with the signed release of test binary `binary` (see
/// [`super::signed_release`]), an emulator with a cluster, a test CA and a server; `body`
/// runs off the async runtime. Returns without running `body` (after a SKIPPED message)
/// when Terraform or gpg is missing outside CI.
pub async fn with_release(binary: &'static str, body: impl FnOnce(ReleaseCtx) + Send + 'static) {
    let Some((terraform, gpg)) = super::tools() else {
        return;
    };
    let emulator = crate::support::emulator(None).await;
    let cluster_id = emulator.control().seed_cluster(ClusterSpec::default());
    let endpoint = emulator.endpoint_url();
    tokio::task::spawn_blocking(move || {
        let release = super::signed_release(&gpg, binary);
        let ca = TestCa::new();
        let server = Server::start(&ca);
        body(ReleaseCtx {
            terraform,
            gpg,
            release,
            ca,
            server,
            endpoint,
            cluster_id,
        });
    })
    .await
    .expect("test thread");
    drop(emulator);
}
