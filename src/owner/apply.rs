//! A change, applied to a write transaction: the one place the vocabulary's changes meet
//! the vault's operations, whichever front end sent them.

use crate::ops::{Change, Outcome, Sensitive};
use crate::vault::{Result, WriteTx};

pub fn apply(tx: &mut WriteTx<'_>, c: Change) -> Result<Outcome> {
    // Routed by what a change touches; each group's `unreachable!` arm stands for the
    // variants this match sends elsewhere, so a new variant is a compile error here.
    match c {
        Change::AddProject { .. }
        | Change::EnsureProject { .. }
        | Change::RenameProject { .. }
        | Change::RemoveProject { .. } => projects(tx, c),
        Change::Set { .. }
        | Change::SetNote { .. }
        | Change::Rename { .. }
        | Change::Rollback { .. }
        | Change::Rotate { .. }
        | Change::SetPolicy { .. }
        | Change::ClearPolicy { .. }
        | Change::Trash { .. }
        | Change::Restore { .. }
        | Change::Purge { .. }
        | Change::PurgeAll
        | Change::Import { .. } => secrets(tx, c),
        Change::Map { .. } | Change::Adopt { .. } | Change::Unmap { .. } => mappings(tx, c),
        Change::AddTarget { .. } | Change::WatchBranches { .. } | Change::OverrideBranch { .. } => {
            targets(tx, c)
        }
        Change::AddKeyRotation(_)
        | Change::AddSigningRotation(_)
        | Change::EditKeyRotation { .. }
        | Change::SetKeyRotationAuto { .. }
        | Change::SetKeyRotationTemplate { .. } => rotations(tx, c),
        Change::SetAlertSecret { .. }
        | Change::CreateAccessKey { .. }
        | Change::RevokeAccessKey { .. } => access(tx, c),
    }
}

fn projects(tx: &mut WriteTx<'_>, c: Change) -> Result<Outcome> {
    Ok(match c {
        Change::AddProject { name } => Outcome::Project(tx.add_project(&name)?),
        Change::EnsureProject { name } => {
            if tx.project_id(&name).is_err() {
                Outcome::Project(tx.add_project(&name)?)
            } else {
                Outcome::Done
            }
        }
        Change::RenameProject { name, new_name } => {
            Outcome::Project(tx.rename_project(&name, &new_name)?)
        }
        Change::RemoveProject { name } => {
            tx.remove_project(&name)?;
            Outcome::Done
        }
        _ => unreachable!("apply sends only project changes here"),
    })
}

fn secrets(tx: &mut WriteTx<'_>, c: Change) -> Result<Outcome> {
    Ok(match c {
        Change::Set {
            project,
            name,
            value,
            merge,
            cause,
        } => Outcome::Written(if merge {
            tx.set_fields(&project, &name, value, false, cause)?
        } else {
            tx.set_value(&project, &name, &value, cause)?
        }),
        Change::SetNote {
            project,
            name,
            note,
        } => {
            let note = note.filter(|n| !n.is_empty());
            if tx.secret(&project, &name)?.note != note {
                tx.set_note(&project, &name, note.as_deref())?;
            }
            Outcome::Done
        }
        Change::Rename {
            project,
            name,
            new_name,
        } => Outcome::Meta(tx.rename(&project, &name, &new_name)?),
        Change::Rollback {
            project,
            name,
            version,
        } => Outcome::Written(tx.rollback(&project, &name, version)?),
        Change::Rotate {
            project,
            name,
            field,
        } => Outcome::Written(tx.rotate(&project, &name, field.as_deref())?),
        Change::SetPolicy {
            project,
            name,
            field,
            every,
            generator,
        } => Outcome::Policy(tx.set_policy(&project, &name, field.as_deref(), every, generator)?),
        Change::ClearPolicy {
            project,
            name,
            field,
        } => {
            tx.clear_policy(&project, &name, field.as_deref())?;
            Outcome::Done
        }
        Change::Trash { project, name } => Outcome::Meta(tx.trash(&project, &name)?),
        Change::Restore { project, name } => Outcome::Written(tx.restore(&project, &name)?),
        Change::Purge { project, name } => {
            tx.purge(&project, &name)?;
            Outcome::Count(1)
        }
        Change::PurgeAll => Outcome::Count(tx.purge_all()?),
        Change::Import {
            project,
            text,
            dry_run,
        } => Outcome::Imported(tx.import_env(&project, text.expose(), dry_run)?),
        _ => unreachable!("apply sends only secret changes here"),
    })
}

fn mappings(tx: &mut WriteTx<'_>, c: Change) -> Result<Outcome> {
    Ok(match c {
        Change::Map {
            project,
            name,
            target,
            env_name,
            adopt,
            remote,
        } => Outcome::Mapped(tx.map(
            &project,
            &name,
            &target,
            env_name.as_deref(),
            adopt,
            remote.as_ref(),
        )?),
        Change::Adopt {
            project,
            name,
            target,
            variable,
        } => {
            let id = tx.secret(&project, &name)?.id;
            let env = tx
                .mappings_of(id)?
                .into_iter()
                .find(|(t, _)| *t == target)
                .and_then(|(_, m)| m.env_name);
            let there = std::collections::BTreeSet::from([variable]);
            Outcome::Mapped(tx.map(&project, &name, &target, env.as_deref(), true, Some(&there))?)
        }
        Change::Unmap {
            project,
            name,
            target,
        } => {
            tx.unmap(&project, &name, &target)?;
            Outcome::Done
        }
        _ => unreachable!("apply sends only mapping changes here"),
    })
}

fn targets(tx: &mut WriteTx<'_>, c: Change) -> Result<Outcome> {
    Ok(match c {
        Change::AddTarget {
            project_ref,
            name,
            organization,
            connection,
        } => Outcome::Target(tx.add_target(&project_ref, &name, &organization, &connection)?),
        Change::WatchBranches { target, watch } => {
            Outcome::Target(tx.watch_branches(&target, watch)?)
        }
        Change::OverrideBranch {
            target,
            branch,
            project,
            name,
            from: Some((fp, fname)),
        } => Outcome::Mapped(tx.override_branch(
            &target,
            &branch,
            (&project, &name),
            (&fp, &fname),
        )?),
        Change::OverrideBranch {
            target,
            branch,
            project,
            name,
            from: None,
        } => {
            tx.clear_override(&target, &branch, (&project, &name))?;
            Outcome::Done
        }
        _ => unreachable!("apply sends only target changes here"),
    })
}

fn rotations(tx: &mut WriteTx<'_>, c: Change) -> Result<Outcome> {
    Ok(match c {
        Change::AddKeyRotation(mut n) => {
            if n.connection.is_none() {
                n.connection = Some(tx.target_record(&n.project_ref)?.connection);
            }
            let (rotation, warning) = tx.add_key_rotation(n)?;
            Outcome::KeyRotation {
                rotation: Box::new(rotation),
                warning,
            }
        }
        Change::AddSigningRotation(mut n) => {
            if n.connection.is_none() {
                n.connection = Some(tx.target_record(&n.project_ref)?.connection);
            }
            Outcome::SigningRotation(Box::new(tx.add_signing_rotation(n)?))
        }
        Change::EditKeyRotation {
            name,
            every_days,
            at_minute,
            auto,
            grace,
        } => {
            if tx.signing_rotation_exists(&name)? {
                let r =
                    tx.edit_signing_rotation(&name, every_days, at_minute, auto, grace.flatten())?;
                return Ok(Outcome::SigningRotation(Box::new(r)));
            }
            let grace = match grace {
                Some(g) => g,
                None => tx.key_rotation(&name)?.grace,
            };
            let rotation = tx.edit_key_rotation(&name, every_days, at_minute, auto, grace)?;
            Outcome::KeyRotation {
                rotation: Box::new(rotation),
                warning: None,
            }
        }
        Change::SetKeyRotationAuto { name, auto } if tx.signing_rotation_exists(&name)? => {
            Outcome::SigningRotation(Box::new(tx.set_signing_rotation_auto(&name, auto)?))
        }
        Change::SetKeyRotationAuto { name, auto } => Outcome::KeyRotation {
            rotation: Box::new(tx.set_key_rotation_auto(&name, auto)?),
            warning: None,
        },
        Change::SetKeyRotationTemplate { name, template } => Outcome::KeyRotation {
            rotation: Box::new(tx.set_key_rotation_template(&name, template)?),
            warning: None,
        },
        _ => unreachable!("apply sends only rotation changes here"),
    })
}

fn access(tx: &mut WriteTx<'_>, c: Change) -> Result<Outcome> {
    Ok(match c {
        Change::SetAlertSecret { name, secret } => {
            let bytes = match secret {
                Some(s) => crate::alerts::webhook::parse_secret(s.expose())
                    .map_err(crate::vault::VaultError::invalid)?,
                None => {
                    use rand::RngCore;
                    let mut b = vec![0u8; 32];
                    rand::rngs::OsRng.fill_bytes(&mut b);
                    b
                }
            };
            let bytes = zeroize::Zeroizing::new(bytes);
            tx.set_alert_secret(&name, &bytes)?;
            Outcome::AlertSecret(Sensitive::new(crate::alerts::webhook::secret_text(&bytes)))
        }
        Change::CreateAccessKey {
            name,
            projects,
            allow_sync,
        } => {
            let refs: Vec<&str> = projects.iter().map(String::as_str).collect();
            let made = tx.create_access_key(&name, &refs, allow_sync)?;
            Outcome::AccessKey {
                info: made.info,
                key: Sensitive::from(made.key),
            }
        }
        Change::RevokeAccessKey { id } => {
            Outcome::AccessKeyRevoked(tx.revoke_access_key(id.trim())?)
        }
        _ => unreachable!("apply sends only alert or access key changes here"),
    })
}
