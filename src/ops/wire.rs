//! The owner's socket protocol: one JSON document per line, each way. A front end says
//! hello (protocol, version, what it is), the owner welcomes or refuses it, then calls
//! carry an id that their reply repeats (a dashboard has several in flight), and a
//! front end that asked to watch gets the owner's events as they happen.

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use zeroize::Zeroizing;

use super::{OwnerInfo, Reply, Request};
use crate::engine::Event;

/// Bumped when a message changes shape; both sides refuse another.
pub const PROTOCOL: u32 = 1;

/// The longest line either side accepts (an import of a large .env file fits; a
/// dashboard snapshot of a very large vault too).
pub const MAX_LINE: usize = 256 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToOwner {
    Hello(Hello),
    Call {
        id: u64,
        request: Request,
    },
    /// Stream the owner's events from now on.
    Watch,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub version: String,
    /// What the front end is: `keyward secret set`, `keyward` (a dashboard).
    pub command: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromOwner {
    Welcome(OwnerInfo),
    /// Why the owner will not serve this front end (another user, another version).
    Refused(String),
    Reply {
        id: u64,
        result: Result<Reply, String>,
    },
    Event(Event),
}

/// Writes one message as one line. The buffer is wiped: it may hold a value.
pub async fn send<W: AsyncWrite + Unpin, T: Serialize>(w: &mut W, msg: &T) -> std::io::Result<()> {
    let mut line = Zeroizing::new(serde_json::to_vec(msg).map_err(std::io::Error::other)?);
    line.push(b'\n');
    w.write_all(&line).await?;
    w.flush().await
}

/// Reads one message; None at the end of the stream. A line longer than [`MAX_LINE`]
/// or one that does not parse is an error (the connection is then dropped).
pub async fn recv<R, T>(r: &mut R) -> std::io::Result<Option<T>>
where
    R: AsyncBufRead + Unpin,
    T: serde::de::DeserializeOwned,
{
    let mut line = Zeroizing::new(Vec::new());
    let n = r
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            if n > MAX_LINE {
                "a message over the size limit"
            } else {
                "a message cut short"
            },
        ));
    }
    serde_json::from_slice(&line)
        .map(Some)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}
