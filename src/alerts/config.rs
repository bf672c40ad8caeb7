//! The `[[alert]]` entries of the config file (`$XDG_CONFIG_HOME/keyward/config.toml`,
//! or the file `KEYWARD_CONFIG` names): what to listen to and whom to call. Read when an
//! owner starts; a broken file stops `keyward daemon`/`serve` at start with one line
//! (an operator must not believe alerts are armed when they are not).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::Kind;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
const DEFAULT_RETRIES: u32 = 3;
const DEFAULT_BACKOFF: Duration = Duration::from_secs(2);
const MAX_RETRIES: u32 = 10;

/// How an alert is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// A program and its arguments (no shell): the event JSON on its stdin.
    Run(Vec<String>),
    /// An https URL (http only to loopback): the event JSON POSTed, signed.
    Url(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSpec {
    pub name: String,
    pub on: BTreeSet<Kind>,
    pub how: How,
    /// Per attempt: a hook still running is killed, a request abandoned.
    pub timeout: Duration,
    /// At most one alert per (kind, target) within this time.
    pub interval: Duration,
    /// Attempts after the first, waiting `backoff`, then twice that, and so on.
    pub retries: u32,
    pub backoff: Duration,
}

impl AlertSpec {
    /// `run: prog` or `url: host`, for listings (arguments and the URL's path left out:
    /// a webhook URL's path is often its credential).
    pub fn target_text(&self) -> String {
        match &self.how {
            How::Run(argv) => format!("run: {}", argv[0]),
            How::Url(u) => format!("url: {}", super::webhook::host(u)),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub alerts: Vec<AlertSpec>,
    /// The file read, if there was one.
    pub file: Option<PathBuf>,
    /// Why the file was not used (a dashboard starts without alerts and says so here;
    /// `alert list | test` report it).
    pub problem: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    alert: Vec<Raw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    on: Vec<String>,
    run: Option<Vec<String>>,
    url: Option<String>,
    timeout: Option<String>,
    interval: Option<String>,
    retries: Option<u32>,
    backoff: Option<String>,
}

pub use crate::engine::config::config_file as path;

impl Config {
    /// Reads the config file; none there is no alerts. The error is one line naming
    /// the file and what to fix.
    pub fn load() -> Result<Config, String> {
        Config::load_from(path())
    }

    /// Reads the config file at `p`; None is no alerts.
    pub fn load_from(p: Option<PathBuf>) -> Result<Config, String> {
        let Some(p) = p else {
            return Ok(Config::default());
        };
        let text = match std::fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", p.display())),
        };
        let mut c = Config::parse(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        if c.alerts.iter().any(|a| matches!(a.how, How::Run(_))) {
            check_private(&p)?;
        }
        c.file = Some(p);
        Ok(c)
    }

    /// Reads it where a broken file must not stop anything (a dashboard, a command):
    /// the error is logged and no alert is armed.
    pub fn load_or_none(p: Option<PathBuf>) -> Config {
        Config::load_from(p).unwrap_or_else(|e| {
            tracing::warn!("alerts are off: {e}");
            Config {
                problem: Some(e),
                ..Config::default()
            }
        })
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let f: File = basic_toml::from_str(text).map_err(|e| {
            format!("{e}; see docs/user-guide.md \"Alerts\" for the format of [[alert]]")
        })?;
        let mut alerts: Vec<AlertSpec> = Vec::new();
        for (i, r) in f.alert.into_iter().enumerate() {
            let at = format!("alert {} ({:?})", i + 1, r.name);
            let spec = spec(r).map_err(|e| format!("{at}: {e}"))?;
            if alerts.iter().any(|a| a.name == spec.name) {
                return Err(format!(
                    "{at}: the name is used twice: give each alert its own"
                ));
            }
            alerts.push(spec);
        }
        Ok(Config {
            alerts,
            file: None,
            problem: None,
        })
    }

    /// The alerts listening to `kind`.
    pub fn listening(&self, kind: Kind) -> impl Iterator<Item = &AlertSpec> {
        self.alerts.iter().filter(move |a| a.on.contains(&kind))
    }
}

/// The file names programs the owner runs as its user: like ssh's config, it must be
/// the user's own and writable by nobody else.
fn check_private(p: &std::path::Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::metadata(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    let me = rustix::process::getuid().as_raw();
    if md.uid() != me {
        return Err(format!(
            "{} belongs to uid {}, not to you (uid {me}): its [[alert]] entries run programs as you; make it your own",
            p.display(),
            md.uid()
        ));
    }
    if md.mode() & 0o022 != 0 {
        return Err(format!(
            "{} is writable by other users (mode {:o}): its [[alert]] entries run programs as you; `chmod go-w {}`",
            p.display(),
            md.mode() & 0o777,
            p.display()
        ));
    }
    Ok(())
}

fn duration(what: &str, v: Option<String>, default: Duration) -> Result<Duration, String> {
    match v {
        None => Ok(default),
        Some(s) => crate::vault::parse_duration(&s)
            .map(|ms| Duration::from_millis(ms as u64))
            .ok_or_else(|| {
                format!("{what} = {s:?}: write a number and a unit, e.g. \"30s\", \"15m\", \"1h\"")
            }),
    }
}

fn spec(r: Raw) -> Result<AlertSpec, String> {
    crate::vault::check_alert_name(&r.name).map_err(|e| e.to_string())?;
    if r.on.is_empty() {
        return Err(format!(
            "`on` is empty: list kinds from {}, or \"all\"",
            Kind::names()
        ));
    }
    let mut on = BTreeSet::new();
    for k in &r.on {
        if k == "all" {
            on.extend(Kind::ALL);
        } else {
            on.insert(k.parse::<Kind>()?);
        }
    }
    let how = match (r.run, r.url) {
        (Some(argv), None) => {
            if argv.first().is_none_or(|p| p.trim().is_empty()) {
                return Err("`run` is empty: give the program and its arguments, e.g. run = [\"/usr/local/bin/page\", \"--team\", \"ops\"]".into());
            }
            How::Run(argv)
        }
        (None, Some(url)) => {
            check_url(&url)?;
            How::Url(url)
        }
        (Some(_), Some(_)) => {
            return Err("both `run` and `url`: give one (two alerts for both)".into());
        }
        (None, None) => return Err("neither `run` nor `url`: say what to call".into()),
    };
    let retries = r.retries.unwrap_or(DEFAULT_RETRIES);
    if retries > MAX_RETRIES {
        return Err(format!("retries = {retries}: at most {MAX_RETRIES}"));
    }
    Ok(AlertSpec {
        name: r.name,
        on,
        how,
        timeout: duration("timeout", r.timeout, DEFAULT_TIMEOUT)?,
        interval: duration("interval", r.interval, DEFAULT_INTERVAL)?,
        retries,
        backoff: duration("backoff", r.backoff, DEFAULT_BACKOFF)?,
    })
}

/// https anywhere; plain http only to this machine (the event would cross the network
/// in clear, and anyone on the way could replay it).
pub fn check_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") && url.len() > "https://".len() {
        return Ok(());
    }
    if lower.starts_with("http://") && crate::supabase::is_loopback_url(url) {
        return Ok(());
    }
    Err(format!(
        "url to {}: use https:// (plain http:// only to 127.0.0.1, [::1] or localhost)",
        super::webhook::host(url)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_parse_with_defaults_and_bad_ones_say_what_to_fix() {
        let c = Config::parse(
            r#"
[[alert]]
name = "pager"
on = ["push_failed", "target_unhealthy"]
run = ["/bin/page", "--team", "ops"]
interval = "1h"

[[alert]]
name = "chat"
on = ["all"]
url = "https://hooks.example.com/kw"
"#,
        )
        .unwrap();
        assert_eq!(c.alerts.len(), 2);
        assert_eq!(c.alerts[0].interval, Duration::from_secs(3600));
        assert_eq!(c.alerts[0].timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.alerts[1].on.len(), Kind::ALL.len());
        for (text, needle) in [
            (
                "[[alert]]\nname = \"a\"\non = [\"pushfailed\"]\nrun = [\"x\"]",
                "not an alert kind",
            ),
            (
                "[[alert]]\nname = \"a\"\non = [\"push_failed\"]",
                "neither `run` nor `url`",
            ),
            (
                "[[alert]]\nname = \"a\"\non = [\"push_failed\"]\nurl = \"http://example.com\"",
                "use https://",
            ),
            (
                "[[alert]]\nname = \"a\"\non = [\"push_failed\"]\nrun = [\"x\"]\ninterval = \"soon\"",
                "interval = \"soon\"",
            ),
            ("[[alerts]]\nname = \"a\"", "unknown field"),
            (
                "[[alert]]\nname = \"a b\"\non = [\"all\"]\nrun = [\"x\"]",
                "not a usable alert name",
            ),
        ] {
            let e = Config::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text}: {e}");
        }
        assert!(check_url("http://127.0.0.1:9/hook").is_ok());
    }
}
