//! The HTTP edges of the client: checking URLs, and turning a non-success answer into
//! the typed error with the body's message and the `Retry-After` wait.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};

use super::api::ErrorBody;
use super::error::{Error, hints};
use super::ratelimit::RateLimit;

pub(crate) fn parse_http_url(raw: &str, what: &str) -> Result<Url, Error> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        Error::Config(format!(
            "{what} `{raw}` is not a URL ({e}): give a full http:// or https:// URL"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        // Credentials in a URL end up in logs and error messages; the token is the auth,
        // and this check comes first so no later message echoes them.
        return Err(Error::Config(format!(
            "{what} must not carry a user name or password"
        )));
    }
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(Error::Config(format!(
                "{what} `{raw}` uses `{other}:`; only http:// and https:// URLs are supported"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::Config(format!("{what} `{raw}` has no host")));
    }
    Ok(url)
}

/// The host of a plain `http://` URL that leaves this machine (not loopback), whose
/// requests would carry a token or a key in clear; None for https and loopback.
pub fn cleartext_remote_host(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?;
    (!is_loopback_host(host)).then(|| host.to_owned())
}

/// Whether `raw` (any scheme) points at this machine.
pub fn is_loopback_url(raw: &str) -> bool {
    Url::parse(raw.trim())
        .ok()
        .and_then(|u| u.host_str().map(is_loopback_host))
        .unwrap_or(false)
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Parses the instance URL and makes it end with `/` so relative joins keep its path.
pub(crate) fn parse_base_url(raw: &str) -> Result<Url, Error> {
    let mut url = parse_http_url(raw, "instance URL")?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "instance URL `{raw}` must not carry a query or fragment"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

pub(crate) fn error_message(status: StatusCode, body: &[u8]) -> ErrorBody {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) if !b.message.is_empty() => b,
        Ok(b) => ErrorBody {
            message: default_reason(status),
            ..b
        },
        Err(_) => {
            // Not the API's JSON (a proxy's HTML page, say): show a short, single-line excerpt.
            let text = String::from_utf8_lossy(body);
            let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let message = if line.is_empty() {
                default_reason(status)
            } else {
                line.chars().take(200).collect()
            };
            ErrorBody {
                message,
                ..ErrorBody::default()
            }
        }
    }
}

fn default_reason(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("no message").to_owned()
}

pub(crate) fn status_error(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    hint: &'static str,
) -> Error {
    let parsed = error_message(status, body);
    match status {
        StatusCode::UNAUTHORIZED => Error::Unauthorized {
            message: parsed.message,
        },
        StatusCode::FORBIDDEN => Error::Forbidden {
            // A 403 naming the permissions it lacks is about those, whatever the call;
            // the reveal hint is for the bare 403 scoped tokens get when revealing.
            hint: if hint == hints::REVEAL && !parsed.missing_permissions.is_empty() {
                hints::DEFAULT
            } else {
                hint
            },
            message: parsed.message,
            missing_permissions: parsed.missing_permissions,
        },
        StatusCode::NOT_FOUND => Error::NotFound {
            message: parsed.message,
        },
        StatusCode::TOO_MANY_REQUESTS => Error::RateLimited {
            retry_after: retry_after(headers),
        },
        _ => Error::Rejected {
            status: status.as_u16(),
            message: parsed.message,
        },
    }
}

/// `Retry-After` in seconds, else the rate-limit reset, else a minute.
fn retry_after(headers: &HeaderMap) -> Duration {
    let header = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if let Some(v) = header {
        // The API sends seconds; an HTTP-date form falls through to the reset header.
        if let Ok(secs) = v.parse::<u64>() {
            return Duration::from_secs(secs);
        }
    }
    RateLimit::from_headers(headers)
        .map(|r| r.reset)
        .unwrap_or(Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn base_url_tolerates_trailing_slash_and_keeps_prefix() {
        assert_eq!(
            parse_base_url("https://api.supabase.com").unwrap().as_str(),
            "https://api.supabase.com/"
        );
        assert_eq!(
            parse_base_url("https://api.supabase.com/")
                .unwrap()
                .as_str(),
            "https://api.supabase.com/"
        );
        let u = parse_base_url("http://proxy.local:8080/supabase").unwrap();
        assert_eq!(
            u.join("v1/projects").unwrap().as_str(),
            "http://proxy.local:8080/supabase/v1/projects"
        );
    }

    #[test]
    fn credentials_in_the_url_are_refused_without_echoing_them() {
        let err = parse_base_url("https://me:hunter2@api.example.com")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("user name or password") && !err.contains("hunter2"),
            "{err}"
        );
    }

    #[test]
    fn non_http_schemes_are_refused_with_a_clear_error() {
        for bad in [
            "ftp://api.supabase.com",
            "file:///etc/passwd",
            "api.supabase.com",
        ] {
            let err = parse_base_url(bad).unwrap_err().to_string();
            assert!(err.contains("instance URL"), "{bad}: {err}");
            assert!(!err.contains('\n'));
        }
    }

    #[test]
    fn only_plain_http_to_another_machine_is_cleartext() {
        for (url, remote) in [
            ("http://api.example.com", Some("api.example.com")),
            ("http://10.0.0.5:8080/x", Some("10.0.0.5")),
            ("http://[2001:db8::1]/", Some("[2001:db8::1]")),
            ("https://api.example.com", None),
            ("http://127.0.0.1:54321", None),
            ("http://127.8.9.10", None),
            ("http://localhost:8080", None),
            ("http://[::1]:80", None),
        ] {
            assert_eq!(cleartext_remote_host(url).as_deref(), remote, "{url}");
        }
    }

    #[test]
    fn retry_after_prefers_the_header_then_the_reset() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Duration::from_secs(7));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from_static("120"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("12"));
        assert_eq!(retry_after(&h), Duration::from_secs(12));
    }

    #[test]
    fn error_messages_are_one_line_even_from_html_bodies() {
        let e = status_error(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>\n<b>Bad</b>\n gateway</html>",
            hints::DEFAULT,
        );
        let s = e.to_string();
        assert!(!s.contains('\n'), "{s}");
        assert!(s.contains("502"), "{s}");
    }
}
