//! Environment-variable names derived from secret names (product.md §3).

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

/// `<NAME>_<FIELD>` for a field of a structured secret.
pub fn field_env_name(name: &str, field: &str) -> String {
    env_name(&format!("{name} {field}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_names_as_the_spec_says() {
        assert_eq!(env_name("Database URL"), "DATABASE_URL");
        assert_eq!(env_name("stripe secret-key"), "STRIPE_SECRET_KEY");
        assert_eq!(env_name("  --a__b--  "), "A_B");
        assert_eq!(env_name("ß"), "SS");
        assert_eq!(env_name("é"), "");
        assert_eq!(field_env_name("database", "host"), "DATABASE_HOST");
    }
}
