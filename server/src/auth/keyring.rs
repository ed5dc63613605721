//! The keyring: the JWT keys a server verifies with, each named by a `kid`, and the one it
//! signs with. It is a directory (`--jwt-keyring-dir`, default `<data-dir>/keys`) that
//! `agentcast keys rotate` writes:
//!
//! - `keyring.toml`: what each key is, never the key itself (safe to show and to diff):
//!
//!   ```toml
//!   [[keys]]
//!   kid = "k20261207-9f3a61"
//!   alg = "EdDSA"
//!   created_at = "2026-12-07T10:00:00.000Z"
//!   state = "signing"
//!
//!   [[keys]]
//!   kid = "k20261201-0c4b2e"
//!   alg = "EdDSA"
//!   created_at = "2026-12-01T09:00:00.000Z"
//!   state = "retired"
//!   verify_until = "2026-12-08T10:00:00.000Z"
//!   kidless = true
//!   ```
//!
//!   One key is `signing` (tokens signed now carry its kid); a `retired` key verifies until
//!   `verify_until`, then tokens carrying its kid are refused. `kidless` marks the key that
//!   verifies tokens without a `kid`: the single configured key, taken into the keyring at
//!   the first rotation, so the tokens it signed keep working through the overlap.
//! - the key material, by kid: `<kid>.secret` (HS256), `<kid>.public.pem` and
//!   `<kid>.private.pem` (RS256, EdDSA; the private half only when this side signs). Secrets
//!   and private keys are written with mode 0600.
//!
//! A directory without `keyring.toml` is no keyring: the single configured key signs and
//! verifies, as before keys rotated.

use std::path::{Path, PathBuf};

use agentcast_shared::{format_ts_millis, parse_ts_millis};
use serde::{Deserialize, Serialize};

use super::KeyError;
use crate::config::JwtAlgorithm;

/// The keyring's index file in its directory.
pub(crate) const KEYRING_FILE: &str = "keyring.toml";

/// The longest kid: it names files, and it travels in every token's header.
const MAX_KID_LEN: usize = 64;

/// `keyring.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyring {
    #[serde(default)]
    pub keys: Vec<Entry>,
}

/// One key of the keyring (its metadata; the material is in the files named by its kid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub kid: String,
    pub alg: JwtAlgorithm,
    /// RFC 3339 UTC, as the audit log writes times.
    pub created_at: String,
    pub state: KeyState,
    /// A retired key's last moment of verifying (RFC 3339 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_until: Option<String>,
    /// Tokens without a `kid` are verified with this key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kidless: bool,
}

/// Whether a key signs or only verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Signs new tokens (and verifies).
    Signing,
    /// Verifies until its `verify_until`.
    Retired,
}

/// Where a key stands at a moment, as `agentcast keys list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Signing,
    /// Retired, verifying until this Unix time in ms.
    Verifying(u64),
    /// Retired and past its overlap since this Unix time in ms: tokens with its kid are
    /// refused.
    Expired(u64),
}

impl Entry {
    /// The Unix time in ms from which the key no longer verifies; `None` while it signs.
    /// The keyring's check on load made sure a retired key has a readable one.
    pub fn verify_until_ms(&self) -> Option<u64> {
        match self.state {
            KeyState::Signing => None,
            KeyState::Retired => self.verify_until.as_deref().and_then(parse_ts_millis),
        }
    }

    pub fn standing(&self, now_ms: u64) -> Standing {
        match self.verify_until_ms() {
            None => Standing::Signing,
            Some(until) if now_ms < until => Standing::Verifying(until),
            Some(until) => Standing::Expired(until),
        }
    }
}

impl Keyring {
    /// The index file of the keyring in `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(KEYRING_FILE)
    }

    /// The keyring in `dir`; `None` if it has none.
    pub fn load(dir: &Path) -> Result<Option<Self>, KeyError> {
        let path = Self::path(dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(KeyError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let bad = |message: String| KeyError::Bad {
            path: path.display().to_string(),
            message,
        };
        let keyring: Keyring = toml::from_str(&text).map_err(|err| bad(err.to_string()))?;
        keyring.check().map_err(bad)?;
        Ok(Some(keyring))
    }

    /// Writes `keyring.toml` in `dir` whole or not at all (a temporary file renamed over
    /// it), so a server reloading never reads half of it.
    pub fn save(&self, dir: &Path) -> Result<(), KeyError> {
        let path = Self::path(dir);
        let failed = |source| KeyError::Create {
            path: path.display().to_string(),
            source,
        };
        self.check()
            .map_err(|message| std::io::Error::other(format!("refusing to write it: {message}")))
            .map_err(failed)?;
        let body = toml::to_string_pretty(self).map_err(|e| failed(std::io::Error::other(e)))?;
        let text = format!(
            "# The JWT keyring of agentcast (`agentcast keys rotate` writes it; see README, Key\n\
             # rotation). No secrets here: the keys are the files named by their kid.\n\n{body}"
        );
        std::fs::create_dir_all(dir).map_err(failed)?;
        let temporary = dir.join(format!("{KEYRING_FILE}.tmp"));
        std::fs::write(&temporary, text).map_err(failed)?;
        std::fs::rename(&temporary, &path).map_err(failed)
    }

    /// The rules a keyring keeps; the message says which one is broken.
    fn check(&self) -> Result<(), String> {
        let mut signing = 0;
        let mut kidless = 0;
        for (i, entry) in self.keys.iter().enumerate() {
            check_kid(&entry.kid)?;
            if self.keys[..i].iter().any(|other| other.kid == entry.kid) {
                return Err(format!("kid {:?} appears twice", entry.kid));
            }
            if parse_ts_millis(&entry.created_at).is_none() {
                return Err(format!(
                    "key {}: created_at {:?} is not an RFC 3339 UTC time",
                    entry.kid, entry.created_at
                ));
            }
            match (entry.state, entry.verify_until.as_deref()) {
                (KeyState::Signing, _) => signing += 1,
                (KeyState::Retired, None) => {
                    return Err(format!("retired key {} has no verify_until", entry.kid));
                }
                (KeyState::Retired, Some(until)) if parse_ts_millis(until).is_none() => {
                    return Err(format!(
                        "key {}: verify_until {until:?} is not an RFC 3339 UTC time such as \
                         2026-12-08T10:00:00Z",
                        entry.kid
                    ));
                }
                (KeyState::Retired, Some(_)) => {}
            }
            kidless += usize::from(entry.kidless);
        }
        if signing > 1 {
            return Err(format!("{signing} keys are signing; one at most"));
        }
        if kidless > 1 {
            return Err(format!("{kidless} keys are kidless; one at most"));
        }
        Ok(())
    }

    pub fn get(&self, kid: &str) -> Option<&Entry> {
        self.keys.iter().find(|entry| entry.kid == kid)
    }

    pub fn signing(&self) -> Option<&Entry> {
        self.keys
            .iter()
            .find(|entry| entry.state == KeyState::Signing)
    }
}

/// A kid names files: letters, digits, `-` and `_` only, and not too long.
pub(crate) fn check_kid(kid: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if kid.is_empty() || kid.len() > MAX_KID_LEN || !kid.chars().all(allowed) {
        return Err(format!(
            "kid {kid:?}: use 1 to {MAX_KID_LEN} letters, digits, - or _"
        ));
    }
    Ok(())
}

/// A new kid: the day it was made and 24 random bits, `k20261207-9f3a61`.
pub(crate) fn new_kid(now_ms: u64) -> Result<String, getrandom::Error> {
    let mut random = [0u8; 3];
    getrandom::getrandom(&mut random)?;
    let day: String = format_ts_millis(now_ms)[..10].replace('-', "");
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("k{day}-{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kid: &str, state: KeyState, until: Option<&str>) -> Entry {
        Entry {
            kid: kid.into(),
            alg: JwtAlgorithm::EdDsa,
            created_at: "2026-12-01T09:00:00.000Z".into(),
            state,
            verify_until: until.map(str::to_owned),
            kidless: false,
        }
    }

    #[test]
    fn a_keyring_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Keyring::load(dir.path()).unwrap(), None);
        let mut old = entry("k1", KeyState::Retired, Some("2026-12-08T10:00:00.000Z"));
        old.kidless = true;
        let keyring = Keyring {
            keys: vec![entry("k2", KeyState::Signing, None), old],
        };
        keyring.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(Keyring::path(dir.path())).unwrap();
        assert!(
            text.contains("alg = \"EdDSA\"") && text.contains("kidless = true"),
            "{text}"
        );
        assert_eq!(Keyring::load(dir.path()).unwrap(), Some(keyring.clone()));
        assert_eq!(keyring.signing().unwrap().kid, "k2");
    }

    #[test]
    fn standing_follows_the_clock() {
        let retired = entry("k1", KeyState::Retired, Some("2026-12-08T10:00:00.000Z"));
        let until = parse_ts_millis("2026-12-08T10:00:00.000Z").unwrap();
        assert_eq!(retired.standing(until - 1), Standing::Verifying(until));
        assert_eq!(retired.standing(until), Standing::Expired(until));
        assert_eq!(
            entry("k2", KeyState::Signing, None).standing(until),
            Standing::Signing
        );
    }

    #[test]
    fn a_broken_keyring_is_refused_naming_the_file_and_the_rule() {
        let cases = [
            (
                "[[keys]]\nkid = \"../x\"\nalg = \"HS256\"\ncreated_at = \"2026-12-01T00:00:00Z\"\nstate = \"signing\"\n",
                "letters, digits",
            ),
            (
                "[[keys]]\nkid = \"a\"\nalg = \"HS256\"\ncreated_at = \"2026-12-01T00:00:00Z\"\nstate = \"retired\"\n",
                "no verify_until",
            ),
            (
                "[[keys]]\nkid = \"a\"\nalg = \"HS256\"\ncreated_at = \"2026-12-01T00:00:00Z\"\nstate = \"retired\"\nverify_until = \"tomorrow\"\n",
                "not an RFC 3339",
            ),
            (
                "[[keys]]\nkid = \"a\"\nalg = \"HS256\"\ncreated_at = \"2026-12-01T00:00:00Z\"\nstate = \"signing\"\n[[keys]]\nkid = \"a\"\nalg = \"HS256\"\ncreated_at = \"2026-12-01T00:00:00Z\"\nstate = \"signing\"\n",
                "twice",
            ),
            (
                "[[keys]]\nkid = \"a\"\nalg = \"HS512\"\ncreated_at = \"2026-12-01T00:00:00Z\"\nstate = \"signing\"\n",
                "HS512",
            ),
        ];
        for (text, expected) in cases {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(Keyring::path(dir.path()), text).unwrap();
            let err = Keyring::load(dir.path()).unwrap_err().to_string();
            assert!(
                err.contains(KEYRING_FILE) && err.contains(expected),
                "{expected}: {err}"
            );
        }
    }

    #[test]
    fn new_kids_are_dated_file_names() {
        let now = parse_ts_millis("2026-12-07T10:00:00Z").unwrap();
        let kid = new_kid(now).unwrap();
        assert!(kid.starts_with("k20261207-") && kid.len() == 16, "{kid}");
        assert!(check_kid(&kid).is_ok());
    }
}
