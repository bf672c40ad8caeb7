//! Refusals in dashboard words. The owner answers every front end in the command line's
//! words ("give a value on stdin or with --value-file", "see `keyward target list`");
//! on screen the same sentence names the screen and key that do it instead. Only the
//! advice changes: what was refused and why stay word for word.

/// `e` with its command-line advice said the dashboard's way.
pub fn dashboard(e: &str) -> String {
    let mut s = e.to_string();
    for (cli, tui) in PHRASES {
        s = s.replace(cli, tui);
    }
    commands(&s)
}

/// Whole phrases first: they read better rewritten as a piece than command by command.
const PHRASES: &[(&str, &str)] = &[
    (
        "give a value on stdin or with --value-file (to delete a secret use `keyward secret rm`)",
        "type a value (to delete the secret, d in the secrets pane moves it to the trash)",
    ),
    ("give KEY=VALUE lines on stdin", "add a field with ctrl-n"),
    (
        "map with --adopt to take it over",
        "adopt it to take it over (a in the sync review)",
    ),
    ("give --every-days 1 or more", "type 1 or more"),
    ("drop --field", "it has no fields"),
    ("give --field KEY", "set it per field"),
];

/// Each `keyward ...` in backquotes, as the screen and key that do the same.
fn commands(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("`keyward") {
        let Some(len) = rest[start + 1..].find('`') else {
            break;
        };
        let cmd = &rest[start + 1..start + 1 + len];
        out.push_str(&rest[..start]);
        match instead(cmd) {
            Some(w) => out.push_str(w),
            None => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

fn instead(cmd: &str) -> Option<&'static str> {
    const BY_PREFIX: &[(&str, &str)] = &[
        ("keyward project list", "the projects pane"),
        ("keyward project add", "n in the projects pane"),
        ("keyward secret restore", "r in the trash bin (t)"),
        ("keyward secret rm", "d in the secrets pane"),
        ("keyward secret rename", "the editor (enter)"),
        ("keyward secret list", "the secrets pane"),
        ("keyward secret history", "the history (y)"),
        ("keyward secret policy", "ctrl-p in the editor"),
        ("keyward trash purge", "p in the trash bin (t)"),
        ("keyward trash list", "the trash bin (t)"),
        ("keyward rotation list", "the key rotations screen (K)"),
        ("keyward rotation rm", "d on the key rotations screen (K)"),
        ("keyward target list", "the targets screen (T)"),
        ("keyward target add", "a on the targets screen (T)"),
        (
            "keyward target rm",
            "d on the target in the targets screen (T)",
        ),
        ("keyward connections", "the targets screen (T)"),
        ("keyward connect", "c"),
        (
            "keyward reconnect",
            "r on the connection in the targets screen (T)",
        ),
        (
            "keyward disconnect",
            "d on the connection in the targets screen (T)",
        ),
        ("keyward key list", "the access keys screen (L)"),
        ("keyward status", "the mappings pane"),
        (
            "keyward sync --wait",
            "the targets screen (T) to show it gone",
        ),
    ];
    BY_PREFIX
        .iter()
        .find(|(p, _)| cmd.starts_with(p))
        .map(|(_, w)| *w)
}

#[cfg(test)]
mod tests {
    use super::dashboard;

    #[test]
    fn command_line_advice_becomes_the_dashboards_and_the_rest_stays() {
        let e = "the value is empty: give a value on stdin or with --value-file (to delete a secret use `keyward secret rm`)";
        let d = dashboard(e);
        assert!(d.starts_with("the value is empty: type a value"), "{d}");
        assert!(!d.contains("stdin") && !d.contains("--"), "{d}");
        let e = "no project named \"x\": see `keyward project list`, or create it with `keyward project add`";
        assert_eq!(
            dashboard(e),
            "no project named \"x\": see the projects pane, or create it with n in the projects pane"
        );
        // Unknown commands and plain text pass through.
        assert_eq!(
            dashboard("run `keyward frobnicate`"),
            "run `keyward frobnicate`"
        );
        assert_eq!(dashboard("plain"), "plain");
    }
}
