//! A small validator for the OpenAPI 3.0 subset the Management API spec uses for the
//! endpoints keyward calls: `$ref`, `type`, `nullable`, `properties`, `required`,
//! `additionalProperties: false`, `items`, `enum`, `oneOf`/`anyOf`/`allOf`,
//! `min/maxLength`, `min/maxItems`, `minimum`/`maximum`, `format: uuid` between `oneOf` alternatives and `pattern`
//! (through a tiny matcher of the pattern forms the spec uses, including a leading
//! `(?!...)`).

use std::path::PathBuf;

use serde_json::Value;

pub struct Spec {
    doc: Value,
    pub path: PathBuf,
}

/// Where the spec is read from: `KEYWARD_SUPABASE_SPEC`, else the copy kept in the
/// repository (tests/fixtures/supabase, byte for byte, its source in SOURCE.md there),
/// so a fresh clone checks against it too.
pub fn spec_path() -> PathBuf {
    match std::env::var_os("KEYWARD_SUPABASE_SPEC") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/supabase/management-api-openapi.json"),
    }
}

impl Spec {
    /// The spec; it is kept in the repository, so it is never missing.
    pub fn load() -> Spec {
        let path = spec_path();
        let bytes = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("the official spec {} cannot be read: {e}", path.display()));
        let doc = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        Spec { doc, path }
    }

    /// The operation object for `method` (lowercase) on a path template.
    pub fn operation(&self, method: &str, route: &str) -> Option<&Value> {
        self.doc["paths"]
            .get(route)?
            .get(method.to_ascii_lowercase())
    }

    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/components/schemas/");
            schema = &self.doc["components"]["schemas"][name];
        }
        schema
    }

    /// Every way `value` breaks `schema`, as "path: problem" lines.
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors);
        errors
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        let s = self.resolve(schema);
        if v.is_null() {
            if s.get("nullable") == Some(&Value::Bool(true)) || s.get("type").is_none() {
                return;
            }
            errors.push(format!("{at}: null where the spec does not allow it"));
            return;
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(sub, v, at, errors);
            }
        }
        for (key, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            if let Some(alts) = s.get(key).and_then(Value::as_array) {
                // Between alternatives, `format: uuid` decides (a branch is named by a
                // ref or a uuid); elsewhere formats are not checked (the API takes
                // `anon` where its spec says uuid).
                let uuid_fails = |sub: &Value| {
                    sub.get("format").and_then(Value::as_str) == Some("uuid")
                        && v.as_str().is_some_and(|t| !is_uuid(t))
                };
                let ok = alts
                    .iter()
                    .filter(|sub| !uuid_fails(sub) && self.validate(sub, v).is_empty())
                    .count();
                if ok == 0 || (exactly_one && ok > 1) {
                    errors.push(format!("{at}: matches {ok} of the {key} alternatives"));
                }
            }
        }
        if let Some(options) = s.get("enum").and_then(Value::as_array)
            && !options.contains(v)
        {
            errors.push(format!(
                "{at}: {v} is not one of {}",
                Value::Array(options.clone())
            ));
        }
        let Some(ty) = s.get("type").and_then(Value::as_str) else {
            return;
        };
        let type_ok = match ty {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            _ => true,
        };
        if !type_ok {
            errors.push(format!("{at}: expected {ty}, got {v}"));
            return;
        }
        match v {
            Value::Object(map) => {
                let props = s.get("properties").and_then(Value::as_object);
                for req in s
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(name) = req.as_str()
                        && !map.contains_key(name)
                    {
                        errors.push(format!("{at}: required property `{name}` missing"));
                    }
                }
                for (k, val) in map {
                    match props.and_then(|p| p.get(k)) {
                        Some(sub) => self.check(sub, val, &format!("{at}.{k}"), errors),
                        None => match s.get("additionalProperties") {
                            Some(Value::Bool(false)) => {
                                errors.push(format!("{at}: property `{k}` is not in the spec"))
                            }
                            Some(sub @ Value::Object(_)) => {
                                self.check(sub, val, &format!("{at}.{k}"), errors)
                            }
                            // Undeclared properties are allowed by OpenAPI, but a response
                            // the emulator invents would drift from the real API: flag it.
                            _ if props.is_some() => {
                                errors.push(format!("{at}: property `{k}` is not in the spec"))
                            }
                            _ => {}
                        },
                    }
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if s.get("minItems")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| n < m)
                {
                    errors.push(format!("{at}: fewer than minItems"));
                }
                if s.get("maxItems")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| n > m)
                {
                    errors.push(format!("{at}: more than maxItems"));
                }
                if let Some(item) = s.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        self.check(item, x, &format!("{at}[{i}]"), errors);
                    }
                }
            }
            Value::String(text) => {
                let n = text.chars().count() as u64;
                if s.get("minLength")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| n < m)
                {
                    errors.push(format!("{at}: shorter than minLength"));
                }
                if s.get("maxLength")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| n > m)
                {
                    errors.push(format!("{at}: longer than maxLength"));
                }
                if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                    match pattern_matches(p, text) {
                        Ok(true) => {}
                        Ok(false) => errors.push(format!("{at}: {text:?} does not match {p}")),
                        Err(why) => errors.push(format!(
                            "{at}: pattern {p} unsupported by the test validator: {why}"
                        )),
                    }
                }
            }
            Value::Number(num) => {
                let x = num.as_f64().unwrap_or(0.0);
                if s.get("minimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| x < m)
                {
                    errors.push(format!("{at}: below minimum"));
                }
                if s.get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| x > m)
                {
                    errors.push(format!("{at}: above maximum"));
                }
            }
            _ => {}
        }
    }
}

// ---- patterns ----

#[derive(Debug, Clone)]
enum Atom {
    Any,
    Lit(char),
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Atom::Any => c != '\n',
            Atom::Lit(l) => *l == c,
            Atom::Class { negated, items } => {
                items.iter().any(|(a, b)| (*a..=*b).contains(&c)) != *negated
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Rep {
    One,
    Opt,
    Star,
    Plus,
}

fn word_class() -> Vec<(char, char)> {
    vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]
}

fn escape(c: char) -> Result<Vec<(char, char)>, String> {
    Ok(match c {
        'w' => word_class(),
        'd' => vec![('0', '9')],
        's' => vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')],
        c if !c.is_alphanumeric() => vec![(c, c)],
        other => return Err(format!("escape \\{other}")),
    })
}

/// Matches the pattern forms the spec uses: anchors, literals, `.`, classes with ranges
/// and `\w`/`\d`, the quantifiers `? * +`, and one leading negative lookahead of a literal.
pub fn pattern_matches(pattern: &str, text: &str) -> Result<bool, String> {
    let mut p: &str = pattern;
    let anchored_start = p.starts_with('^');
    if anchored_start {
        p = &p[1..];
    }
    if let Some(rest) = p.strip_prefix("(?!") {
        let end = rest.find(')').ok_or("unclosed lookahead")?;
        let forbidden = &rest[..end];
        if forbidden.chars().any(|c| "[]().*+?\\|".contains(c)) {
            return Err("lookahead of a non-literal".into());
        }
        if text.starts_with(forbidden) {
            return Ok(false);
        }
        p = &rest[end + 1..];
    }
    let anchored_end = p.ends_with('$') && !p.ends_with("\\$");
    if anchored_end {
        p = &p[..p.len() - 1];
    }
    let mut atoms: Vec<(Atom, Rep)> = Vec::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        let atom = match c {
            '.' => Atom::Any,
            '\\' => {
                let e = chars.next().ok_or("trailing backslash")?;
                let items = escape(e)?;
                if items.len() == 1 && items[0].0 == items[0].1 {
                    Atom::Lit(items[0].0)
                } else {
                    Atom::Class {
                        negated: false,
                        items,
                    }
                }
            }
            '[' => {
                let negated = chars.peek() == Some(&'^');
                if negated {
                    chars.next();
                }
                let mut items = Vec::new();
                loop {
                    let c = chars.next().ok_or("unclosed class")?;
                    if c == ']' {
                        break;
                    }
                    let start = if c == '\\' {
                        let e = chars.next().ok_or("trailing backslash")?;
                        let esc = escape(e)?;
                        if esc.len() > 1 {
                            items.extend(esc);
                            continue;
                        }
                        esc[0].0
                    } else {
                        c
                    };
                    if chars.peek() == Some(&'-') {
                        chars.next();
                        match chars.peek() {
                            Some(']') | None => {
                                items.push((start, start));
                                items.push(('-', '-'));
                            }
                            Some(_) => {
                                let end = chars.next().unwrap_or(start);
                                items.push((start, end));
                            }
                        }
                    } else {
                        items.push((start, start));
                    }
                }
                Atom::Class { negated, items }
            }
            '(' | ')' | '|' | '{' => return Err(format!("`{c}`")),
            c => Atom::Lit(c),
        };
        let rep = match chars.peek() {
            Some('?') => Rep::Opt,
            Some('*') => Rep::Star,
            Some('+') => Rep::Plus,
            _ => Rep::One,
        };
        if !matches!(rep, Rep::One) {
            chars.next();
        }
        atoms.push((atom, rep));
    }
    let text: Vec<char> = text.chars().collect();
    let starts: Vec<usize> = if anchored_start {
        vec![0]
    } else {
        (0..=text.len()).collect()
    };
    Ok(starts
        .into_iter()
        .any(|s| match_here(&atoms, &text, s, anchored_end)))
}

fn match_here(atoms: &[(Atom, Rep)], text: &[char], at: usize, anchored_end: bool) -> bool {
    let Some(((atom, rep), rest)) = atoms.split_first() else {
        return !anchored_end || at == text.len();
    };
    let (min, max) = match rep {
        Rep::One => (1, 1),
        Rep::Opt => (0, 1),
        Rep::Star => (0, usize::MAX),
        Rep::Plus => (1, usize::MAX),
    };
    let mut n = 0;
    while n < max && at + n < text.len() && atom.matches(text[at + n]) {
        n += 1;
    }
    (min..=n)
        .rev()
        .any(|k| match_here(rest, text, at + k, anchored_end))
}

#[test]
fn the_pattern_matcher_handles_the_specs_forms() {
    assert!(pattern_matches("^[a-z]+$", "abcdefghijklmnopqrst").unwrap());
    assert!(!pattern_matches("^[a-z]+$", "abc1").unwrap());
    assert!(pattern_matches(r"^[\w-]+$", "my-org_1").unwrap());
    assert!(!pattern_matches(r"^[\w-]+$", "my org").unwrap());
    assert!(pattern_matches("^(?!SUPABASE_).*", "API_KEY").unwrap());
    assert!(!pattern_matches("^(?!SUPABASE_).*", "SUPABASE_URL").unwrap());
    assert!(pattern_matches("^[a-z_][a-z0-9_]+$", "ci_key_2").unwrap());
    assert!(!pattern_matches("^[a-z_][a-z0-9_]+$", "2ci").unwrap());
    assert!(pattern_matches("^[a-z_][a-z0-9_]+$", "c").is_ok_and(|m| !m));
    assert!(pattern_matches("a|b", "a").is_err());
}

#[test]
fn the_validator_catches_what_it_must() {
    let spec = Spec::load();
    let secret = serde_json::json!({"$ref": "#/components/schemas/SecretResponse"});
    assert!(
        spec.validate(&secret, &serde_json::json!({"name": "A", "value": "x"}))
            .is_empty()
    );
    assert!(
        !spec
            .validate(&secret, &serde_json::json!({"name": "A"}))
            .is_empty(),
        "required"
    );
    assert!(
        !spec
            .validate(&secret, &serde_json::json!({"name": 1, "value": "x"}))
            .is_empty(),
        "type"
    );
    let body = serde_json::json!({"$ref": "#/components/schemas/CreateSecretBody"});
    assert!(
        !spec
            .validate(
                &body,
                &serde_json::json!([{"name": "SUPABASE_X", "value": "v"}])
            )
            .is_empty(),
        "pattern"
    );
    let key = serde_json::json!({"$ref": "#/components/schemas/ApiKeyResponse"});
    assert!(
        spec.validate(
            &key,
            &serde_json::json!({"name": "k", "api_key": null, "type": null})
        )
        .is_empty(),
        "nullable"
    );
    assert!(
        !spec
            .validate(&key, &serde_json::json!({"name": "k", "type": "other"}))
            .is_empty(),
        "enum"
    );
    assert!(
        !spec
            .validate(&key, &serde_json::json!({"name": "k", "invented": 1}))
            .is_empty(),
        "extra property"
    );
}

/// 8-4-4-4-12 hex digits.
fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}
