//! The owner's answers about a target's keys: the legacy API keys' report, the keys
//! view, a signing key rotation's result. Ids, names, statuses and templates only:
//! never a key's value.

use serde::{Deserialize, Serialize};

use crate::vault::{Holder, JwtTemplate};

/// `legacy-keys status | disable | enable`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LegacyReport {
    pub target: String,
    /// None: the project has no legacy keys endpoint any more (the keys are gone).
    pub enabled: Option<bool>,
    /// The legacy keys the project lists (`anon`, `service_role`).
    pub keys: Vec<String>,
    /// Vault secrets (or fields) that hold a legacy key's value, and where they are
    /// mapped: what still uses the keys, as far as keyward can see.
    pub holders: Vec<Holder>,
    /// Variables on the target whose value is a legacy key (by digest): (variable, key).
    /// `SUPABASE_*` ones are the platform's.
    pub remote: Vec<(String, String)>,
    /// The publishable key clients are to use instead (its name), when there is one.
    pub publishable: Option<String>,
    /// Whether this request changed the setting.
    pub changed: bool,
    /// What the check after the change found, one line each.
    pub checks: Vec<String>,
}

/// One API key of a target as the keys view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: Option<String>,
    pub name: String,
    /// `legacy`, `publishable`, `secret`.
    pub key_type: String,
    pub template: Option<JwtTemplate>,
    /// The rotation that made it, and its part there (`current`, `previous`, `retiring`).
    pub rotation: Option<(String, String)>,
}

/// One JWT signing key of a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyRow {
    pub id: String,
    pub algorithm: String,
    /// `standby`, `in_use`, `previously_used`, `revoked`.
    pub status: String,
    pub created_at: String,
    /// The signing rotation that manages it, when one does.
    pub rotation: Option<String>,
    /// The project's legacy JWT secret, imported.
    pub legacy: bool,
}

/// Every key of a target (`target keys`, the dashboard's keys view).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TargetKeys {
    pub target: String,
    pub api_keys: Vec<ApiKeyRow>,
    pub legacy_enabled: Option<bool>,
    pub signing_keys: Vec<SigningKeyRow>,
    /// What could not be read (one line per listing that failed).
    pub errors: Vec<String>,
}

/// A signing key rotation's attempt (run or revoke).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SigningRotated {
    pub name: String,
    pub key_id: String,
    pub algorithm: String,
    pub imported_legacy: bool,
    pub previous: Option<String>,
}

impl LegacyReport {
    /// Enabled (and which), disabled or gone, in words.
    pub fn state(&self) -> String {
        match self.enabled {
            Some(true) => format!("enabled ({})", self.keys.join(", ")),
            Some(false) => "disabled".into(),
            None => "gone (the project has no legacy keys endpoint)".into(),
        }
    }

    /// What still uses the keys, one line each.
    pub fn uses(&self) -> Vec<String> {
        let mut out = Vec::new();
        for h in &self.holders {
            let what = match &h.field {
                Some(f) => format!("field {f} of {}", h.secret),
                None => h.secret.clone(),
            };
            let mapped = if h.mapped.is_empty() {
                "not mapped".to_owned()
            } else {
                let to: Vec<String> = h
                    .mapped
                    .iter()
                    .map(|(t, v)| format!("{v} on {t}"))
                    .collect();
                format!("mapped as {}", to.join(", "))
            };
            out.push(format!(
                "vault secret {what} holds the {} key; {mapped}",
                h.key
            ));
        }
        for (var, key) in &self.remote {
            let whose = if var.starts_with(crate::vault::names::RESERVED_PREFIX) {
                " (the platform's own variable)"
            } else {
                ""
            };
            out.push(format!(
                "variable {var} on {} holds the {key} key{whose}",
                self.target
            ));
        }
        out
    }

    /// The report as text lines (the plan before a disable): `legacy-keys status`
    /// prints them, the dashboard's keys view asks with them.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("legacy keys of {}: {}", self.target, self.state())];
        let uses = self.uses();
        if uses.is_empty() {
            out.push(format!(
                "  no vault secret and no variable on {} holds a legacy key",
                self.target
            ));
        } else {
            out.push("  still in use, as far as keyward can see:".into());
            out.extend(uses.into_iter().map(|l| format!("    {l}")));
        }
        out.push(match &self.publishable {
            Some(p) => format!("  clients should use the publishable key {p} instead"),
            None => "  the project has no publishable key yet: create one before disabling".into(),
        });
        out.extend(self.checks.iter().map(|c| format!("  checked: {c}")));
        out
    }
}

impl TargetKeys {
    /// The keys view as text lines: `target keys` prints them, the dashboard shows them.
    pub fn lines(&self) -> Vec<String> {
        let k = self;
        let mut out = vec![format!("API keys of {}:", k.target)];
        for a in &k.api_keys {
            out.push(format!(
                "  {}\t{}\t{}",
                a.name,
                a.key_type,
                a.id.as_deref().unwrap_or("-")
            ));
            // What it may do and who owns it, on a line of its own: a dashboard box is
            // narrower than a terminal.
            let mut about = Vec::new();
            if let Some(t) = &a.template {
                about.push(format!("template {}", serde_json::Value::Object(t.clone())));
            }
            if let Some((r, part)) = &a.rotation {
                about.push(format!("{part} key of rotation {r}"));
            }
            if !about.is_empty() {
                out.push(format!("    {}", about.join("; ")));
            }
        }
        out.push(format!(
            "legacy keys: {}",
            match k.legacy_enabled {
                Some(true) => "enabled",
                Some(false) => "disabled",
                None => "gone",
            }
        ));
        out.push("JWT signing keys:".into());
        if k.signing_keys.is_empty() {
            out.push("  none: Auth signs with the legacy JWT secret".into());
        }
        for sk in &k.signing_keys {
            let by = sk
                .rotation
                .as_ref()
                .map(|r| format!("\trotation {r}"))
                .unwrap_or_default();
            let legacy = if sk.legacy {
                " (legacy JWT secret)"
            } else {
                ""
            };
            out.push(format!(
                "  {}\t{}{legacy}\t{}{by}",
                sk.status, sk.algorithm, sk.id
            ));
        }
        out
    }
}
