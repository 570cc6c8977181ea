//! Helpers shared by the emulator's integration tests: an SDK client pointed at an
//! emulator, and certificate authorities made with rcgen.

#![allow(dead_code)]

use aws_sdk_cloudhsmv2::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudhsmv2::Client;
use cloudhsm_emulator::{Emulator, EmulatorConfig, Timings};

/// An emulator whose transitions complete at the next request.
pub async fn instant_emulator() -> Emulator {
    Emulator::start_with(EmulatorConfig {
        timings: Timings::instant(),
        ..EmulatorConfig::default()
    })
    .await
    .expect("emulator starts")
}

/// A client with static test credentials, region us-east-1, the emulator's URL, and at most
/// `max_attempts` attempts per call (fast retries).
pub fn client_with_attempts(emulator: &Emulator, max_attempts: u32) -> Client {
    let retry = aws_sdk_cloudhsmv2::config::retry::RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(std::time::Duration::from_millis(1))
        .with_max_backoff(std::time::Duration::from_millis(5));
    let config = aws_sdk_cloudhsmv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(emulator.endpoint_url())
        .retry_config(retry)
        .build();
    Client::from_conf(config)
}

/// A client with a single attempt per call (no retries).
pub fn client(emulator: &Emulator) -> Client {
    client_with_attempts(emulator, 1)
}
