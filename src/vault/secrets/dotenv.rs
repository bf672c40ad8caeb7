//! `.env` files: a strict parser (a malformed line is reported with its number and
//! nothing is imported) and a writer whose output the parser reads back.

use zeroize::Zeroizing;

use crate::vault::error::{Result, VaultError};

/// Parses `KEY=VALUE` lines: blank lines and `#` comments skipped, an optional `export `
/// prefix, values unquoted (trimmed, ` #` starts a comment), 'single-quoted' (literal) or
/// "double-quoted" (with \n \r \t \" \\ \$ escapes). A quoted value may span lines, as
/// dotenv tools write a PEM key; its newlines are kept. A leading UTF-8 byte order mark
/// is ignored, and CRLF line ends read as LF.
pub fn parse(text: &str) -> Result<Vec<(String, Zeroizing<String>)>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<(String, Zeroizing<String>)> = Vec::new();
    let mut next = 0;
    while next < lines.len() {
        let n = next + 1;
        let raw = lines[next];
        next += 1;
        let bad = |why: &str| {
            VaultError::invalid(format!(
                "line {n} of the .env file is malformed ({why}): fix it; nothing was imported"
            ))
        };
        let line = raw.trim_start();
        if line.trim_end().is_empty() || line.starts_with('#') {
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
        let value = match rest.chars().next() {
            Some(q @ ('\'' | '"')) => {
                // Until the closing quote, on this line or a later one.
                let mut body = Zeroizing::new(rest[1..].to_string());
                let (v, after) = loop {
                    match unquote(q, &body) {
                        Ok((v, after)) => break (v, body[after..].to_string()),
                        Err(Unquote::BadEscape) => {
                            return Err(bad(
                                "unknown escape in a double-quoted value: use \\n \\r \\t \\\" \\\\ or \\$",
                            ));
                        }
                        Err(Unquote::Open) if next < lines.len() => {
                            body.push('\n');
                            body.push_str(lines[next]);
                            next += 1;
                        }
                        Err(Unquote::Open) => {
                            return Err(bad(&format!(
                                "its {} quote is never closed",
                                if q == '"' { "double" } else { "single" }
                            )));
                        }
                    }
                };
                if !trailing_ok(&after) {
                    return Err(bad("text after the closing quote"));
                }
                v
            }
            _ => {
                let v = match rest.find(" #") {
                    Some(c) => &rest[..c],
                    None => rest,
                };
                Zeroizing::new(v.trim_end().to_string())
            }
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

enum Unquote {
    /// No closing quote yet.
    Open,
    BadEscape,
}

/// The value of a quoted `body` (after its opening quote `q`) and the byte offset just
/// past the closing quote. Single quotes are literal; double quotes take escapes.
fn unquote(q: char, body: &str) -> std::result::Result<(Zeroizing<String>, usize), Unquote> {
    let mut v = Zeroizing::new(String::new());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == q => return Ok((v, i + 1)),
            '\\' if q == '"' => v.push(match chars.next().ok_or(Unquote::Open)?.1 {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                '"' => '"',
                '\\' => '\\',
                '$' => '$',
                _ => return Err(Unquote::BadEscape),
            }),
            c => v.push(c),
        }
    }
    Err(Unquote::Open)
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
    fn a_bom_and_crlf_line_ends_are_read_through() {
        let got = parse("\u{FEFF}A=1\r\nB=\"x\"\r\n").unwrap();
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, [("A", "1"), ("B", "x")]);
    }

    #[test]
    fn quoted_values_may_span_lines() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n  kqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";
        let text = format!("A=1\nKEY=\"{pem}\"\nS='one\ntwo' # c\nB=2\n");
        let got = parse(&text).unwrap();
        let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [("A", "1"), ("KEY", pem), ("S", "one\ntwo"), ("B", "2")]
        );
        let e = parse("A=\"open\nB=2\n").unwrap_err().to_string();
        assert!(e.contains("line 1 ") && e.contains("never closed"), "{e}");
    }

    #[test]
    fn written_lines_read_back() {
        let v = "we\"ird $HOME \\ \n\ttext";
        let l = line("K", v);
        assert_eq!(parse(&l).unwrap()[0].1.as_str(), v);
    }
}
