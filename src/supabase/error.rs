//! The client's errors. Each Display is one line that says what happened and what to do;
//! none ever contains the token (the client never puts it in a URL or a message).

use std::time::Duration;

/// Why a request never produced an HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Timeout,
    ConnectionRefused,
    /// DNS, TLS, reset connections and the rest.
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: the token is invalid, expired or revoked.
    #[error(
        "Supabase refused the access token (401: {message}): it is invalid or revoked; create a new token in the Supabase dashboard and reconnect"
    )]
    Unauthorized { message: String },

    /// 403: the token is valid but lacks a permission.
    #[error("{}", forbidden_line(.message, .missing_permissions, .hint))]
    Forbidden {
        message: String,
        /// From scoped tokens' 403 bodies.
        missing_permissions: Vec<String>,
        /// What the user can do about it, chosen for the call that was refused.
        hint: &'static str,
    },

    /// 404: the project, key or route does not exist (or the token cannot see it).
    #[error("not found on Supabase (404: {message}): check the project ref or key id")]
    NotFound { message: String },

    /// 429: over the rate limit; `retry_after` from `Retry-After` (or the reset header).
    #[error(
        "Supabase rate limit reached (429): retry in {}s",
        retry_after.as_secs().max(1)
    )]
    RateLimited { retry_after: Duration },

    /// Any other non-success answer, with the body's `message`.
    #[error("Supabase rejected the request ({status}): {message}")]
    Rejected { status: u16, message: String },

    /// No HTTP answer at all. The source is reqwest's error with its URL removed.
    #[error("{message}")]
    Transport {
        kind: TransportKind,
        message: String,
        #[source]
        source: reqwest::Error,
    },

    /// A success status with a body that does not parse as the spec says.
    #[error("unexpected answer from the Management API ({status}): {message}")]
    UnexpectedResponse { status: u16, message: String },

    /// The client's own configuration is unusable (e.g. a non-http(s) instance URL).
    #[error("{0}")]
    Config(String),

    /// An upsert larger than one request may carry; refused, never split (see `Client::upsert_secrets`).
    #[error(
        "{count} secrets in one batch: at most {max} may be sent in one request (and a project holds at most 100)"
    )]
    BatchTooLarge { count: usize, max: usize },
}

impl Error {
    /// True for errors that say nothing about the target's health: a retry later may work
    /// without the user doing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Transport { .. } => true,
            Self::Rejected { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The HTTP status, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::RateLimited { .. } => Some(429),
            Self::Rejected { status, .. } | Self::UnexpectedResponse { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}

/// Hints for 403s; the client picks one per call.
pub mod hints {
    pub const DEFAULT: &str = "a token scoped to some projects or permissions cannot do this; grant the permission or use a classic account token";
    pub const LIST_PROJECTS: &str = "the token cannot list the account's projects (a project-scoped token?); give the project ref to validate against that project";
    pub const REVEAL: &str = "revealing API keys needs the \"API Key Secrets\" permission on a scoped token (or use a classic account token)";
}

fn forbidden_line(message: &str, missing: &[String], hint: &str) -> String {
    let mut line = format!("Supabase forbade the request (403: {message})");
    if !missing.is_empty() {
        line.push_str(&format!("; missing permissions: {}", missing.join(", ")));
    }
    line.push_str("; ");
    line.push_str(hint);
    line
}

/// Turns a reqwest failure into a Transport error whose message tells timeouts and
/// refused connections apart, naming the host but never the full URL's query.
pub(crate) fn transport(err: reqwest::Error, host: &str, timeout: Duration) -> Error {
    let refused = {
        let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        let mut found = false;
        while let Some(e) = src {
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::ConnectionRefused
            {
                found = true;
                break;
            }
            src = e.source();
        }
        found
    };
    if err.is_timeout() && err.is_connect() {
        Error::Transport {
            kind: TransportKind::Timeout,
            message: format!(
                "connecting to {host} timed out: the host is unreachable or filtered; check the instance URL and the network"
            ),
            source: err.without_url(),
        }
    } else if err.is_timeout() {
        Error::Transport {
            kind: TransportKind::Timeout,
            message: format!(
                "timed out after {:.1}s waiting for {host}: the API is slow or unreachable; try again, or raise the timeout",
                timeout.as_secs_f64()
            ),
            source: err.without_url(),
        }
    } else if refused {
        Error::Transport {
            kind: TransportKind::ConnectionRefused,
            message: format!(
                "connection refused by {host}: nothing is listening there; check the instance URL"
            ),
            source: err.without_url(),
        }
    } else {
        // Its text would name the whole URL; the message names the host only.
        let err = err.without_url();
        let mut detail = err.to_string();
        let mut src = std::error::Error::source(&err);
        while let Some(e) = src {
            detail = e.to_string();
            src = e.source();
        }
        Error::Transport {
            kind: TransportKind::Other,
            message: format!(
                "cannot reach {host}: {detail}; check the instance URL and the network"
            ),
            source: err,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// reqwest's error stays reachable as the source, without its URL; the message is
    /// the one line it always was.
    #[tokio::test]
    async fn transport_errors_keep_the_reqwest_error_without_its_url() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let err = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/v1/projects?page=2"))
            .send()
            .await
            .unwrap_err();
        let e = transport(err, "127.0.0.1", Duration::from_secs(1));
        assert!(matches!(
            e,
            Error::Transport {
                kind: TransportKind::ConnectionRefused,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "connection refused by 127.0.0.1: nothing is listening there; check the instance URL"
        );
        let source = std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<reqwest::Error>())
            .expect("reqwest's error is the source");
        assert!(source.url().is_none());
    }
}
