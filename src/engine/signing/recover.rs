//! Finishing what a kill interrupted, from what Supabase holds: an import that reached
//! it is recorded; a standby key that was created is kept (the next attempt promotes
//! it instead of creating another); a promotion that reached it is recorded.

use super::*;
use crate::supabase::Error as ApiError;

impl SigningRotator {
    pub async fn recover_one(&self, name: &str) -> R<()> {
        let r = self.read(name)?;
        if matches!(r.state.phase, SigningPhase::Idle) {
            return Ok(());
        }
        let client = self.client(&r)?;
        let listing = |e: ApiError| failed(name, format!("recovering: {e}"));
        enum Found {
            Nothing,
            Imported(SigningKeyRef),
            Standby(SigningKeyRef),
            Promoted(SigningKeyRef),
        }
        let found = match &r.state.phase {
            SigningPhase::Idle => Found::Nothing,
            SigningPhase::Importing => match client.legacy_signing_key(&r.project_ref).await {
                Ok(k) => Found::Imported(key_ref(&k)),
                Err(ApiError::NotFound { .. }) => Found::Nothing,
                Err(e) => return Err(listing(e)),
            },
            SigningPhase::Creating { key_id: Some(id) } => {
                match client.get_signing_key(&r.project_ref, id).await {
                    Ok(k) if k.status == SigningKeyStatus::Standby => Found::Standby(key_ref(&k)),
                    Ok(k) if k.status == SigningKeyStatus::InUse => Found::Promoted(key_ref(&k)),
                    Ok(_) | Err(ApiError::NotFound { .. }) => Found::Nothing,
                    Err(e) => return Err(listing(e)),
                }
            }
            SigningPhase::Creating { key_id: None } => {
                // Killed before the id was recorded: the attempt made sure no other
                // standby key existed, so the one there now is the one it created.
                let keys = client
                    .list_signing_keys(&r.project_ref)
                    .await
                    .map_err(listing)?;
                let known = r.known_ids();
                keys.iter()
                    .filter(|k| {
                        k.status == SigningKeyStatus::Standby && !known.contains(&k.id.as_str())
                    })
                    .max_by(|a, b| a.created_at.cmp(&b.created_at))
                    .map_or(Found::Nothing, |k| Found::Standby(key_ref(k)))
            }
        };
        let n = name.to_owned();
        let said = self
            .handle
            .write(None, move |tx| {
                let mut r = tx.signing_rotation(&n)?;
                let what = match found {
                    Found::Nothing => "nothing had reached Supabase".to_owned(),
                    Found::Imported(k) => {
                        let s = format!("the legacy JWT secret was imported ({})", k.id);
                        r.state.legacy_id = Some(k.id.clone());
                        r.state.current = Some(k);
                        s
                    }
                    Found::Standby(k) => {
                        let s = format!("standby key {} kept for the next attempt", k.id);
                        r.state.standby = Some(k);
                        s
                    }
                    Found::Promoted(k) => {
                        let s = format!("key {} had been promoted", k.id);
                        promote_record(tx, &mut r, k);
                        s
                    }
                };
                r.state.phase = SigningPhase::Idle;
                tx.save_signing_rotation(&r)?;
                tx.audit("signing-rotation-recover", &n, Outcome::Ok, &what)?;
                Ok(what)
            })
            .await?;
        self.say(name, true, format!("recovered: {said}"));
        Ok(())
    }

    /// Forgets the rotation. The project's signing keys stay as they are: the key in
    /// use keeps signing (Supabase never deletes the key in use).
    pub async fn remove(&self, name: &str) -> R<()> {
        let _busy = InFlight::start(&self.vault, name);
        let n = name.to_owned();
        self.handle
            .apply(move |tx| tx.remove_signing_rotation(&n))
            .await?;
        Ok(())
    }
}
