//! Connections: a name, an instance URL and a Personal Access Token sealed under the
//! vault key (associated data = table + connection name, so a token blob moved to
//! another connection fails to open). Validation happens before `add_connection` is
//! called (the vault never touches the network): nothing is stored for a bad token.

use redb::{ReadableTable, TableDefinition};
use zeroize::Zeroizing;

use crate::vault::audit::Outcome;
use crate::vault::error::{Result, VaultError};
use crate::vault::storage::database::{ReadTx, WriteTx};
use crate::vault::sync::record::Connection;

pub(crate) const CONNECTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("connections");
pub(crate) const TOKENS_TABLE: &str = "connection_tokens";
pub(crate) const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new(TOKENS_TABLE);

/// The last 4 characters at most, never more than a quarter of the token.
pub fn token_fingerprint(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let n = (chars.len() / 4).min(4);
    chars[chars.len() - n..].iter().collect()
}

fn check_name(name: &str) -> Result<()> {
    check_plain_name("connection", name)
}

/// A name that goes into commands and config files as is: 1-64 letters, digits, '-',
/// '_' or '.' (connections, alerts).
pub(crate) fn check_plain_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(VaultError::invalid(format!(
            "{name:?} is not a usable {what} name: use 1-64 letters, digits, '-', '_' or '.'"
        )))
    }
}

pub(crate) fn unknown_connection(name: &str) -> VaultError {
    VaultError::not_found(format!(
        "no connection {name:?}: see `keyward connections`, or add one with `keyward connect {name}`"
    ))
}

/// The connection `name`, decoded (its row's tag bound to the table and the name).
fn decode_connection(
    key: &[u8; 32],
    t: &impl ReadableTable<&'static str, &'static [u8]>,
    name: &str,
) -> Result<Connection> {
    let g = t.get(name)?.ok_or_else(|| unknown_connection(name))?;
    crate::vault::storage::tagged::decode(key, "connections", &[name], g.value())
}

impl WriteTx<'_> {
    /// Stores a validated connection. Refuses an existing name (use reconnect).
    pub fn add_connection(
        &mut self,
        name: &str,
        url: &str,
        project_ref: Option<&str>,
        token: &str,
    ) -> Result<Connection> {
        self.add_connection_with(name, url, project_ref, None, token)
    }

    /// The same, with the connection's own project URL template (`{ref}`), for an
    /// instance whose projects are not at `https://{ref}.supabase.co`.
    pub fn add_connection_with(
        &mut self,
        name: &str,
        url: &str,
        project_ref: Option<&str>,
        project_url: Option<&str>,
        token: &str,
    ) -> Result<Connection> {
        check_name(name)?;
        if let Some(t) = project_url
            && !t.contains("{ref}")
        {
            return Err(VaultError::invalid(format!(
                "the project URL {t:?} has no {{ref}} placeholder: write e.g. 'https://{{ref}}.example.com'"
            )));
        }
        if self.tx.open_table(CONNECTIONS)?.get(name)?.is_some() {
            return Err(VaultError::conflict(format!(
                "a connection named {name:?} already exists: `keyward reconnect {name}` to give it a new token"
            )));
        }
        let c = Connection {
            name: name.into(),
            url: url.into(),
            project_ref: project_ref.map(str::to_string),
            project_url: project_url.map(str::to_string),
            fingerprint: token_fingerprint(token),
            created: self.now,
            generation: 0,
        };
        self.put_connection(&c, token)?;
        self.audit(
            "supabase_integration_connect",
            name,
            Outcome::Ok,
            &match &c.project_url {
                Some(p) => format!("{url} (projects at {p}) token …{}", c.fingerprint),
                None => format!("{url} token …{}", c.fingerprint),
            },
        )?;
        Ok(c)
    }

    /// Replaces the token of a connection and resets the health of its targets.
    pub fn reconnect(&mut self, name: &str, token: &str) -> Result<Connection> {
        let mut c = self.connection_record(name)?;
        c.fingerprint = token_fingerprint(token);
        c.generation += 1;
        self.put_connection(&c, token)?;
        for t in self.targets_of(name)? {
            self.reset_target_health(&t.project_ref)?;
        }
        self.audit(
            "supabase_integration_connect",
            name,
            Outcome::Ok,
            &format!("reconnect, token …{}", c.fingerprint),
        )?;
        Ok(c)
    }

    fn put_connection(&mut self, c: &Connection, token: &str) -> Result<()> {
        self.touched.full = true;
        // A new token may make a waiting target's work due again.
        self.touched.sync = true;
        let sealed = self.seal(TOKENS_TABLE, c.name.as_bytes(), token.as_bytes());
        self.tx
            .open_table(TOKENS)?
            .insert(c.name.as_str(), sealed.as_slice())?;
        self.tx.open_table(CONNECTIONS)?.insert(
            c.name.as_str(),
            crate::vault::storage::tagged::encode(
                &self.vault.meta_key,
                "connections",
                &[&c.name],
                c,
            )?
            .as_slice(),
        )?;
        Ok(())
    }

    pub(crate) fn connection_record(&self, name: &str) -> Result<Connection> {
        decode_connection(
            &self.vault.meta_key,
            &self.tx.open_table(CONNECTIONS)?,
            name,
        )
    }

    /// Deletes the connection and its token. Refused while any target remains (one
    /// being removed included: its deletes need the token). The token must still be
    /// revoked on Supabase.
    pub fn disconnect(&mut self, name: &str) -> Result<()> {
        self.connection_record(name)?;
        let targets = self.targets_of(name)?;
        if !targets.is_empty() {
            let refs: Vec<&str> = targets.iter().map(|t| t.project_ref.as_str()).collect();
            return Err(VaultError::conflict(format!(
                "the connection {name:?} still has target(s) {}: remove them with `keyward target rm REF`, or `keyward disconnect {name} --remove-targets`",
                refs.join(", ")
            )));
        }
        self.tx.open_table(TOKENS)?.remove(name)?;
        self.tx.open_table(CONNECTIONS)?.remove(name)?;
        self.touched.full = true;
        self.audit(
            "supabase_integration_disconnected",
            name,
            Outcome::Ok,
            "token deleted from the vault; revoke it on Supabase",
        )
    }
}

impl ReadTx<'_> {
    /// Every connection, by name. Never the token.
    pub fn connections(&self) -> Result<Vec<Connection>> {
        let t = self.tx.open_table(CONNECTIONS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (k, v) = row?;
            out.push(crate::vault::storage::tagged::decode(
                &self.vault.meta_key,
                "connections",
                &[k.value()],
                v.value(),
            )?);
        }
        Ok(out)
    }

    pub fn connection(&self, name: &str) -> Result<Connection> {
        decode_connection(
            &self.vault.meta_key,
            &self.tx.open_table(CONNECTIONS)?,
            name,
        )
    }

    /// The connection's token, opened for the engine to build a client. Zeroized on drop.
    pub fn connection_token(&self, name: &str) -> Result<Zeroizing<String>> {
        let t = self.tx.open_table(TOKENS)?;
        let g = t.get(name)?.ok_or_else(|| unknown_connection(name))?;
        let plain = self
            .vault
            .key
            .open(TOKENS_TABLE, name.as_bytes(), g.value())?;
        let s = std::str::from_utf8(&plain)
            .map_err(|_| VaultError::Tampered("connection token encoding".into()))?;
        Ok(Zeroizing::new(s.to_string()))
    }
}
