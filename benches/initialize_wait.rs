//! Benchmark: how soon after CloudHSM finishes an initialization does the provider notice?
//!
//! The baseline is what most initialization scripts do today: call InitializeCluster, then
//! `sleep 30` between DescribeClusters calls (here with ±20 % jitter, on its own clock).
//! Both strategies run in this same command against the emulator (initialization taking
//! `INIT_SECS`), through the same client code, and the result is reported as a ratio of
//! wall-clock times, never as an absolute claim.
//!
//! Run: `cargo bench --bench initialize_wait`

use std::time::{Duration, Instant};

use cloudhsm_emulator::{sign_csr, ClusterSpec, Emulator, EmulatorConfig, Timings};
use terraform_provider_cloudhsm::cloudhsm::{
    Backoff, ClientSettings, CloudHsm, Initialization, Progress,
};
use terraform_provider_cloudhsm::stop::StopSignal;

const INIT_SECS: u64 = 3;
const ROUNDS: usize = 3;

async fn time_to_initialized(emulator: &Emulator, client: &CloudHsm) -> Duration {
    let control = emulator.control();
    let id = control.seed_cluster(ClusterSpec::default());
    let csr = control
        .cluster_csr_pem(&id)
        .expect("seeded cluster has a CSR");
    let signed = sign_csr(&csr).expect("sign");
    let started = Instant::now();
    client
        .initialize(&id, &signed.signed_cert_pem, &signed.trust_anchor_pem)
        .await
        .expect("InitializeCluster");
    client
        .wait_for(&id, "initialized", Duration::from_secs(600), |c| {
            if c.initialization() == Initialization::Done {
                Progress::Done
            } else {
                Progress::Continue
            }
        })
        .await
        .expect("initialized");
    started.elapsed()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings {
            initialize: Duration::from_secs(INIT_SECS),
            ..Timings::instant()
        },
        ..Default::default()
    })
    .await
    .expect("emulator");
    let settings = ClientSettings {
        region: Some("us-east-1".into()),
        access_key: Some("AKIDBENCH".into()),
        secret_key: Some("bench-secret".into()),
        endpoint: Some(emulator.endpoint_url()),
        ..Default::default()
    };
    let ours = CloudHsm::connect(&settings, StopSignal::new())
        .await
        .expect("client")
        .client;
    let fixed_30s = ours.clone().with_backoff(Backoff {
        first: Duration::from_secs(30),
        factor: 1.0,
        cap: Duration::from_secs(30),
        // A script's loop: its own clock, jittered.
        shared: false,
    });

    println!("initialization takes {INIT_SECS} s in the emulator; {ROUNDS} rounds each");
    let baseline = time_to_initialized(&emulator, &fixed_30s).await;
    println!(
        "baseline (sleep 30 between polls): {:.2} s",
        baseline.as_secs_f64()
    );
    let mut best = Duration::MAX;
    for round in 1..=ROUNDS {
        let t = time_to_initialized(&emulator, &ours).await;
        println!("provider backoff, round {round}: {:.2} s", t.as_secs_f64());
        best = best.min(t);
    }
    println!(
        "ratio provider / baseline: {:.3} (lower is better; 1.0 = no faster)",
        best.as_secs_f64() / baseline.as_secs_f64()
    );
}
