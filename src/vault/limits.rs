//! Input limits. Documented in docs/user-guide.md; each refusal says what to do instead.

use crate::vault::error::{Result, VaultError};
use crate::vault::secrets::record::SecretValue;

pub const PROJECT_NAME_MAX: usize = 64;
pub const SECRET_NAME_MAX: usize = 128;
pub const FIELD_NAME_MAX: usize = 64;
pub const FIELDS_MAX: usize = 64;
pub const NOTE_MAX: usize = 1024;
/// Per value or field, in bytes. Above Supabase's 24,576 on purpose: the vault may hold
/// material that is never synced (certificates, keys); mapping enforces Supabase's limit.
pub const VALUE_MAX: usize = 64 * 1024;

fn check_text(what: &str, s: &str, max: usize) -> Result<()> {
    if s.trim().is_empty() {
        return Err(VaultError::invalid(format!(
            "{what} is empty: give a name of 1 to {max} characters"
        )));
    }
    if s.trim() != s {
        return Err(VaultError::invalid(format!(
            "{what} {s:?} has leading or trailing spaces: remove them"
        )));
    }
    let n = s.chars().count();
    if n > max {
        return Err(VaultError::invalid(format!(
            "{what} is {n} characters long: the limit is {max}, use a shorter one"
        )));
    }
    invisible(what, s)
}

/// Refuses characters nobody can see (crate::vault::invisible): two names that look identical
/// must not be two secrets.
pub(crate) fn invisible(what: &str, s: &str) -> Result<()> {
    match crate::vault::invisible::first(s) {
        Some(c) => Err(VaultError::invalid(format!(
            "{what} {s:?} contains {c}, which cannot be seen: retype it with visible characters only"
        ))),
        None => Ok(()),
    }
}

pub fn project_name(s: &str) -> Result<()> {
    check_text("the project name", s, PROJECT_NAME_MAX)?;
    if s.contains('/') {
        return Err(VaultError::invalid(format!(
            "the project name {s:?} contains '/': '/' separates PROJECT/NAME, choose another name"
        )));
    }
    Ok(())
}

pub fn secret_name(s: &str) -> Result<()> {
    check_text("the secret name", s, SECRET_NAME_MAX)
}

pub fn note(s: &str) -> Result<()> {
    let n = s.chars().count();
    if n > NOTE_MAX {
        return Err(VaultError::invalid(format!(
            "the note is {n} characters long: the limit is {NOTE_MAX}, shorten it"
        )));
    }
    Ok(())
}

pub fn field_name(s: &str) -> Result<()> {
    check_text("the field name", s, FIELD_NAME_MAX)?;
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return Err(VaultError::invalid(format!(
            "the field name {s:?} may only contain letters, digits, '_', '-' and '.': rename it"
        )));
    }
    Ok(())
}

fn one_value(what: &str, v: &str) -> Result<()> {
    if v.is_empty() {
        return Err(VaultError::invalid(format!(
            "{what} is empty: give a value on stdin or with --value-file (to delete a secret use `keyward secret rm`)"
        )));
    }
    if v.len() > VALUE_MAX {
        return Err(VaultError::invalid(format!(
            "{what} is {} bytes: the limit is {VALUE_MAX} bytes, store a smaller value",
            v.len()
        )));
    }
    Ok(())
}

pub fn value(v: &SecretValue) -> Result<()> {
    match v {
        SecretValue::Simple(s) => one_value("the value", s),
        SecretValue::Fields(fs) => {
            if fs.is_empty() {
                return Err(VaultError::invalid(
                    "a structured secret needs at least one field: give KEY=VALUE lines on stdin",
                ));
            }
            if fs.len() > FIELDS_MAX {
                return Err(VaultError::invalid(format!(
                    "{} fields given: the limit is {FIELDS_MAX}, split the secret",
                    fs.len()
                )));
            }
            for (i, (k, v)) in fs.iter().enumerate() {
                field_name(k)?;
                if fs[..i].iter().any(|(other, _)| other == k) {
                    return Err(VaultError::invalid(format!(
                        "the field {k:?} is given twice: give each field once"
                    )));
                }
                one_value(&format!("the value of field {k:?}"), v)?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded() {
        assert!(project_name("billing-api").is_ok());
        assert!(project_name("").is_err());
        assert!(project_name("a/b").is_err());
        assert!(project_name(&"x".repeat(PROJECT_NAME_MAX + 1)).is_err());
        assert!(secret_name("Database URL").is_ok());
        assert!(secret_name(" padded").is_err());
        assert!(secret_name("tab\tname").is_err());
        assert!(secret_name("K0\u{200D}").is_err());
        assert!(project_name("app\u{202E}").is_err());
        assert!(field_name("host").is_ok());
        assert!(field_name("ho st").is_err());
    }

    #[test]
    fn values_are_bounded() {
        assert!(value(&SecretValue::simple("x")).is_ok());
        assert!(value(&SecretValue::simple("")).is_err());
        assert!(value(&SecretValue::simple("x".repeat(VALUE_MAX + 1))).is_err());
        assert!(value(&SecretValue::fields([("a", "1"), ("a", "2")])).is_err());
        assert!(value(&SecretValue::fields(Vec::<(String, String)>::new())).is_err());
    }
}
