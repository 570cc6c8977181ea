//! Benchmark: ten clusters initialized and then migrated (hsm1.medium → hsm2m.medium) in one
//! apply, the waits sharing polls (`Backoff::default()`: every wait wakes on the process's
//! poll grid, and reads that arrive together go out in one DescribeClusters call) against
//! each wait on its own jittered clock (`Backoff { shared: false, .. }`, how waits polled
//! before).
//!
//! Each round seeds ten UNINITIALIZED clusters with an HSM, signs their CSRs, and then runs
//! ten tasks on one client, as the resources of one apply share the provider's client:
//! each task runs the workflows the resources call, `initialize_and_wait` (what
//! `cloudhsm_cluster_initialization` calls) and then `modify_and_wait` to `hsm2m.medium`
//! (what `cloudhsm_cluster_config` calls). Both ways run in every round, with the same
//! transition times, the order swapped from one round to the next.
//!
//! How much time the waits add depends on where a transition ends between two polls, and at
//! one fixed transition time that is a matter of luck (a poll just after the end, or one
//! just before it and the next one seconds later). So the rounds spread the emulator's
//! transition times evenly over `INITIALIZE` (3–6 s) and `MIGRATION` (5–10 s), each round a
//! different pair; each range is wider than the interval between two polls there (a wait
//! polls about 2.8, 5.3, 9.4 and 16.5 s after it starts).
//!
//! Reported, shared / own clock, as medians over the rounds with their spread:
//! - DescribeClusters calls per round (the emulator's record of calls) and the number of
//!   clusters each call asked for (`Filters.clusterIds`);
//! - the time the waits add beyond the service's own transitions: the round's wall time
//!   minus the round's initialization and migration times (and the same for each cluster's
//!   own workflows), in units of those transition times.
//!
//! Ratios, never an absolute claim, and nothing is asserted about timings (the writes are
//! counted: one InitializeCluster and one ModifyCluster per cluster).
//!
//! `SHARED_WAITS_INITIALIZE_MS` and `SHARED_WAITS_MIGRATION_MS` fix the transition times of
//! every round instead, `SHARED_WAITS_ROUNDS` sets the number of rounds, and
//! `SHARED_WAITS_TIMELINE=1` also prints, for each round, when each DescribeClusters call
//! was seen (the record sampled every 2 ms, from the round's start) and how many clusters it
//! named.
//!
//! Run: `cargo bench --bench shared_waits` (or `./scripts/bench.sh`, which runs every
//! benchmark).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudhsm_emulator::{
    sign_csr_with, CaKey, ClusterSpec, Control, Emulator, EmulatorConfig, Timings,
};
use terraform_provider_cloudhsm::certs::{self, Certificate};
use terraform_provider_cloudhsm::cloudhsm::workflows::Signing;
use terraform_provider_cloudhsm::cloudhsm::{Backoff, ClientSettings, CloudHsm, Desired};
use terraform_provider_cloudhsm::stop::StopSignal;

const CLUSTERS: usize = 10;
/// Rounds per way of waiting.
const ROUNDS: usize = 7;
/// The emulator's initialization times, spread over the rounds: (from, span).
const INITIALIZE: (Duration, Duration) = (Duration::from_secs(3), Duration::from_secs(3));
/// The emulator's migration times, spread over the rounds: (from, span).
const MIGRATION: (Duration, Duration) = (Duration::from_secs(5), Duration::from_secs(5));
const TARGET: &str = "hsm2m.medium";
/// Each workflow's timeout, as a resource's `timeouts` would give it: far beyond the
/// transitions, so that only the transitions and the polls decide when a wait ends.
const TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Way {
    Shared,
    OwnClock,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Shared => "shared polls",
            Way::OwnClock => "own clocks",
        }
    }
}

/// What one round of one way measured.
struct Round {
    /// The emulator's initialization and migration times, together.
    transitions: Duration,
    /// Wall time of the ten workflows, from the first task's start to the last one's end.
    wall: Duration,
    /// Each task's own time, start to end.
    tasks: Vec<Duration>,
    /// The clusters each DescribeClusters call named, in order.
    batches: Vec<usize>,
    /// When each DescribeClusters call was seen (timeline mode only), from the round's start.
    timeline: Vec<(Duration, usize)>,
}

impl Round {
    /// What the waits added to the round beyond the service's own transitions, in seconds.
    fn added(&self) -> f64 {
        self.wall.as_secs_f64() - self.transitions.as_secs_f64()
    }

    /// The same for each cluster's own workflows, in seconds.
    fn added_per_cluster(&self) -> Vec<f64> {
        let transitions = self.transitions.as_secs_f64();
        self.tasks
            .iter()
            .map(|t| t.as_secs_f64() - transitions)
            .collect()
    }
}

/// Round `r`'s (of `rounds`) transition times: spread evenly over each range, the two
/// spread in different orders so that every round is a different pair.
fn transitions_of(r: usize, rounds: usize) -> (Duration, Duration) {
    let even = (r as f64 + 0.5) / rounds as f64;
    // The golden ratio's fractional steps: another even spread, in another order.
    let other = (0.5 + r as f64 * 0.618_033_988_75).fract();
    let at = |(from, span): (Duration, Duration), x: f64| from + span.mul_f64(x);
    let fixed =
        |name: &str| std::env::var_os(name).map(|_| Duration::from_millis(setting(name, 0)));
    (
        fixed("SHARED_WAITS_INITIALIZE_MS").unwrap_or_else(|| at(INITIALIZE, even)),
        fixed("SHARED_WAITS_MIGRATION_MS").unwrap_or_else(|| at(MIGRATION, other)),
    )
}

/// `name` from the environment (a whole number), or `default`.
fn setting(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}

/// A seeded cluster, with the certificates to initialize it with.
struct Seeded {
    id: String,
    signed: Certificate,
    anchor: Certificate,
}

fn seed(control: &Control) -> Seeded {
    let id = control.seed_cluster(ClusterSpec::default());
    let csr = control
        .cluster_csr_pem(&id)
        .expect("a seeded cluster with an HSM has a CSR");
    let material = sign_csr_with(&csr, CaKey::default()).expect("sign the cluster's CSR");
    Seeded {
        signed: certs::parse_certificate_pem(&material.signed_cert_pem)
            .expect("the signed certificate parses"),
        anchor: certs::parse_certificate_pem(&material.trust_anchor_pem)
            .expect("the trust anchor parses"),
        id,
    }
}

fn batch_sizes(control: &Control) -> Vec<usize> {
    control
        .calls("DescribeClusters")
        .iter()
        .map(|c| c["Filters"]["clusterIds"].as_array().map_or(0, Vec::len))
        .collect()
}

/// One cluster's part of the apply: initialize-and-wait, then the migration with
/// modify-and-wait, as the two resources run them.
async fn one_cluster(client: CloudHsm, cluster: Seeded) -> Duration {
    let started = Instant::now();
    let initialized = client
        .initialize_and_wait(
            &cluster.id,
            Signing::Signed(&cluster.signed),
            &cluster.anchor,
            TIMEOUT,
        )
        .await
        .expect("initialize-and-wait");
    assert!(
        initialized
            .cluster
            .certificates
            .cluster_certificate
            .is_some(),
        "initialized with a certificate"
    );
    let desired = Desired {
        hsm_type: Some(TARGET.to_string()),
        retention_days: None,
    };
    let migrated = client
        .modify_and_wait(&cluster.id, &desired, TIMEOUT)
        .await
        .expect("modify-and-wait");
    assert_eq!(migrated.hsm_type.as_deref(), Some(TARGET), "migrated");
    started.elapsed()
}

/// Samples the emulator's record of DescribeClusters calls every 2 ms until `done`.
fn sample_calls(
    control: Control,
    started: Instant,
    done: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<(Duration, usize)>> {
    tokio::spawn(async move {
        let mut seen = Vec::new();
        while !done.load(Ordering::Relaxed) {
            let sizes = batch_sizes(&control);
            let at = started.elapsed();
            for size in sizes.into_iter().skip(seen.len()) {
                seen.push((at, size));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        seen
    })
}

async fn round(
    control: &Control,
    client: &CloudHsm,
    (initialize, migration): (Duration, Duration),
    timeline: bool,
) -> Round {
    control.set_timings(Timings {
        initialize,
        modify: migration,
        ..Timings::instant()
    });
    let clusters: Vec<Seeded> = (0..CLUSTERS).map(|_| seed(control)).collect();
    control.clear_calls();
    let started = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let sampler = timeline.then(|| sample_calls(control.clone(), started, done.clone()));
    let tasks: Vec<_> = clusters
        .into_iter()
        .map(|cluster| tokio::spawn(one_cluster(client.clone(), cluster)))
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        times.push(task.await.expect("a cluster's workflows"));
    }
    let wall = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let timeline = match sampler {
        Some(s) => s.await.expect("the call sampler"),
        None => Vec::new(),
    };
    assert_eq!(control.call_count("InitializeCluster"), CLUSTERS);
    assert_eq!(control.call_count("ModifyCluster"), CLUSTERS);
    Round {
        transitions: initialize + migration,
        wall,
        tasks: times,
        batches: batch_sizes(control),
        timeline,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn spread(v: &[f64]) -> (f64, f64) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

/// How many calls named each number of clusters: `10×3, 1×2`.
fn histogram(batches: &[usize]) -> String {
    let mut counts = std::collections::BTreeMap::<usize, usize>::new();
    for b in batches {
        *counts.entry(*b).or_default() += 1;
    }
    counts
        .iter()
        .rev()
        .map(|(size, n)| format!("{size}×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds = setting("SHARED_WAITS_ROUNDS", ROUNDS as u64).max(1) as usize;
    let timeline = std::env::var_os("SHARED_WAITS_TIMELINE").is_some_and(|v| v == "1");
    let (initialize, migration) = transitions_of(0, rounds);
    let emulator = Emulator::start_with(EmulatorConfig {
        timings: Timings {
            initialize,
            modify: migration,
            ..Timings::instant()
        },
        ..Default::default()
    })
    .await
    .expect("the emulator starts");
    let control = emulator.control();
    let settings = ClientSettings {
        region: Some("us-east-1".into()),
        access_key: Some("AKIDBENCH".into()),
        secret_key: Some("bench-secret".into()),
        endpoint: Some(emulator.endpoint_url()),
        ..Default::default()
    };
    let shared = CloudHsm::connect(&settings, StopSignal::new())
        .await
        .expect("a client")
        .client;
    assert!(
        Backoff::default().shared,
        "the default backoff shares polls"
    );
    let own_clock = shared.clone().with_backoff(Backoff {
        shared: false,
        ..Backoff::default()
    });

    println!(
        "{CLUSTERS} clusters per round, initialized then migrated to {TARGET} in the \
         emulator; {rounds} rounds, both ways in each, alternating; ratios are shared / own \
         clock"
    );
    let (mut shared_rounds, mut own_rounds) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        let times = transitions_of(r, rounds);
        println!(
            "round {}: initialization {:.2} s, migration {:.2} s",
            r + 1,
            times.0.as_secs_f64(),
            times.1.as_secs_f64()
        );
        let order = if r % 2 == 0 {
            [Way::Shared, Way::OwnClock]
        } else {
            [Way::OwnClock, Way::Shared]
        };
        for way in order {
            let client = match way {
                Way::Shared => &shared,
                Way::OwnClock => &own_clock,
            };
            let measured = round(&control, client, times, timeline).await;
            let (lo, hi) = spread(&measured.added_per_cluster());
            println!(
                "  {:<12}: {:>2} DescribeClusters ({}); beyond the transitions the waits \
                 added {:.2} s to the round (to each cluster: {lo:.2}–{hi:.2} s)",
                way.name(),
                measured.batches.len(),
                histogram(&measured.batches),
                measured.added(),
            );
            if timeline {
                let points: Vec<String> = measured
                    .timeline
                    .iter()
                    .map(|(at, size)| format!("{}ms:{size}", at.as_millis()))
                    .collect();
                println!("    calls seen at: {}", points.join(" "));
            }
            match way {
                Way::Shared => shared_rounds.push(measured),
                Way::OwnClock => own_rounds.push(measured),
            }
        }
    }

    // Each figure: both sides' median with their spread (lowest–highest), the ratio of the
    // medians, and the spread of the ratios of the rounds (each round ran both ways).
    let row = |figure: &str, of: &dyn Fn(&Round) -> f64, digits: usize| {
        let shared_values: Vec<f64> = shared_rounds.iter().map(of).collect();
        let own_values: Vec<f64> = own_rounds.iter().map(of).collect();
        let ratios: Vec<f64> = shared_rounds
            .iter()
            .zip(&own_rounds)
            .map(|(s, o)| of(s) / of(o))
            .collect();
        let (s_med, o_med) = (median(shared_values.clone()), median(own_values.clone()));
        let (s_lo, s_hi) = spread(&shared_values);
        let (o_lo, o_hi) = spread(&own_values);
        let (r_lo, r_hi) = spread(&ratios);
        println!(
            "| {figure} | {s_med:.digits$} ({s_lo:.digits$}–{s_hi:.digits$}) | \
             {o_med:.digits$} ({o_lo:.digits$}–{o_hi:.digits$}) | {:.2} ({r_lo:.2}–{r_hi:.2}) |",
            s_med / o_med,
        );
    };
    let per_call = |rounds: &[Round]| -> f64 {
        let (ids, n) = rounds.iter().fold((0usize, 0usize), |(ids, n), r| {
            (ids + r.batches.iter().sum::<usize>(), n + r.batches.len())
        });
        ids as f64 / n.max(1) as f64
    };
    let all_batches = |rounds: &[Round]| -> Vec<usize> {
        rounds
            .iter()
            .flat_map(|r| r.batches.iter().copied())
            .collect()
    };

    println!();
    println!(
        "| figure: median over {rounds} rounds (lowest–highest) | shared polls | own clocks | \
         shared / own clock: of the medians (of each round) |"
    );
    println!("| --- | --- | --- | --- |");
    row(
        "DescribeClusters calls per round",
        &|r| r.batches.len() as f64,
        0,
    );
    println!(
        "| clusters named per call, all rounds: mean (size×calls) | {:.1} ({}) | {:.1} ({}) | \
         {:.2} |",
        per_call(&shared_rounds),
        histogram(&all_batches(&shared_rounds)),
        per_call(&own_rounds),
        histogram(&all_batches(&own_rounds)),
        per_call(&shared_rounds) / per_call(&own_rounds),
    );
    row(
        "time the waits added to the round / the round's transition times",
        &|r| r.added() / r.transitions.as_secs_f64(),
        2,
    );
    row(
        "the same for each cluster, median of the round's ten",
        &|r| median(r.added_per_cluster()) / r.transitions.as_secs_f64(),
        2,
    );
    // The rounds' transition times are spread evenly, so the totals weigh every place a
    // transition can end alike: the mean, where the medians of so few rounds are uneven.
    let total = |rounds: &[Round]| -> f64 { rounds.iter().map(Round::added).sum() };
    let total_transitions: f64 = shared_rounds
        .iter()
        .map(|r| r.transitions.as_secs_f64())
        .sum();
    println!(
        "| time the waits added to all rounds / all the rounds' transition times | {:.2} | \
         {:.2} | {:.2} |",
        total(&shared_rounds) / total_transitions,
        total(&own_rounds) / total_transitions,
        total(&shared_rounds) / total(&own_rounds),
    );
}
