//! `agentcast keys rotate` and `agentcast keys list`: the keyring changed and shown.
//!
//! A rotation adds a new signing key of the configured algorithm (generated, or the
//! `--private-key` given), retires the previous signing key so that it verifies until now +
//! the overlap, and drops the keys whose overlap has ended. The first rotation also takes
//! the single configured key into the keyring (`kidless`), so the tokens without a `kid` it
//! signed keep working through the overlap. The material is written before `keyring.toml`,
//! which is replaced whole: a server that reads the keyring finds every key it names.

use std::path::Path;
use std::time::Duration;

use agentcast_shared::format_ts_millis;

use super::KeyError;
use super::generate;
use super::keyring::{Entry, KeyState, Keyring, Standing, new_kid};
use super::keys;
use crate::config::{AuthSettings, JwtAlgorithm};

/// The longest overlap: ten years is "until the next rotation" for any real use, and keeps
/// `verify_until` a four-digit year.
const MAX_OVERLAP: Duration = Duration::from_secs(3650 * 86_400);

/// What a rotation did.
#[derive(Debug, Clone, PartialEq)]
pub struct Rotated {
    /// The new signing key.
    pub kid: String,
    pub alg: JwtAlgorithm,
    /// The key it replaced, and when that one stops verifying (RFC 3339).
    pub retired: Option<(String, String)>,
    /// The kid given to the single configured key, at the first rotation.
    pub imported: Option<String>,
    /// Keys past their overlap, removed with their files.
    pub removed: Vec<String>,
}

/// Rotates the keyring of `config` at `now_ms`: see the module documentation.
pub fn rotate(
    config: &AuthSettings,
    overlap: Duration,
    private_key: Option<&Path>,
    now_ms: u64,
) -> Result<Rotated, KeyError> {
    let dir = &config.jwt_keyring_dir;
    let alg = config.jwt_algorithm;
    let failed = |message: String| KeyError::Bad {
        path: dir.display().to_string(),
        message,
    };
    if overlap > MAX_OVERLAP {
        return Err(failed(format!(
            "an overlap of {} h is too long; at most {} h (ten years)",
            overlap.as_secs() / 3600,
            MAX_OVERLAP.as_secs() / 3600
        )));
    }
    let material = match private_key {
        Some(path) => generate::from_private_pem(alg, path)?,
        None => generate::generate(alg).map_err(failed)?,
    };
    let created_at = format_ts_millis(now_ms);
    let mut keyring = Keyring::load(dir)?.unwrap_or_default();
    let mut imported = None;
    if keyring.keys.is_empty()
        && let Some(configured) = keys::configured_material(config)?
    {
        let kid = fresh_kid(&keyring, now_ms).map_err(failed)?;
        keys::write_material(dir, &kid, &configured)?;
        keyring.keys.push(Entry {
            kid: kid.clone(),
            alg,
            created_at: created_at.clone(),
            state: KeyState::Signing,
            verify_until: None,
            kidless: true,
        });
        imported = Some(kid);
    }

    // Dropped before the signing key retires: a key retired now with no overlap stays
    // listed (as expired) until the next rotation, so that `keys list` shows what happened.
    let (expired, kept): (Vec<Entry>, Vec<Entry>) = keyring
        .keys
        .into_iter()
        .partition(|entry| matches!(entry.standing(now_ms), Standing::Expired(_)));
    keyring.keys = kept;
    let until_ms = now_ms.saturating_add(u64::try_from(overlap.as_millis()).unwrap_or(u64::MAX));
    let until = format_ts_millis(until_ms);
    let mut retired = None;
    for entry in &mut keyring.keys {
        if entry.state == KeyState::Signing {
            entry.state = KeyState::Retired;
            entry.verify_until = Some(until.clone());
            retired = Some((entry.kid.clone(), until.clone()));
        }
    }

    let kid = fresh_kid(&keyring, now_ms).map_err(failed)?;
    keys::write_material(dir, &kid, &material)?;
    keyring.keys.insert(
        0,
        Entry {
            kid: kid.clone(),
            alg,
            created_at,
            state: KeyState::Signing,
            verify_until: None,
            kidless: false,
        },
    );
    keyring.save(dir)?;

    let mut removed = Vec::new();
    for entry in expired {
        // The keyring no longer names it: a file left behind is clutter, not a risk to
        // verification, so a failure is only logged.
        if let Err(err) = keys::remove_material(dir, &entry.kid) {
            tracing::warn!(kid = %entry.kid, %err, "could not remove an expired key's files");
        }
        removed.push(entry.kid);
    }
    Ok(Rotated {
        kid,
        alg,
        retired,
        imported,
        removed,
    })
}

/// A kid the keyring does not have yet.
fn fresh_kid(keyring: &Keyring, now_ms: u64) -> Result<String, String> {
    // 24 random bits a day: a second collision in a row means the randomness is broken.
    for _ in 0..3 {
        let kid = new_kid(now_ms).map_err(|e| format!("no randomness: {e}"))?;
        if keyring.get(&kid).is_none() {
            return Ok(kid);
        }
    }
    Err("could not find an unused kid".into())
}

/// `agentcast keys list`: one line per key (kid, algorithm, state, created, until when it
/// verifies), never key material. `None` when there is no keyring.
pub fn list(config: &AuthSettings, now_ms: u64) -> Result<Option<Vec<String>>, KeyError> {
    let Some(keyring) = Keyring::load(&config.jwt_keyring_dir)? else {
        return Ok(None);
    };
    let mut lines = vec![format!(
        "{:<24} {:<6} {:<9} {:<25} VERIFIES UNTIL",
        "KID", "ALG", "STATE", "CREATED"
    )];
    for entry in &keyring.keys {
        let (state, until) = match entry.standing(now_ms) {
            Standing::Signing => ("signing", "-".to_owned()),
            Standing::Verifying(until) => ("retired", format_ts_millis(until)),
            Standing::Expired(until) => ("expired", format_ts_millis(until)),
        };
        let kidless = if entry.kidless {
            " (and tokens without a kid)"
        } else {
            ""
        };
        lines.push(format!(
            "{:<24} {:<6} {:<9} {:<25} {until}{kidless}",
            entry.kid,
            super::algorithm_name(entry.alg),
            state,
            entry.created_at
        ));
    }
    Ok(Some(lines))
}

#[cfg(test)]
mod tests;
