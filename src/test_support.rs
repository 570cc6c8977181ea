//! What the unit tests of the resources share: a provider context wired to an in-process
//! emulator (real HTTP, real SigV4 from the SDK, fast polling), and plan / apply requests
//! built the way Terraform builds them.

use std::sync::Arc;
use std::time::Duration;

use cloudhsm_emulator::{Control, Emulator, EmulatorConfig, Timings};
use tfplugin::interface::{ApplyRequest, ApplyResponse, PlanRequest, PlanResponse, Resource};
use tfplugin::plan_rules::proposed_new_state;
use tfplugin::value::Value;
use tfplugin::Model;

use crate::cloudhsm::{Backoff, ClientSettings, CloudHsm};
use crate::context::ProviderContext;
use crate::stop::StopSignal;

/// An emulator and a provider context configured against it.
pub struct EmulatedAws {
    pub _emulator: Emulator,
    pub control: Control,
    pub context: Arc<ProviderContext>,
}

/// Starts an emulator with `timings` and a context whose client polls every few ms.
pub async fn emulated_aws(timings: Timings) -> EmulatedAws {
    let emulator = Emulator::start_with(EmulatorConfig {
        timings,
        ..Default::default()
    })
    .await
    .expect("emulator starts");
    let settings = ClientSettings {
        region: Some("us-east-1".into()),
        access_key: Some("AKIDEXAMPLETEST".into()),
        secret_key: Some("test-secret".into()),
        endpoint: Some(emulator.endpoint_url()),
        max_retries: Some(2),
        ..Default::default()
    };
    let stop = StopSignal::new();
    let client = CloudHsm::connect(&settings, stop.clone())
        .await
        .expect("client")
        .client
        .with_backoff(Backoff {
            first: Duration::from_millis(20),
            factor: 1.5,
            cap: Duration::from_millis(200),
            shared: true,
        });
    EmulatedAws {
        control: emulator.control(),
        _emulator: emulator,
        context: ProviderContext::with_client(client, stop),
    }
}

/// Plans `config` over `prior` as Terraform does (null config: a destroy).
pub async fn plan<M: Model>(r: &dyn Resource, prior: &Value, config: &Value) -> PlanResponse {
    r.plan(PlanRequest {
        prior_state: prior.clone(),
        proposed_new_state: proposed_new_state(&M::rules(), prior, config),
        config: config.clone(),
        prior_private: Vec::new(),
        client_capabilities: tfplugin::interface::ClientCapabilities::with_write_only(),
    })
    .await
}

/// Applies `planned` over `prior` with `config`.
pub async fn apply(
    r: &dyn Resource,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> ApplyResponse {
    r.apply(ApplyRequest {
        prior_state: prior.clone(),
        planned_state: planned.clone(),
        config: config.clone(),
        planned_private: Vec::new(),
    })
    .await
}

/// What Terraform checks after apply: every value known in the plan comes back unchanged.
pub fn assert_known_values_kept(planned: &Value, applied: &Value) {
    let (Value::Object(p), Value::Object(a)) = (planned, applied) else {
        panic!("objects expected: {planned:?} {applied:?}");
    };
    for (name, value) in p {
        if !value.is_unknown() {
            assert_eq!(a.get(name), Some(value), "{name}");
        }
    }
}

/// How many cluster ids each recorded DescribeClusters call named, in order.
pub fn describe_batch_sizes(control: &Control) -> Vec<usize> {
    control
        .calls("DescribeClusters")
        .iter()
        .map(|c| c["Filters"]["clusterIds"].as_array().map_or(0, Vec::len))
        .collect()
}
