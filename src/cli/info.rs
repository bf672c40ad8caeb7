//! `keyward info [--json]`: where the vault is, who owns it, and how it is sealed (the
//! passphrase's scrypt cost and memory, recipients). Needs no passphrase: through the
//! owner when one runs, else from the file's clear header.

use super::common::{print_json, vault_path};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Query, Reply, Request};
use crate::vault::{Clock, KeyInfo, SealedVault, VaultError};

#[derive(clap::Args, Debug)]
pub struct InfoArgs {
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long)]
    pub json: bool,
}

pub fn info(g: &GlobalArgs, a: InfoArgs) -> CmdResult {
    let path = vault_path(g)?;
    if !crate::vault::present(&path)? {
        return Err(VaultError::NoVault(path).into());
    }
    let rt = super::runtime()?;
    let label = crate::vault::command_label();
    let attached = if g.no_attach {
        None
    } else {
        rt.block_on(crate::front::attach(&path, &label))?
    };
    let (info, owner): (KeyInfo, Option<crate::ops::OwnerInfo>) = match attached {
        Some(at) => match rt.block_on(at.call(Request::Query(Query::VaultInfo)))? {
            Reply::VaultInfo(i) => (i, Some(at.owner().clone())),
            other => return Err(super::common::unexpected(&other)),
        },
        None => (SealedVault::open(&path, Clock::system())?.key_info()?, None),
    };
    if a.json {
        return print_json(&serde_json::json!({
            "vault": path,
            "file_bytes": info.file_bytes,
            "owner": owner.as_ref().map(|o| serde_json::json!({
                "pid": o.pid, "command": o.command, "sealed": o.sealed,
            })),
            "kdf": { "algorithm": "scrypt", "work_factor": info.kdf_work_factor, "memory_mib": info.kdf_memory_mib },
            "recipients": info.recipients,
            "checksums": info.checksums,
        }));
    }
    println!(
        "vault       {} ({:.1} MiB)",
        path.display(),
        info.file_bytes as f64 / (1024.0 * 1024.0)
    );
    match &owner {
        Some(o) => println!(
            "owner       {}, pid {}{}",
            o.command,
            o.pid,
            if o.sealed { " (sealed)" } else { "" }
        ),
        None => println!("owner       none (each command opens the vault itself)"),
    }
    match (info.kdf_work_factor, info.kdf_memory_mib) {
        (Some(n), Some(mib)) => println!(
            "passphrase  scrypt, work factor {n}: {mib} MiB per unseal{} (change with `keyward passphrase change --kdf-work-factor N`)",
            if n < crate::vault::MIN_WORK_FACTOR {
                ", INSECURE: made for tests"
            } else {
                ""
            }
        ),
        _ => println!("passphrase  scrypt, work factor unreadable"),
    }
    match info.recipients {
        0 => {
            println!("recipients  none (`init --recipient` adds X25519 recipients for --identity)")
        }
        n => println!("recipients  {n} X25519 recipient(s), for --identity unseal"),
    }
    Ok(())
}
