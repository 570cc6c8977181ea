//! The secrets the Secrets Manager emulation answers (`crate::secrets`): seeded by tests and
//! by `cloudhsm-emulator --seed-secret`, found by name or ARN.
//!
//! [`Control`] methods and the record they keep; nothing of the protocol.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Control, Shared};
use crate::model::new_hex_id;

/// One secret with its current version.
#[derive(Clone, Debug)]
pub(crate) struct Secret {
    pub name: String,
    pub arn: String,
    pub version_id: String,
    pub secret_string: String,
    pub created_epoch_seconds: u64,
}

impl Shared {
    /// The secret named `id`, or whose ARN is `id`.
    pub(crate) fn secret(&self, id: &str) -> Option<Secret> {
        self.secrets()
            .iter()
            .find(|s| s.name == id || s.arn == id)
            .cloned()
    }
}

impl Control {
    /// Stores `secret_string` as the current version of the secret `name` (replacing one of
    /// that name) in the emulator's region and default account, and returns its ARN.
    /// `GetSecretValue` answers it, by name or ARN.
    pub fn seed_secret(&self, name: &str, secret_string: &str) -> String {
        let region = self.shared.store().region.clone();
        let account = self.default_account();
        let suffix = &new_hex_id("x")[2..8];
        let arn = format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-{suffix}");
        let created_epoch_seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let mut secrets = self.shared.secrets();
        secrets.retain(|s| s.name != name);
        secrets.push(Secret {
            name: name.to_string(),
            arn: arn.clone(),
            version_id: new_hex_id("v")[2..].to_string(),
            secret_string: secret_string.to_string(),
            created_epoch_seconds,
        });
        arn
    }
}
