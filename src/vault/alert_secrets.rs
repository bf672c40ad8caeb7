//! Webhook signing secrets of alerts (`[[alert]]` entries with a `url`), sealed under
//! the vault key like connection tokens (associated data = table + alert name, so a
//! blob moved to another alert fails to open). The config file names the alert; the
//! secret never leaves the vault except once, when it is made.

use redb::TableDefinition;
use zeroize::Zeroizing;

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::storage::database::{ReadTx, WriteTx};

const TABLE: &str = "alert_secrets";
const SECRETS: TableDefinition<&str, &[u8]> = TableDefinition::new(TABLE);

/// The rule for alert names (the config file's, and this table's keys).
pub fn check_alert_name(name: &str) -> Result<()> {
    crate::vault::sync::connections::check_plain_name("alert", name)
}

impl WriteTx<'_> {
    /// Stores (or replaces) an alert's signing secret, audited without it.
    pub fn set_alert_secret(&mut self, name: &str, secret: &[u8]) -> Result<()> {
        check_alert_name(name)?;
        if secret.len() < 24 || secret.len() > 64 {
            return Err(VaultError::invalid(format!(
                "a signing secret of {} bytes: use 24 to 64 random bytes (or let `keyward alert secret {name}` make one)",
                secret.len()
            )));
        }
        let sealed = self.seal(TABLE, name.as_bytes(), secret);
        let replaced = self
            .tx
            .open_table(SECRETS)?
            .insert(name, sealed.as_slice())?
            .is_some();
        self.audit(
            "alert-secret-set",
            name,
            Outcome::Ok,
            if replaced {
                "replaced the webhook signing secret"
            } else {
                "stored a webhook signing secret"
            },
        )
    }
}

impl ReadTx<'_> {
    /// An alert's signing secret, opened for signing; None when none was stored.
    pub fn alert_secret(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let t = match self.tx.open_table(SECRETS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(g) = t.get(name)? else {
            return Ok(None);
        };
        Ok(Some(self.vault.key.open(
            TABLE,
            name.as_bytes(),
            g.value(),
        )?))
    }
}
