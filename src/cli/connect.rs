//! `keyward connect | connections | reconnect | disconnect`.

use super::common::{print_json, read_value, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Query, Reply, Request, Sensitive};
use crate::supabase::client::DEFAULT_INSTANCE_URL;
use crate::vault::rfc3339;

#[derive(clap::Args, Debug)]
pub struct ConnectArgs {
    /// A name for this connection (e.g. the account or org)
    pub name: String,
    /// The Management API's URL (self-hosted or proxied)
    #[arg(long, default_value = DEFAULT_INSTANCE_URL)]
    pub url: String,
    /// Where each project's own API answers, for key checks (self-hosted or proxied);
    /// `{ref}` stands for the project ref [default: https://{ref}.supabase.co]
    #[arg(long, value_name = "URL")]
    pub project_url: Option<String>,
    /// For a token scoped to projects: a project it can read, to validate against
    #[arg(long, value_name = "REF")]
    pub project_ref: Option<String>,
    /// Allow a plain http:// URL to another machine: the token then crosses the network
    /// in clear
    #[arg(long)]
    pub insecure_http: bool,
}

#[derive(clap::Args, Debug)]
pub struct ConnectionsArgs {
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ProjectsArgs {
    /// Only the projects this connection can see
    #[arg(long, value_name = "NAME")]
    pub connection: Option<String>,
    /// Print the result as one JSON document (see docs/json.md)
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ReconnectArgs {
    pub name: String,
}

#[derive(clap::Args, Debug)]
pub struct DisconnectArgs {
    pub name: String,
    /// Remove its targets first (deleting every variable keyward put there)
    #[arg(long)]
    pub remove_targets: bool,
}

const REVOKE_HINT: &str =
    "revoke it on Supabase too: https://supabase.com/dashboard/account/tokens";

/// The token from stdin (validated by the owner before anything is stored).
fn token() -> CmdResult<Sensitive> {
    let token = read_value(None, "the access token")?;
    Ok(Sensitive::new(token.trim()))
}

fn connected(reply: Reply) -> CmdResult<crate::ops::Connected> {
    match reply {
        Reply::Connected(c) => {
            if let Some(w) = &c.warning {
                eprintln!("warning: {w}");
            }
            Ok(c)
        }
        other => Err(unexpected(&other)),
    }
}

pub fn connect(g: &GlobalArgs, a: ConnectArgs) -> CmdResult {
    let s = session(g)?;
    if a.insecure_http {
        eprintln!(
            "warning: --insecure-http: the access token may cross the network in clear; prefer https://"
        );
    }
    let c = connected(s.call(Request::Connect {
        name: a.name,
        url: a.url,
        project_ref: a.project_ref,
        project_url: a.project_url,
        insecure_http: a.insecure_http,
        token: token()?,
    })?)?;
    let projects = match &c.connection.project_url {
        Some(p) => format!("; projects at {p}"),
        None => String::new(),
    };
    println!(
        "connected {} ({} project(s) visible: `keyward projects` lists them; token …{}{projects})",
        c.connection.name, c.projects_seen, c.connection.fingerprint
    );
    Ok(())
}

pub fn reconnect(g: &GlobalArgs, a: ReconnectArgs) -> CmdResult {
    let s = session(g)?;
    let c = connected(s.call(Request::Reconnect {
        name: a.name,
        token: token()?,
    })?)?;
    println!(
        "reconnected {} (token …{}); its targets are healthy again: run `keyward sync` to push what is pending",
        c.connection.name, c.connection.fingerprint
    );
    Ok(())
}

pub fn connections(g: &GlobalArgs, a: ConnectionsArgs) -> CmdResult {
    let s = session(g)?;
    let (conns, targets) = match s.query(Query::Connections)? {
        Reply::Connections {
            connections,
            targets,
        } => (connections, targets),
        other => return Err(unexpected(&other)),
    };
    if a.json {
        let rows: Vec<_> = conns
            .iter()
            .map(|c| {
                let refs: Vec<&str> = targets
                    .iter()
                    .filter(|t| t.connection == c.name)
                    .map(|t| t.project_ref.as_str())
                    .collect();
                serde_json::json!({
                    "name": c.name, "url": c.url, "project_ref": c.project_ref,
                    "project_url": c.project_url,
                    "fingerprint": c.fingerprint, "created": rfc3339(c.created), "targets": refs,
                })
            })
            .collect();
        return print_json(&rows);
    }
    super::common::hint_if_empty(
        conns.len(),
        "no connections yet: add one with `keyward connect NAME` (a Supabase access token on stdin)",
    );
    for c in conns {
        let n = targets.iter().filter(|t| t.connection == c.name).count();
        let projects = c
            .project_url
            .as_deref()
            .map(|p| format!("\tprojects at {p}"))
            .unwrap_or_default();
        println!(
            "{}\t{}\ttoken …{}\t{n} target(s){projects}",
            c.name, c.url, c.fingerprint
        );
    }
    Ok(())
}

/// `keyward projects`: what each connection's token can see, and which are targets
/// already, so `target add REF` has its ref.
pub fn projects(g: &GlobalArgs, a: ProjectsArgs) -> CmdResult {
    let s = session(g)?;
    if let Some(c) = &a.connection {
        let known = match s.query(Query::Connections)? {
            Reply::Connections { connections, .. } => connections.iter().any(|x| &x.name == c),
            other => return Err(unexpected(&other)),
        };
        if !known {
            return Err(format!(
                "no connection {c:?}: see `keyward connections`, or add one with `keyward connect {c}`"
            )
            .into());
        }
    }
    let (candidates, errors) = match s.call(Request::RemoteProjects)? {
        Reply::RemoteProjects { candidates, errors } => (candidates, errors),
        other => return Err(unexpected(&other)),
    };
    let wanted = |conn: &str| a.connection.as_deref().is_none_or(|c| c == conn);
    let rows: Vec<_> = candidates
        .iter()
        .filter(|c| wanted(&c.connection))
        .collect();
    let errors: Vec<_> = errors
        .iter()
        .filter(|e| wanted(e.split(':').next().unwrap_or_default()))
        .collect();
    for e in &errors {
        eprintln!("warning: cannot list the projects of {e}");
    }
    if a.json {
        let rows: Vec<_> = rows
            .iter()
            .map(|c| {
                serde_json::json!({
                    "ref": c.project_ref, "name": c.name, "organization": c.organization,
                    "connection": c.connection, "target": c.added,
                })
            })
            .collect();
        return print_json(&rows);
    }
    if rows.is_empty() && errors.is_empty() {
        let connections = match s.query(Query::Connections)? {
            Reply::Connections { connections, .. } => connections.len(),
            other => return Err(unexpected(&other)),
        };
        super::common::hint_if_empty(
            0,
            &if connections == 0 {
                "no projects visible: connect an account with `keyward connect NAME` (a token on stdin)".to_string()
            } else {
                format!(
                    "no projects visible: {} connection(s) answered with none (a token sees only its organizations' projects, a scoped one only its project)",
                    if a.connection.is_some() {
                        1
                    } else {
                        connections
                    }
                )
            },
        );
    }
    for c in rows {
        let t = if c.added { "target" } else { "-" };
        println!(
            "{}\t{}\t{}\tvia {}\t{t}",
            c.project_ref, c.name, c.organization, c.connection
        );
    }
    Ok(())
}

pub fn disconnect(g: &GlobalArgs, a: DisconnectArgs) -> CmdResult {
    let s = session(g)?;
    s.call(Request::Disconnect {
        name: a.name.clone(),
        remove_targets: a.remove_targets,
    })?;
    println!(
        "disconnected {}: the token was deleted from the vault; {REVOKE_HINT}",
        a.name
    );
    Ok(())
}
