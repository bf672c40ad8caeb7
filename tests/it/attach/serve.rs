//! `keyward serve` owns the vault like the daemon: while it runs, the command line works
//! through it, so a leaked access key can be revoked without stopping the API it
//! attacks, and the revocation holds at once.

use super::{Owner, attached};
use crate::support::vault::{Sandbox, fails, ok};

#[test]
fn key_revoke_while_serve_runs_refuses_the_key_at_once() {
    let sb = Sandbox::new();
    ok(&sb.kw(&["init"], ""));
    ok(&sb.kw(&["project", "add", "billing"], ""));
    ok(&sb.kw(&["secret", "set", "billing/STRIPE"], "sk_live\n"));
    let key = ok(&sb.kw(&["key", "create", "ci"], "")).trim().to_string();
    let id = key[3..30].to_string();
    let serve = Owner::start(
        &sb,
        &["serve", "--listen", "127.0.0.1:0"],
        &[("KEYWARD_PASSPHRASE", crate::support::vault::PASS)],
    );
    let url = format!("{}/v1/projects/billing/secrets/STRIPE", serve.first_line);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let http = crate::serve::client(None);
    let get = || rt.block_on(crate::serve::get_from(&http, &url, Some(&key)));
    assert_eq!(get().0, 200);

    // The command line, with no passphrase, through `serve`.
    let listed = ok(&attached(&sb, &["key", "list"], ""));
    assert!(
        listed.contains(&id) && listed.contains("last used"),
        "{listed}"
    );
    ok(&attached(&sb, &["key", "revoke", &id], ""));
    let (status, body) = get();
    assert_eq!(status, 401, "{body}");
    fails(
        &attached(&sb, &["key", "revoke", &id], ""),
        "already revoked",
    );
    // A second owner is refused with who holds the vault.
    let second = sb.kw(&["daemon"], "");
    fails(&second, "keyward serve");
    serve.wait_log("attached: pid");
    assert!(serve.stop().success());
}
