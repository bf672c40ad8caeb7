//! The owner's requests that talk to Supabase outside the engine's pushes: validating a
//! token before it is stored, finding a project to add as a target, listing what each
//! token can see, removing targets (waiting for keyward's variables to go). Rotations
//! are in `rotations`, the keys of a target in `legacy` and `keys_view`.

use std::collections::BTreeSet;
use std::time::Duration;

use super::Owner;
use crate::ops::{Candidate, Connected, Reply, Sensitive};
use crate::supabase::{Client, ClientConfig};
use crate::vault::Vault;

/// How long a target removal waits for keyward's variables to be deleted there.
const REMOVE_WAIT: Duration = Duration::from_secs(120);

/// How a connection is made, beside its name, URL and token.
pub(crate) struct ConnectHow {
    pub project_ref: Option<String>,
    pub project_url: Option<String>,
    pub insecure_http: bool,
}

/// A project URL template must name the project (`{ref}`) and be a usable URL.
fn check_project_url(t: &str) -> Result<(), String> {
    if !t.contains("{ref}") {
        return Err(format!(
            "--project-url {t} has no {{ref}} placeholder: write e.g. 'https://{{ref}}.example.com'"
        ));
    }
    let probe = t.replace("{ref}", "abcdefghijklmnopqrst");
    let ok = reqwest::Url::parse(&probe).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some_and(|h| !h.is_empty())
            && u.username().is_empty()
            && u.password().is_none()
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--project-url {t} is not an http:// or https:// URL without credentials: write e.g. 'https://{{ref}}.example.com'"
        ))
    }
}

impl Owner {
    /// A client for an instance URL with `token`, with the engine's timeouts and
    /// project URL template.
    fn client_for(&self, url: &str, token: &str) -> Result<Client, String> {
        let mut c = ClientConfig {
            instance_url: url.to_string(),
            request_timeout: self.config.request_timeout,
            connect_timeout: self.config.connect_timeout,
            ..ClientConfig::default()
        };
        if let Some(t) = &self.config.project_url_template {
            c.project_url_template = t.clone();
        }
        Client::new(&c, secrecy::SecretString::from(token.to_string())).map_err(|e| e.to_string())
    }

    /// Checks a token with the API; nothing is stored when it is refused.
    async fn validate(
        &self,
        url: &str,
        project_ref: Option<&str>,
        token: &str,
    ) -> Result<(usize, Option<String>), String> {
        let client = self.client_for(url, token)?;
        let v = client
            .validate_token(project_ref)
            .await
            .map_err(|e| format!("token refused, nothing stored: {e}"))?;
        Ok((v.projects().len(), v.format_warning.clone()))
    }

    pub(crate) async fn connect(
        &self,
        via: Option<String>,
        name: String,
        url: String,
        how: ConnectHow,
        token: Sensitive,
    ) -> Result<Reply, String> {
        let ConnectHow {
            project_ref,
            project_url,
            insecure_http,
        } = how;
        // Before the token is read or sent anywhere: a plain-HTTP URL to another
        // machine would carry it (and, for the project URL, API keys) in clear.
        if !insecure_http {
            let urls = std::iter::once(("--url", url.as_str()))
                .chain(project_url.as_deref().map(|p| ("--project-url", p)));
            for (flag, u) in urls {
                let probe = u.replace("{ref}", "ref");
                if let Some(host) = crate::supabase::cleartext_remote_host(&probe) {
                    return Err(format!(
                        "{flag} {u} is plain http:// to {host}: the access token would cross the network in clear; use https://, or pass --insecure-http if this network is trusted"
                    ));
                }
            }
        }
        if let Some(p) = &project_url {
            check_project_url(p)?;
        }
        let token = token.expose().trim().to_string();
        if token.is_empty() {
            return Err("no token on stdin: pipe the Personal Access Token in, e.g. `keyward connect NAME < token.txt`".into());
        }
        let (seen, warning) = self.validate(&url, project_ref.as_deref(), &token).await?;
        let token = zeroize::Zeroizing::new(token);
        let connection = self
            .write(via, move |tx| {
                tx.add_connection_with(
                    &name,
                    &url,
                    project_ref.as_deref(),
                    project_url.as_deref(),
                    &token,
                )
            })
            .await?;
        Ok(Reply::Connected(Connected {
            connection,
            projects_seen: seen,
            warning,
        }))
    }

    pub(crate) async fn reconnect(
        &self,
        via: Option<String>,
        name: String,
        token: Sensitive,
    ) -> Result<Reply, String> {
        let n = name.clone();
        let conn = self.read(move |r| r.connection(&n)).await?;
        let token = token.expose().trim().to_string();
        if token.is_empty() {
            return Err("no token on stdin: pipe the Personal Access Token in, e.g. `keyward reconnect NAME < token.txt`".into());
        }
        let (seen, warning) = self
            .validate(&conn.url, conn.project_ref.as_deref(), &token)
            .await?;
        let token = zeroize::Zeroizing::new(token);
        let connection = self
            .write(via, move |tx| tx.reconnect(&name, &token))
            .await?;
        // Its targets are healthy again: work what waited for them.
        if let Some(h) = self.engine() {
            h.kick();
        }
        Ok(Reply::Connected(Connected {
            connection,
            projects_seen: seen,
            warning,
        }))
    }

    pub(crate) async fn add_target(
        &self,
        via: Option<String>,
        project_ref: String,
        connection: Option<String>,
        branches: Option<crate::vault::BranchWatch>,
    ) -> Result<Reply, String> {
        let conns = self.read(|r| r.connections()).await?;
        let conn = match connection {
            Some(n) => self.read(move |r| r.connection(&n)).await?,
            None if conns.len() == 1 => conns[0].clone(),
            None if conns.is_empty() => {
                return Err("no connection yet: `keyward connect NAME` first".into());
            }
            None => {
                let names: Vec<&str> = conns.iter().map(|c| c.name.as_str()).collect();
                return Err(format!(
                    "there are several connections ({}): pick one with --connection NAME",
                    names.join(", ")
                ));
            }
        };
        let client = self.clients.client(&conn)?;
        let project = if conn.project_ref.is_some() {
            client.get_project(&project_ref).await.map(Some)
        } else {
            client
                .list_projects()
                .await
                .map(|all| all.into_iter().find(|p| p.project_ref == project_ref))
        };
        let project = match project {
            Ok(Some(p)) => p,
            Ok(None) | Err(crate::supabase::Error::NotFound { .. }) => {
                return Err(format!(
                    "the connection {} cannot see a project {project_ref}: check the ref (Project Settings > General) or the token's access",
                    conn.name
                ));
            }
            Err(e) => return Err(e.to_string()),
        };
        let follow = branches.is_some();
        let t = self
            .write(via, move |tx| {
                let t = tx.add_target(
                    &project.project_ref,
                    &project.name,
                    &project.organization_slug,
                    &conn.name,
                )?;
                match branches {
                    Some(w) => tx.watch_branches(&t.project_ref, Some(w)),
                    None => Ok(t),
                }
            })
            .await?;
        if follow {
            // Its branches are listed and seeded now; a failure here leaves the target
            // added and following, for the watcher's next listing.
            if let Err(e) = self.follow_branches(t.project_ref.clone(), None).await {
                return Err(format!(
                    "added the target {} following its branches, but {e}",
                    t.project_ref
                ));
            }
        }
        Ok(Reply::Target(t))
    }

    pub(crate) async fn remove_target(
        &self,
        via: Option<String>,
        project_ref: String,
    ) -> Result<Reply, String> {
        let r = project_ref.clone();
        let names = self.write(via, move |tx| tx.remove_target(&r)).await?;
        self.wait_removed(std::slice::from_ref(&project_ref))
            .await?;
        Ok(Reply::Removed(names.len()))
    }

    pub(crate) async fn disconnect(
        &self,
        via: Option<String>,
        name: String,
        remove_targets: bool,
    ) -> Result<Reply, String> {
        let n = name.clone();
        let refs: Vec<String> = self
            .read(move |r| {
                r.connection(&n)?;
                Ok(r.targets()?
                    .into_iter()
                    .filter(|t| t.connection == n)
                    .map(|t| t.project_ref)
                    .collect())
            })
            .await?;
        if !refs.is_empty() {
            if !remove_targets {
                return Err(format!(
                    "the connection {name} still has target(s) {}: remove them with `keyward target rm REF`, or `keyward disconnect {name} --remove-targets`",
                    refs.join(", "),
                ));
            }
            for r in &refs {
                let r = r.clone();
                self.write(via.clone(), move |tx| tx.remove_target(&r).map(|_| ()))
                    .await?;
            }
            self.wait_removed(&refs).await?;
        }
        self.write(via, move |tx| tx.disconnect(&name)).await?;
        Ok(Reply::Done)
    }

    /// Runs the engine until the removed targets' deletes are done (or failed).
    async fn wait_removed(&self, refs: &[String]) -> Result<(), String> {
        let gone = |v: &Vault| {
            v.read()
                .and_then(|r| r.targets())
                .map(|ts| {
                    ts.iter().all(|t| {
                        !refs.contains(&t.project_ref)
                            || (t.health.consecutive_failures > 0 && super::settled(v))
                    })
                })
                .unwrap_or(true)
        };
        let lease = self.lease(None);
        lease.handle.kick();
        let done = super::wait::until(&lease.handle, &self.vault, Some(REMOVE_WAIT), gone).await;
        lease.done().await;
        let refs = refs.to_vec();
        let left: Vec<String> = self
            .read(move |r| {
                Ok(r.targets()?
                    .into_iter()
                    .filter(|t| refs.contains(&t.project_ref))
                    .map(|t| {
                        format!(
                            "{} ({})",
                            t.project_ref,
                            t.health.last_error.unwrap_or_else(|| "not done yet".into())
                        )
                    })
                    .collect())
            })
            .await?;
        if !done || !left.is_empty() {
            return Err(format!(
                "keyward's variables could not all be deleted from {}: they stay queued; fix the cause and run `keyward sync --wait`",
                left.join(", ")
            ));
        }
        Ok(())
    }

    /// Every project each connection's token can see, marked when already a target.
    pub(crate) async fn remote_projects(&self) -> Result<Reply, String> {
        let (conns, targets) = self.read(|r| Ok((r.connections()?, r.targets()?))).await?;
        let mut candidates = Vec::new();
        let mut errors = Vec::new();
        for c in conns {
            let client = match self.clients.client(&c) {
                Ok(cl) => cl,
                Err(e) => {
                    errors.push(format!("{}: {e}", c.name));
                    continue;
                }
            };
            match client.list_projects().await {
                Ok(ps) => candidates.extend(ps.into_iter().map(|p| Candidate {
                    added: targets.iter().any(|t| t.project_ref == p.project_ref),
                    connection: c.name.clone(),
                    project_ref: p.project_ref,
                    name: p.name,
                    organization: p.organization_slug,
                })),
                Err(e) => errors.push(format!("{}: {e}", c.name)),
            }
        }
        Ok(Reply::RemoteProjects { candidates, errors })
    }

    /// The names a target holds on Supabase now (one listing, within the rate budget).
    pub(crate) async fn remote_names(&self, target: String) -> Result<BTreeSet<String>, String> {
        let t = target.clone();
        let (target, conn) = self
            .read(move |r| {
                let target = r.target(&t)?;
                let conn = r.connection(&target.connection)?;
                Ok((target, conn))
            })
            .await?;
        let client = self.clients.client(&conn)?;
        let r = target.project_ref.clone();
        let list = client.list_secrets(&r).await.map_err(|e| e.to_string())?;
        Ok(list.into_iter().map(|s| s.name).collect())
    }
}
