//! Reading an answer's body with a bound. A listing from the real API is kilobytes (100
//! secrets of at most 24,576 characters is under 5 MB even fully escaped); an instance
//! URL pointing somewhere hostile or broken must not make keyward buffer hundreds of
//! megabytes (a 200 MB listing took 650 MB of memory when parsed whole).

use reqwest::{Response, StatusCode};

use super::error::{self, Error};

/// The most keyward reads of one answer.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The body of `resp`, refused once it passes `max` bytes (at once when the answer
/// announces a larger length), before the rest is read.
pub(crate) async fn read(
    mut resp: Response,
    max: usize,
    what: &str,
    host: &str,
    timeout: std::time::Duration,
) -> Result<Vec<u8>, Error> {
    let status = resp.status();
    let too_large = |status: StatusCode| Error::UnexpectedResponse {
        status: status.as_u16(),
        message: format!(
            "{what} answered with more than {} MiB, far more than a real answer: keyward stopped reading it; check the connection's instance URL",
            max / (1024 * 1024)
        ),
    };
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_large(status));
    }
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| error::transport(e, host, timeout))?
    {
        if body.len() + chunk.len() > max {
            return Err(too_large(status));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
