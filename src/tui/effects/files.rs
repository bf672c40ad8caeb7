//! Files and the clipboard: a `.env` file read for an import's dry run, a project
//! exported into a new file only this user can read, a value copied with OSC 52. File
//! reads and writes run off the UI task.

use ratatui::backend::Backend;

use super::{Done, unexpected};
use crate::ops::{Outcome as Done_, Query, Reply, Request, Sensitive};
use crate::tui::runner::Tui;

impl<B: Backend> Tui<B> {
    /// Reads the file (off the UI task), then asks for a dry run of importing it.
    pub(super) fn import_preview(&mut self, form: Option<u64>, project: String, path: String) {
        let Some(front) = self.front.clone() else {
            return;
        };
        self.tasks.push(Box::pin(async move {
            let p = path.clone();
            let read = tokio::task::spawn_blocking(move || std::fs::read_to_string(&p))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| format!("cannot read {path}: {e}")));
            let text = match read {
                Ok(t) => Sensitive::from(zeroize::Zeroizing::new(t)),
                Err(e) => return Done::Previewed(form, project, Err(e)),
            };
            let req = Request::Apply {
                changes: vec![crate::ops::Change::Import {
                    project: project.clone(),
                    text: text.clone(),
                    dry_run: true,
                }],
                push: false,
            };
            let r = front.call(req).await.and_then(|r| match r {
                Reply::Applied(a) => match a.outcomes.into_iter().next() {
                    Some(Done_::Imported(plan)) => Ok((text, plan)),
                    _ => Ok((text, Vec::new())),
                },
                other => Err(unexpected(&other)),
            });
            Done::Previewed(form, project, r)
        }));
    }

    /// Asks the owner for the project's `.env` lines (audited), then writes a new file
    /// only this user can read; an existing file is never overwritten.
    pub(super) fn export(&mut self, form: Option<u64>, project: String, path: String) {
        let Some(front) = self.front.clone() else {
            return;
        };
        self.app.busy += 1;
        self.tasks.push(Box::pin(async move {
            let q = Request::Query(Query::Export {
                project: project.clone(),
            });
            let r = front.call(q).await.and_then(|r| match r {
                Reply::Exported { lines, skipped } => Ok((lines, skipped)),
                other => Err(unexpected(&other)),
            });
            let r = match r {
                Ok((lines, skipped)) => tokio::task::spawn_blocking(move || {
                    write_env(&path, &lines).map(|()| {
                        let mut m = format!(
                            "exported {} variable(s) of {project} to {path}",
                            lines.len()
                        );
                        if !skipped.is_empty() {
                            m.push_str(&format!(
                                "; left out (no usable variable name): {}",
                                skipped.join(", ")
                            ));
                        }
                        (m, Vec::new())
                    })
                })
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r),
                Err(e) => Err(e),
            };
            Done::Wrote(form, r)
        }));
    }

    /// A value to the terminal's clipboard (OSC 52: works over SSH where the terminal
    /// allows it). Never logged; the footer says it happened, not what.
    pub(super) fn copy(&mut self, value: &Sensitive) {
        if self.clipboard {
            use base64::Engine as _;
            use std::io::Write;
            // The value's base64 is the value: zeroized like it.
            let encoded = zeroize::Zeroizing::new(
                base64::engine::general_purpose::STANDARD.encode(value.expose().as_bytes()),
            );
            let seq = zeroize::Zeroizing::new(format!("\x1b]52;c;{}\x07", encoded.as_str()));
            let mut out = std::io::stdout();
            let _ = out.write_all(seq.as_bytes());
            let _ = out.flush();
        }
        self.app.say(
            "copied the value to the clipboard (OSC 52: your terminal must allow it; under tmux, set-clipboard on)",
        );
    }
}

/// Writes `.env` lines into a new file readable by this user only.
fn write_env(path: &str, lines: &[Sensitive]) -> Result<(), String> {
    use std::io::Write;
    let mut f =
        crate::private::create_new(std::path::Path::new(path)).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                format!("{path} exists already: give another file name (it is never overwritten)")
            }
            _ => format!("cannot create {path}: {e}"),
        })?;
    for l in lines {
        writeln!(f, "{}", l.expose()).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    Ok(())
}
