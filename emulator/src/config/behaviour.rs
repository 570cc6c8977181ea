//! [`Behaviour`]: the choices among the plausible behaviours AWS leaves undocumented, for
//! clusters, reads, backups and their copies, and the values each choice takes.
//!
//! Plain settings: it knows nothing of the emulated world that reads them.

use std::time::Duration;

/// What the emulator does where AWS's behaviour is not documented. The defaults are the
/// emulator's original behaviour; every other choice is opt-in, so that tests can show the
/// provider each plausible behaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behaviour {
    /// Whether `ModifyCluster` is accepted on an UNINITIALIZED cluster (default `true`);
    /// `false` = refused with `CloudHsmInvalidRequestException`.
    pub modify_uninitialized: bool,
    /// When set, every refusal because the cluster is busy (`ModifyCluster`,
    /// `InitializeCluster`, `DeleteCluster`, `CreateHsm` on a cluster in an `*_IN_PROGRESS`
    /// state) has exactly this message (still `CloudHsmInvalidRequestException`). Default
    /// `None`: messages that name the state.
    pub busy_message: Option<String>,
    /// What `DescribeClusters` shows once `HsmTypeRollbackExpiration` has passed.
    pub expired_rollback: ExpiredRollback,
    /// Role ARNs that may not be assumed: the STS emulation answers `AssumeRole` and
    /// `AssumeRoleWithWebIdentity` for them with `AccessDenied`.
    pub deny_assume_role: Vec<String>,
    /// Whether `ModifyCluster` and `InitializeCluster` are refused as busy while any HSM of
    /// the cluster is `*_IN_PROGRESS` (the cluster itself may look stable). Default `false`.
    pub refuse_while_hsm_busy: bool,
    /// Whether `DescribeClusters` with a `clusterIds` filter naming a cluster that does not
    /// exist answers `CloudHsmResourceNotFoundException` for the whole call (instead of
    /// leaving it out of the list). Default `false`.
    pub unknown_id_not_found: bool,
    /// Whether `InitializeCluster` accepts a certificate whose signature the emulator cannot
    /// check (an algorithm or curve its verifier lacks, e.g. ECDSA P-521). Default `false`:
    /// refused with `CloudHsmInvalidRequestException` naming the unsupported signature. AWS
    /// does not document which algorithms it takes.
    pub accept_unverifiable_signatures: bool,
    /// When set, `DescribeClusters`, `DescribeBackups` and `ListTags` answer at most this
    /// many items a page, whatever `MaxResults` asks (with a `NextToken` for the rest): AWS
    /// documents that a page may hold only a subset. Default `None`: pages as full as
    /// `MaxResults` allows.
    pub page_limit: Option<usize>,
    /// When set, `DescribeClusters` refuses (`CloudHsmInvalidRequestException`) a filter
    /// holding more values than this. AWS documents no such limit, nor its absence. Default
    /// `None`: any number.
    pub filter_value_limit: Option<usize>,
    /// When set, every API write that changes a cluster (`InitializeCluster`,
    /// `ModifyCluster`, `CreateHsm`, `DeleteHsm`, `DeleteCluster`, `TagResource`,
    /// `UntagResource`) leaves `DescribeClusters` showing the cluster as it was just before
    /// that write until this long after it, and every API write that changes a backup
    /// (`ModifyBackupAttributes`, `TagResource`, `UntagResource`, `DeleteBackup`,
    /// `RestoreBackup`) does the same to `DescribeBackups` and `ListTags`: AWS reads are
    /// eventually consistent. A further write while the older view is shown keeps that view
    /// and moves its end to this long after the new write. The write paths, the write's own
    /// answer, a `states` or `neverExpires` filter and
    /// [`Control::cluster_json`](crate::Control::cluster_json) /
    /// [`Control::backup_json`](crate::Control::backup_json) see the real thing. Default
    /// `None`: reads are fresh.
    pub read_lag: Option<Duration>,
    /// When each part of an HSM type change (migration or rollback) shows, measured from the
    /// `ModifyCluster` call that starts it. Default: all at once, as before.
    pub hsm_type_change: HsmTypeChangeOrder,
    /// When set, once an initialization completes (state INITIALIZED), `DescribeClusters`
    /// leaves `Certificates.ClusterCertificate` out for this long. Default `None`: the
    /// certificate shows with the state.
    pub certificate_after: Option<Duration>,
    /// Whether the clusters of API answers carry `""` where a string is absent
    /// (`Certificates.ClusterCsr`, `ClusterCertificate`, `HsmCertificate`,
    /// `AwsHardwareCertificate`, `ManufacturerHardwareCertificate`, and `SourceBackupId`),
    /// and the backups `SourceRegion`, `SourceBackup` and `SourceCluster` (a backup that is
    /// no copy), instead of leaving the key out. Default `false`.
    pub blank_absent: bool,
    /// Cluster ids that `DescribeClusters` refuses to describe: a call whose `clusterIds`
    /// filter names one of them is refused with `CloudHsmInvalidRequestException` naming the
    /// id, whatever else the filter holds (one cluster's error failing a batched read).
    /// Default empty.
    pub refuse_describe_of: Vec<String>,
    /// When set, a copy made by `CopyBackupToRegion` shows in the destination region this
    /// much later than [`Timings::copy_visible_after`](crate::Timings::copy_visible_after)
    /// (and is READY that much later too). Default `None`.
    pub copy_visibility_lag: Option<Duration>,
    /// Whether `CopyBackupToRegion` answers as usual but no copy ever shows in the
    /// destination region. Default `false`.
    pub copy_never_appears: bool,
    /// When set, the fields that go with a backup's state show this long after the state:
    /// a copy shows READY without `CopyTimestamp` (absent while CREATE_IN_PROGRESS too)
    /// until this long after it turned READY; a deleted backup shows PENDING_DELETION
    /// without `DeleteTimestamp` for this long; a restored backup shows READY with its old
    /// `DeleteTimestamp` for this long. Default `None`: fields show with the state.
    pub backup_fields_after_state: Option<Duration>,
    /// Whether `DescribeBackups` shows DELETED backups (AWS keeps showing them for a
    /// while). Default `false`: a DELETED backup is gone from every answer, as if it had
    /// never been.
    pub show_deleted_backups: bool,
    /// What `DeleteBackup` does with a backup already PENDING_DELETION.
    pub repeated_delete: RepeatedDelete,
    /// How `CopyBackupToRegion` refuses a destination region that is not enabled
    /// ([`Control::disable_region`](crate::Control::disable_region)).
    pub region_not_enabled: AwsRefusal,
    /// The order of `DescribeBackups` when `SortAscending` is absent or false (the API
    /// documents only what `true` does: oldest first).
    pub unsorted_backups: UnsortedBackups,
}

/// What `DeleteBackup` does with a backup that is already PENDING_DELETION.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RepeatedDelete {
    /// Refused with `CloudHsmInvalidRequestException` (the default).
    #[default]
    Refuse,
    /// Answered with the backup as it is (PENDING_DELETION, its `DeleteTimestamp`
    /// unchanged).
    AnswerAsIs,
}

/// The order of `DescribeBackups` without `SortAscending: true`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnsortedBackups {
    /// Newest first, by `CreateTimestamp` (the default).
    #[default]
    NewestFirst,
    /// Oldest first, as with `SortAscending: true`.
    OldestFirst,
}

/// An error the emulator answers with where AWS does not document which: its `__type`
/// (one of [`CLOUDHSM_ERROR_CODES`]) and, when set, exactly this message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsRefusal {
    /// The error code, e.g. `"CloudHsmInvalidRequestException"` or
    /// `"CloudHsmAccessDeniedException"`; a code not in [`CLOUDHSM_ERROR_CODES`] answers
    /// `CloudHsmInvalidRequestException`.
    pub code: String,
    /// The message; `None` = the emulator's own, naming what is refused.
    pub message: Option<String>,
}

impl Default for AwsRefusal {
    /// `CloudHsmInvalidRequestException` with the emulator's message.
    fn default() -> AwsRefusal {
        AwsRefusal {
            code: "CloudHsmInvalidRequestException".to_string(),
            message: None,
        }
    }
}

/// The error codes of the CloudHSM v2 API, as its operations document them.
pub const CLOUDHSM_ERROR_CODES: [&str; 6] = [
    "CloudHsmAccessDeniedException",
    "CloudHsmInternalFailureException",
    "CloudHsmInvalidRequestException",
    "CloudHsmResourceNotFoundException",
    "CloudHsmServiceException",
    "CloudHsmTagException",
];

/// When the parts of an HSM type change show, each measured from the `ModifyCluster` call
/// that starts it. The change completes (the cluster back in its state before) at the later
/// of [`Timings::modify`](crate::Timings::modify) and every time that is set; each part
/// flips at its own time, in whatever order the times give. While the change is pending, even before `busy_after`,
/// `ModifyCluster`, `InitializeCluster`, `CreateHsm` and `DeleteCluster` are refused as busy.
/// The default (all `None`) is the emulator's original order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HsmTypeChangeOrder {
    /// When the state turns MODIFY_IN_PROGRESS (ROLLBACK_IN_PROGRESS for a rollback); until
    /// then the cluster shows its state before. `None` = at once.
    pub busy_after: Option<Duration>,
    /// When the cluster's `HsmType` shows the target. `None` = when the change completes.
    pub cluster_type_after: Option<Duration>,
    /// When every HSM's `HsmType` shows the target. `None` = when the change completes.
    pub hsm_types_after: Option<Duration>,
    /// When `HsmTypeRollbackExpiration` appears (a migration) or disappears (a rollback).
    /// `None` = when the change completes.
    pub rollback_expiration_after: Option<Duration>,
}

impl Default for Behaviour {
    /// `ModifyCluster` accepted on UNINITIALIZED clusters, busy refusals naming the state,
    /// expired rollback windows hidden, every role may be assumed, signatures that cannot be
    /// checked refused, fresh reads, HSM type changes shown all at once, certificates shown
    /// with the state, absent strings left out, every cluster described; copies that show
    /// on time, fields shown with the state, DELETED backups hidden, a repeated
    /// `DeleteBackup` refused, a region not enabled refused as an invalid request, backups
    /// newest first.
    fn default() -> Behaviour {
        Behaviour {
            modify_uninitialized: true,
            busy_message: None,
            expired_rollback: ExpiredRollback::Hide,
            deny_assume_role: Vec::new(),
            refuse_while_hsm_busy: false,
            unknown_id_not_found: false,
            accept_unverifiable_signatures: false,
            page_limit: None,
            filter_value_limit: None,
            read_lag: None,
            hsm_type_change: HsmTypeChangeOrder::default(),
            certificate_after: None,
            blank_absent: false,
            refuse_describe_of: Vec::new(),
            copy_visibility_lag: None,
            copy_never_appears: false,
            backup_fields_after_state: None,
            show_deleted_backups: false,
            repeated_delete: RepeatedDelete::Refuse,
            region_not_enabled: AwsRefusal::default(),
            unsorted_backups: UnsortedBackups::NewestFirst,
        }
    }
}

/// What becomes of `HsmTypeRollbackExpiration` once it has passed. Either way a rollback is
/// refused after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpiredRollback {
    /// `DescribeClusters` no longer shows `HsmTypeRollbackExpiration` (the default).
    #[default]
    Hide,
    /// `DescribeClusters` keeps showing the past timestamp.
    ShowPast,
}
