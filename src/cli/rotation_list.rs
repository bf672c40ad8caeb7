//! Rotations as rows (`rotation list`, `status`): API key and JWT signing key rotations
//! side by side, in text and in JSON (docs/json.md); and adding a signing rotation.

use super::common::{print_json, session, unexpected};
use super::{CmdResult, GlobalArgs};
use crate::ops::{Change, Outcome, Query, Reply};
use crate::vault::{
    KeyRef, KeyRotation, Millis, NewSigningRotation, SigningRotation, format_duration,
    format_time_of_day, rfc3339,
};

/// A row with the fields both kinds' rows end with, which their states name alike: the
/// last attempts, the next due time (automatic runs only) and the backoff.
macro_rules! with_attempts {
    ($row:expr, $r:expr) => {{
        let (mut row, r) = ($row, $r);
        let s = &r.state;
        let tail = serde_json::json!({
            "last_attempt": s.last_attempt.map(rfc3339),
            "last_success": s.last_success.map(rfc3339),
            "next_due": r.auto.then(|| rfc3339(s.next_due)),
            "last_message": s.last_message,
            "failures": s.failures,
            "retry_at": s.retry_at.map(rfc3339),
        });
        if let (Some(row), serde_json::Value::Object(tail)) = (row.as_object_mut(), tail) {
            row.extend(tail);
        }
        row
    }};
}

pub fn key_row(r: &KeyRotation, now: Millis) -> serde_json::Value {
    let key = |k: &Option<KeyRef>| {
        k.as_ref()
            .map(|k| serde_json::json!({ "id": k.id, "name": k.name }))
    };
    let s = &r.state;
    let row = serde_json::json!({
        "name": r.name,
        "target": r.project_ref,
        "connection": r.connection,
        "key_type": r.key_type.as_str(),
        "every_days": r.every_days,
        "at": format_time_of_day(r.at_minute),
        "auto": r.auto,
        "into": format!("{}/{}", r.into.project, r.into.name),
        "grace_seconds": r.grace.map(|g| g / 1000),
        "template": r.template,
        "current_template": s.template,
        "status": r.status(now).as_str(),
        "current_key": key(&s.current),
        "previous_key": key(&s.previous),
        "previous_until": s.previous_until.map(rfc3339),
        "cleanup_pending": s.cleanup_pending(),
        "pending_deletes": s.retiring.iter().map(|k| k.name.clone()).collect::<Vec<_>>(),
    });
    with_attempts!(row, r)
}

pub fn signing_row(r: &SigningRotation, now: Millis) -> serde_json::Value {
    let s = &r.state;
    let aging = |v: &[crate::vault::Aging]| {
        v.iter()
            .map(|a| serde_json::json!({"id": a.key.id, "algorithm": a.key.algorithm, "until": rfc3339(a.until)}))
            .collect::<Vec<_>>()
    };
    let row = serde_json::json!({
        "name": r.name,
        "target": r.project_ref,
        "connection": r.connection,
        "key_type": "signing",
        "algorithm": r.algorithm.as_str(),
        "every_days": r.every_days,
        "at": format_time_of_day(r.at_minute),
        "auto": r.auto,
        "grace_seconds": r.grace / 1000,
        "status": r.status(now).as_str(),
        "current_key": s.current.as_ref().map(|k| serde_json::json!({"id": k.id, "algorithm": k.algorithm})),
        "standby_key": s.standby.as_ref().map(|k| k.id.clone()),
        "previous_keys": aging(&s.previous),
        "revoked_keys": aging(&s.revoked),
        "legacy_secret_imported": s.legacy_id.is_some(),
    });
    with_attempts!(row, r)
}

/// One text line per rotation, API key rotations first.
pub fn lines(keys: &[KeyRotation], signing: &[SigningRotation], now: Millis) -> Vec<String> {
    let next = |auto: bool, due: Millis| {
        if auto { rfc3339(due) } else { "manual".into() }
    };
    let mut out = Vec::new();
    for r in keys {
        let s = &r.state;
        let template = s
            .template
            .as_ref()
            .map(|t| format!(" {}", serde_json::Value::Object(t.clone())))
            .unwrap_or_default();
        out.push(format!(
            "{}\t{} {}\t{}\tkey {}{template}\tnext {}\t{}",
            r.name,
            r.project_ref,
            r.key_type.as_str(),
            r.status(now).as_str(),
            s.current.as_ref().map_or("-", |k| k.name.as_str()),
            next(r.auto, s.next_due),
            s.last_message.as_deref().unwrap_or("")
        ));
    }
    for r in signing {
        let s = &r.state;
        out.push(format!(
            "{}\t{} signing {}\t{}\tkey {}\tnext {}\t{}",
            r.name,
            r.project_ref,
            r.algorithm.as_str(),
            r.status(now).as_str(),
            s.current
                .as_ref()
                .map_or("-".into(), |k| format!("{} {}", k.algorithm, k.id)),
            next(r.auto, s.next_due),
            s.last_message.as_deref().unwrap_or("")
        ));
    }
    out
}

pub fn list(g: &GlobalArgs, json: bool) -> CmdResult {
    let s = session(g)?;
    let (now, keys, signing) = match s.query(Query::KeyRotations)? {
        Reply::KeyRotations {
            now,
            items,
            signing,
        } => (now, items, signing),
        other => return Err(unexpected(&other)),
    };
    if json {
        let rows: Vec<_> = keys
            .iter()
            .map(|r| key_row(r, now))
            .chain(signing.iter().map(|r| signing_row(r, now)))
            .collect();
        return print_json(&rows);
    }
    super::common::hint_if_empty(
        keys.len() + signing.len(),
        "no key rotations yet: add one with `keyward rotation add NAME --target REF ...`",
    );
    for l in lines(&keys, &signing, now) {
        println!("{l}");
    }
    Ok(())
}

pub fn add_signing(g: &GlobalArgs, n: NewSigningRotation) -> CmdResult {
    let s = session(g)?;
    let a = s.apply(g, vec![Change::AddSigningRotation(n)], false)?;
    let Some(Outcome::SigningRotation(r)) = a.outcomes.into_iter().next() else {
        return Err(super::rotation::NOT_RETURNED.into());
    };
    let when = super::rotation::first_run(r.auto, r.every_days, r.at_minute, &r.name);
    println!(
        "{}: {} JWT signing keys of {}, previous key revoked {} after a rotation and deleted {} later, {when}",
        r.name,
        r.algorithm.as_str(),
        r.project_ref,
        format_duration(r.grace),
        format_duration(r.grace)
    );
    Ok(())
}
