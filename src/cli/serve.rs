//! `keyward serve`: the local HTTP API (src/serve/) on loopback or a Unix socket.

use std::path::PathBuf;
use std::sync::Arc;

use super::common::open;
use super::{CmdResult, GlobalArgs};
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
    let vault = Arc::new(open(g)?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let server = serve::bind(&opts).await?;
        // The same engine settings as `sync` and `daemon` (KEYWARD_PROJECT_URL_TEMPLATE...).
        let (engine, task) =
            crate::engine::start_with(vault.clone(), crate::engine::EngineConfig::from_env());
        // The first stdout line is the address, for scripts (and port 0).
        println!("{}", server.address());
        eprintln!("serving the local API; stop with Ctrl-C (see docs/api.md)");
        server
            .run(
                vault,
                engine.clone(),
                super::emulator::wait_for_stop_signal(),
            )
            .await?;
        engine.shutdown();
        let _ = task.await;
        CmdResult::Ok(())
    })
}
