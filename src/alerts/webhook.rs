//! Posts an alert to a URL, signed the Standard Webhooks way: headers `webhook-id`,
//! `webhook-timestamp` (Unix seconds) and `webhook-signature` =
//! `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` under the alert's secret,
//! which the vault keeps sealed (`keyward alert secret NAME`) and which is written
//! `whsec_<base64>` for the receiver.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::Alert;

pub const SECRET_PREFIX: &str = "whsec_";

/// `whsec_<base64>`: how a receiver is given the secret.
pub fn secret_text(secret: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(secret))
}

/// The bytes of a `whsec_<base64>` secret (the prefix may be left out).
pub fn parse_secret(text: &str) -> Result<Vec<u8>, String> {
    let t = text.trim();
    let b64 = t.strip_prefix(SECRET_PREFIX).unwrap_or(t);
    STANDARD
        .decode(b64)
        .map_err(|_| "the signing secret is not whsec_ followed by base64: paste it whole, or let `keyward alert secret NAME` make one".to_string())
}

/// The `webhook-signature` header's value.
pub fn signature(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let ts = timestamp.to_string();
    let parts: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", body];
    format!("v1,{}", STANDARD.encode(crate::crypto::mac(secret, &parts)))
}

pub async fn post(
    url: &str,
    secret: &[u8],
    alert: &Alert,
    timeout: Duration,
) -> Result<(), String> {
    super::config::check_url(url)?;
    let body = alert.json();
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        // A redirect would carry the signed event somewhere the config does not name.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let resp = client
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", concat!("keyward/", env!("CARGO_PKG_VERSION")))
        .header("webhook-id", &alert.id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", signature(secret, &alert.id, ts, &body))
        .body(body)
        .send()
        .await
        .map_err(|e| crate::supabase::error::transport(e, &host(url), timeout).to_string())?;
    match resp.status() {
        s if s.is_success() => Ok(()),
        s => Err(format!("{} answered HTTP {}", host(url), s.as_u16())),
    }
}

/// The URL's host alone: a webhook URL's path often is its credential (chat services
/// put a token there), so logs, audit entries and listings show only this.
pub fn host(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| "(unparsable URL)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signs_like_the_standard_webhooks_example() {
        let secret = parse_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(
            secret_text(&secret),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        );
        assert!(parse_secret("whsec_***").is_err());
    }
}
