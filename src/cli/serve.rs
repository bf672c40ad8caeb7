//! `keyward serve`: the local HTTP API (src/serve/) on loopback or a Unix socket.

use std::path::PathBuf;

use super::{CmdResult, GlobalArgs};
use crate::owner::log::Format;
use crate::serve::{self, Listen, Options};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address and port to listen on (loopback unless --allow-remote)
    #[arg(long, value_name = "ADDR:PORT", default_value = serve::DEFAULT_LISTEN, conflicts_with = "socket")]
    pub listen: String,
    /// Listen on a Unix socket (created with mode 0600) instead of TCP
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Allow an address other machines can reach (the API then travels unencrypted)
    #[arg(long)]
    pub allow_remote: bool,
    /// How event lines look on stderr (journald keeps them)
    #[arg(long, value_name = "text|json", default_value = "text")]
    pub log_format: String,
}

pub fn run(g: &GlobalArgs, a: ServeArgs) -> CmdResult {
    let listen = match a.socket {
        Some(p) => Listen::Unix(p),
        None => Listen::Tcp(a.listen.parse().map_err(|_| {
            format!(
                "--listen {:?} is not an address and port: write e.g. 127.0.0.1:7777 or [::1]:7777",
                a.listen
            )
        })?),
    };
    if let Listen::Tcp(addr) = &listen
        && a.allow_remote
        && !serve::is_loopback(addr)
    {
        eprintln!(
            "warning: listening on {addr}, reachable from other machines over plain HTTP: anyone who sees a request sees its key and values; prefer loopback behind an SSH tunnel or TLS proxy"
        );
    }
    let opts = Options {
        listen,
        allow_remote: a.allow_remote,
        ..Options::default()
    };
    let format: Format = a.log_format.parse()?;
    let rt = super::runtime()?;
    // `serve` owns the vault like the daemon (engine, retries, rotations, the attach
    // socket) and adds the HTTP API.
    let host = super::daemon::own(g, &rt, false, "serve", None)?;
    let (vault, engine, clients) = match host.owner() {
        Some(o) => (
            o.vault().clone(),
            o.engine().cloned().ok_or("the owner has no engine")?,
            o.clients().clone(),
        ),
        None => return Err("the vault is sealed".into()),
    };
    rt.block_on(async move {
        let server = serve::bind(&opts).await?.with_clients(clients);
        // The first stdout line is the address, for scripts (and port 0).
        println!("{}", server.address());
        eprintln!("serving the local API; stop with Ctrl-C (see docs/api.md)");
        let (stop_api, api_stopped) = tokio::sync::oneshot::channel::<()>();
        let api = tokio::spawn(server.run(vault, engine, async move {
            let _ = api_stopped.await;
        }));
        let stopped = async move {
            super::emulator::wait_for_stop_signal().await;
            let _ = stop_api.send(());
            let _ = api.await;
        };
        super::daemon::serve_owner(host, format, "serve", stopped).await
    })
}
