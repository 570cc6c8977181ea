use super::watch::{initialization_progress, settled_for_initialization};
use super::*;
use crate::cloudhsm::wait::Progress;

fn cluster(state: ClusterState) -> Cluster {
    Cluster {
        id: "cluster-abcdefghijk".into(),
        state,
        ..Default::default()
    }
}

#[test]
fn a_busy_uninitialized_cluster_is_waited_on_not_adopted() {
    for state in [
        ClusterState::UpdateInProgress,
        ClusterState::ModifyInProgress,
        ClusterState::RollbackInProgress,
        ClusterState::Degraded,
    ] {
        let c = cluster(state.clone());
        assert_eq!(
            next_init_step(&c, None, CsrNeeded::Now),
            Ok(InitStep::WaitUntilSettled),
            "{state}"
        );
        assert_eq!(settled_for_initialization(&c), Progress::Continue);
    }
    let mut c = cluster(ClusterState::ModifyInProgress);
    c.certificates.cluster_certificate = Some("pem".into());
    assert_eq!(
        next_init_step(&c, None, CsrNeeded::Now),
        Ok(InitStep::Adopt)
    );
    assert_eq!(
        next_init_step(
            &cluster(ClusterState::InitializeInProgress),
            None,
            CsrNeeded::Now
        ),
        Ok(InitStep::Adopt)
    );
    assert!(matches!(
        next_init_step(&cluster(ClusterState::Deleted), None, CsrNeeded::Now),
        Err(InitializeError::Deleted(_))
    ));
    assert_eq!(
        next_init_step(
            &cluster(ClusterState::CreateInProgress),
            None,
            CsrNeeded::Now
        ),
        Ok(InitStep::WaitForCsr)
    );
    assert!(matches!(
        next_init_step(&cluster(ClusterState::Uninitialized), None, CsrNeeded::Now),
        Err(InitializeError::NoHsm(_))
    ));
    assert_eq!(
        next_init_step(
            &cluster(ClusterState::Uninitialized),
            None,
            CsrNeeded::MayComeLater
        ),
        Ok(InitStep::WaitForCsr)
    );
}

#[test]
fn after_acceptance_only_an_initialized_cluster_with_its_certificate_ends_the_wait() {
    let mut progress = initialization_progress(true, Duration::from_secs(3600));
    for state in [
        ClusterState::InitializeInProgress,
        ClusterState::UpdateInProgress,
        // A read may lag behind the write: UNINITIALIZED is not a failure.
        ClusterState::Uninitialized,
        ClusterState::Uninitialized,
        ClusterState::Uninitialized,
        ClusterState::Uninitialized,
        ClusterState::Uninitialized,
        ClusterState::Uninitialized,
        ClusterState::InitializeInProgress,
        ClusterState::Uninitialized,
        // Initialized, but the certificate is not shown yet.
        ClusterState::Initialized,
    ] {
        assert_eq!(
            progress(&cluster(state.clone())),
            Progress::Continue,
            "{state}"
        );
    }
    let mut done = cluster(ClusterState::Initialized);
    done.certificates.cluster_certificate = Some("pem".into());
    assert_eq!(progress(&done), Progress::Done);
    assert!(matches!(
        progress(&cluster(ClusterState::DeleteInProgress)),
        Progress::Failed(_)
    ));
    // Our own call: INITIALIZED without a certificate in view is done after the grace.
    let mut ours = initialization_progress(true, Duration::ZERO);
    assert_eq!(ours(&cluster(ClusterState::Initialized)), Progress::Done);
    // An adopted one must show its certificate, to be compared.
    let mut adopted = initialization_progress(false, Duration::ZERO);
    assert_eq!(
        adopted(&cluster(ClusterState::Initialized)),
        Progress::Continue
    );
}
