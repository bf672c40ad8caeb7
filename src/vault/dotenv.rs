//! `.env` files: a strict parser (a malformed line is reported with its number and
//! nothing is imported) and a writer whose output the parser reads back.

use zeroize::Zeroizing;

use super::error::{Result, VaultError};

/// Parses `KEY=VALUE` lines: blank lines and `#` comments skipped, an optional `export `
/// prefix, values unquoted (trimmed, ` #` starts a comment), 'single-quoted' (literal) or
/// "double-quoted" (with \n \r \t \" \\ escapes). One value per line.
pub fn parse(text: &str) -> Result<Vec<(String, Zeroizing<String>)>> {
    let mut out: Vec<(String, Zeroizing<String>)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let bad = |why: &str| {
            VaultError::invalid(format!(
                "line {n} of the .env file is malformed ({why}): fix it; nothing was imported"
            ))
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((key, rest)) = line.split_once('=') else {
            return Err(bad("no '=' between name and value"));
        };
        let key = key.trim();
        let key_ok = !key.is_empty()
            && !key.starts_with(|c: char| c.is_ascii_digit())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
        if !key_ok {
            return Err(bad(
                "the name must be letters, digits, '_', '.' or '-', not starting with a digit",
            ));
        }
        let rest = rest.trim_start();
        let value = if let Some(body) = rest.strip_prefix('\'') {
            let end = body
                .find('\'')
                .ok_or_else(|| bad("unterminated single quote"))?;
            trailing_ok(&body[end + 1..])
                .then_some(())
                .ok_or_else(|| bad("text after the closing quote"))?;
            Zeroizing::new(body[..end].to_string())
        } else if let Some(body) = rest.strip_prefix('"') {
            let (v, after) =
                unescape(body).ok_or_else(|| bad("unterminated double quote or unknown escape"))?;
            trailing_ok(after)
                .then_some(())
                .ok_or_else(|| bad("text after the closing quote"))?;
            v
        } else {
            let v = match rest.find(" #") {
                Some(c) => &rest[..c],
                None => rest,
            };
            Zeroizing::new(v.trim_end().to_string())
        };
        if out.iter().any(|(k, _)| k == key) {
            return Err(bad(&format!("{key} is given twice")));
        }
        out.push((key.to_string(), value));
    }
    Ok(out)
}

fn trailing_ok(after: &str) -> bool {
    let a = after.trim_start();
    a.is_empty() || a.starts_with('#')
}

fn unescape(body: &str) -> Option<(Zeroizing<String>, &str)> {
    let mut v = Zeroizing::new(String::new());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((v, &body[i + 1..])),
            '\\' => v.push(match chars.next()?.1 {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                '"' => '"',
                '\\' => '\\',
                '$' => '$',
                _ => return None,
            }),
            c => v.push(c),
        }
    }
    None
}

/// One `KEY="VALUE"` line, escaped so that [`parse`] reads back exactly `value`.
pub fn line(key: &str, value: &str) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::with_capacity(key.len() + value.len() + 4));
    s.push_str(key);
    s.push_str("=\"");
    for c in value.chars() {
        match c {
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '$' => s.push_str("\\$"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_common_forms() {
        let got = parse(
            "# c\n\nA=1\nexport B = two words # note\nC='x#y'\nD=\"l1\\nl2 \\\"q\\\"\"\nE=\n",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [
                ("A", "1"),
                ("B", "two words"),
                ("C", "x#y"),
                ("D", "l1\nl2 \"q\""),
                ("E", "")
            ]
        );
    }

    #[test]
    fn malformed_lines_name_their_number() {
        for (text, line) in [
            ("A=1\nnope\n", 2),
            ("A=1\n\n1X=2", 3),
            ("Q=\"open", 1),
            ("A=1\nA=2", 2),
            ("S='a' b", 1),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(&format!("line {line} ")), "{text:?}: {e}");
        }
    }

    #[test]
    fn written_lines_read_back() {
        let v = "we\"ird $HOME \\ \n\ttext";
        let l = line("K", v);
        assert_eq!(parse(&l).unwrap()[0].1.as_str(), v);
    }
}
