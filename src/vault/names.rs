//! Environment names, in one place: derivation from secret and field names
//! (product.md §3), Supabase's rules and limits for them, and conflicts. The vault
//! enforces them where a mapping is made, export and the engine derive with them, and
//! the dashboard previews with them: one rule, never a copy.
//!
//! Pure functions, checked at mapping time so that a bad name is refused per secret
//! and never fails a whole batch later. The numbers are the API's
//! (`supabase::api::limits`), which the client and the emulator enforce too.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::supabase::api::limits;
use crate::vault::error::VaultError;
use crate::vault::secrets::record::Shape;

/// Upper-case; every run of characters other than A–Z and 0–9 becomes one `_`; no
/// leading or trailing `_`. "Database URL" -> `DATABASE_URL`. May return "".
pub fn env_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars().flat_map(char::to_uppercase) {
        if c.is_ascii_uppercase() || c.is_ascii_digit() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Supabase refuses names longer than this.
pub const MAX_NAME_CHARS: usize = limits::MAX_SECRET_NAME_LEN;
/// Supabase refuses values longer than this.
pub const MAX_VALUE_CHARS: usize = limits::MAX_SECRET_VALUE_LEN;
/// Supabase holds at most this many Edge Function secrets per project.
pub const PROJECT_SECRET_CAP: usize = limits::MAX_SECRETS_PER_PROJECT;
/// The platform's own variables start with this; they are never ours to write.
pub const RESERVED_PREFIX: &str = limits::RESERVED_PREFIX;

/// The derived name ("Database URL" -> `DATABASE_URL`), or `None` when the name has no
/// A-Z/0-9 character to build one from ("!!!", "日本").
pub fn derive_env_name(name: &str) -> Option<String> {
    Some(env_name(name)).filter(|n| !n.is_empty())
}

/// The variable of one field of a structured secret: `<NAME>_<FIELD>`; `None` when
/// either part derives to nothing.
pub fn derive_field_env_name(secret: &str, field: &str) -> Option<String> {
    Some(format!(
        "{}_{}",
        derive_env_name(secret)?,
        derive_env_name(field)?
    ))
}

/// Why Supabase would refuse a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The secret (or field) name has no A-Z/0-9 character to build a name from.
    Empty {
        source: String,
    },
    TooLong {
        name: String,
        chars: usize,
    },
    Reserved {
        name: String,
    },
    /// An override that is not a plain environment name.
    Invalid {
        name: String,
    },
    ValueTooLong {
        name: String,
        chars: usize,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty { source } => write!(
                f,
                "\"{source}\" has no letter or digit to make a variable name from: map it with --as NAME"
            ),
            NameError::TooLong { name, chars } => write!(
                f,
                "{}… is {chars} characters; Supabase allows {MAX_NAME_CHARS}: map it with a shorter --as NAME",
                truncate(name, 40)
            ),
            NameError::Reserved { name } => write!(
                f,
                "{name} starts with {RESERVED_PREFIX}, which Supabase reserves for its own variables: map it with --as NAME"
            ),
            NameError::Invalid { name } => write!(
                f,
                "\"{}\" is not a valid variable name: use letters, digits and _ (not starting with a digit)",
                truncate(name, 40)
            ),
            NameError::ValueTooLong { name, chars } => write!(
                f,
                "the value of {name} is {chars} characters; Supabase allows {MAX_VALUE_CHARS}: shorten it or split it into fields"
            ),
        }
    }
}

impl std::error::Error for NameError {}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Checks a variable name against Supabase's rules. Overrides (`--as`) go through this
/// too, so they must also look like an environment variable.
pub fn check_env_name(name: &str) -> Result<(), NameError> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err(NameError::Empty {
            source: name.to_string(),
        });
    }
    if chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong {
            name: name.to_string(),
            chars,
        });
    }
    // Case-insensitive: a lower-case `supabase_url` would shadow the platform's variable
    // in code that normalises case, and the platform's own check is not documented.
    if name.len() >= RESERVED_PREFIX.len()
        && name[..RESERVED_PREFIX.len()].eq_ignore_ascii_case(RESERVED_PREFIX)
    {
        return Err(NameError::Reserved {
            name: name.to_string(),
        });
    }
    let mut it = name.chars();
    let first_ok = it
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !it.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(NameError::Invalid {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Checks a value against Supabase's length limit.
pub fn check_value(name: &str, value: &str) -> Result<(), NameError> {
    let chars = value.chars().count();
    if chars > MAX_VALUE_CHARS {
        return Err(NameError::ValueTooLong {
            name: name.to_string(),
            chars,
        });
    }
    Ok(())
}

/// Two sources that would write the same variable in one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict<S> {
    pub name: String,
    pub first: S,
    pub second: S,
}

impl<S: fmt::Display> fmt::Display for Conflict<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} would be written by both {} and {}: map one of them with --as NAME",
            self.name, self.first, self.second
        )
    }
}

/// Finds every name claimed by more than one source. `vars` is every (name, source)
/// that one target would receive: existing mappings and proposed ones together.
pub fn find_conflicts<S: Clone + PartialEq>(
    vars: impl IntoIterator<Item = (String, S)>,
) -> Vec<Conflict<S>> {
    let mut seen: BTreeMap<String, S> = BTreeMap::new();
    let mut out = Vec::new();
    for (name, source) in vars {
        match seen.get(&name) {
            Some(first) if *first != source => out.push(Conflict {
                name,
                first: first.clone(),
                second: source,
            }),
            Some(_) => {}
            None => {
                seen.insert(name, source);
            }
        }
    }
    out
}

/// The variables a secret makes under `env` (a mapping's override) or its derived
/// name: (name, field), one per field of a structured secret. Every name checked
/// against Supabase's rules, so a bad one is refused where it is made.
pub fn variables(
    secret: &str,
    shape: &Shape,
    env: Option<&str>,
) -> Result<Vec<(String, Option<String>)>, VaultError> {
    let base = match env {
        Some(n) => n.to_owned(),
        None => derive_env_name(secret).ok_or_else(|| {
            VaultError::invalid(
                NameError::Empty {
                    source: secret.to_owned(),
                }
                .to_string(),
            )
        })?,
    };
    let vars = match shape {
        Shape::Simple => vec![(base, None)],
        Shape::Structured { fields } => {
            let mut out = Vec::with_capacity(fields.len());
            for f in fields {
                let suffix = derive_env_name(f).ok_or_else(|| {
                    VaultError::invalid(format!(
                        "the field {f:?} of {secret} has no letter or digit to make a variable name from: rename the field"
                    ))
                })?;
                out.push((format!("{base}_{suffix}"), Some(f.clone())));
            }
            out
        }
    };
    for (n, _) in &vars {
        check_env_name(n).map_err(|e| VaultError::invalid(e.to_string()))?;
    }
    let mut seen = BTreeSet::new();
    for (n, _) in &vars {
        if !seen.insert(n) {
            return Err(VaultError::conflict(format!(
                "two fields of {secret} make the variable {n}: rename one of the fields"
            )));
        }
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_names_as_the_spec_says() {
        assert_eq!(derive_env_name("Database URL").unwrap(), "DATABASE_URL");
        assert_eq!(
            derive_env_name("stripe secret-key").unwrap(),
            "STRIPE_SECRET_KEY"
        );
        assert_eq!(derive_env_name("  --a..b--  ").unwrap(), "A_B");
        assert_eq!(derive_env_name("api2 key").unwrap(), "API2_KEY");
        assert_eq!(derive_env_name("café au lait").unwrap(), "CAF_AU_LAIT");
        assert_eq!(derive_env_name("!!!"), None);
        assert_eq!(derive_env_name("日本"), None);
        assert_eq!(
            derive_field_env_name("database", "host").unwrap(),
            "DATABASE_HOST"
        );
        assert_eq!(derive_field_env_name("database", "--"), None);
        assert_eq!(env_name("ß"), "SS");
        assert_eq!(env_name("é"), "");
    }

    #[test]
    fn enforces_supabase_rules() {
        assert!(check_env_name("DATABASE_URL").is_ok());
        assert!(check_env_name("_PRIVATE").is_ok());
        assert!(matches!(
            check_env_name("SUPABASE_URL"),
            Err(NameError::Reserved { .. })
        ));
        assert!(matches!(
            check_env_name("supabase_url"),
            Err(NameError::Reserved { .. })
        ));
        assert!(check_env_name("SUPABASE").is_ok());
        assert!(matches!(
            check_env_name(&"A".repeat(257)),
            Err(NameError::TooLong { chars: 257, .. })
        ));
        assert!(check_env_name(&"A".repeat(256)).is_ok());
        assert!(matches!(
            check_env_name("1PASSWORD"),
            Err(NameError::Invalid { .. })
        ));
        assert!(matches!(
            check_env_name("A-B"),
            Err(NameError::Invalid { .. })
        ));
        assert!(check_value("A", &"x".repeat(24_576)).is_ok());
        assert!(matches!(
            check_value("A", &"x".repeat(24_577)),
            Err(NameError::ValueTooLong { chars: 24_577, .. })
        ));
    }

    #[test]
    fn errors_are_one_line_and_say_what_to_do() {
        let errs = [
            NameError::Empty {
                source: "!!".into(),
            },
            NameError::TooLong {
                name: "A".repeat(300),
                chars: 300,
            },
            NameError::Reserved {
                name: "SUPABASE_X".into(),
            },
            NameError::Invalid { name: "a-b".into() },
            NameError::ValueTooLong {
                name: "X".into(),
                chars: 30_000,
            },
        ];
        for e in errs {
            let s = e.to_string();
            assert!(!s.contains('\n'), "{s}");
            assert!(s.len() < 160, "{s}");
        }
    }

    #[test]
    fn finds_conflicts_naming_both_sources() {
        let vars = [
            ("DB_URL".to_string(), "billing/db url"),
            ("TOKEN".to_string(), "billing/token"),
            ("DB_URL".to_string(), "web/DB-URL"),
            ("TOKEN".to_string(), "billing/token"),
        ];
        let c = find_conflicts(vars);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "DB_URL");
        assert_eq!(
            c[0].to_string(),
            "DB_URL would be written by both billing/db url and web/DB-URL: map one of them with --as NAME"
        );
    }
}
