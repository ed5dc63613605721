//! [`LiveKeys`]: the keys a running server uses, kept in step with its keyring directory.
//!
//! Every verification and signing first `stat`s `keyring.toml` (one syscall, far cheaper than
//! the signature check that follows) and loads the keys again when it is not the file they
//! were loaded from: `agentcast keys rotate` renames a new file over it, and an editor saves
//! a new version. So a rotation, or an overlap ended by hand, takes effect from the next
//! token on, with no restart, no watcher task and no window in which an old key still signs.
//! A keyring that does not load (half edited, a key file missing) is logged once, and the
//! keys in use stay until the file changes again. [`LiveKeys::reload`] (SIGHUP) loads
//! everything whether or not the file changed: the only way to pick up a new single key
//! (`--jwt-secret-file`, `--jwt-public-key`), whose files are not watched.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use super::KeyError;
use super::keyring::Keyring;
use super::keyset::KeySet;
use crate::config::AuthSettings;

pub(crate) struct LiveKeys {
    /// Where the keys come from, to load them again.
    config: AuthSettings,
    /// `keyring.toml` of `config`, the file watched.
    keyring_file: PathBuf,
    /// A std lock: held only to read or replace the `Arc`, never across a load, a signature
    /// check or an `.await`.
    loaded: RwLock<Loaded>,
}

struct Loaded {
    /// The keyring file as it was when `keys` were loaded, or last failed to.
    stamp: Stamp,
    keys: Arc<KeySet>,
}

/// The identity of the keyring file: a rotation renames a new file over it, which changes
/// its inode (and its size or time); an edit in place changes its time. `None`: no keyring.
type Stamp = Option<(u64, u64, Option<SystemTime>)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((inode, meta.len(), meta.modified().ok()))
}

impl LiveKeys {
    /// The keys `config` names, now; an error names the file at fault.
    pub fn load(config: &AuthSettings) -> Result<Self, KeyError> {
        let keyring_file = Keyring::path(&config.jwt_keyring_dir);
        // Taken before reading: a change while loading shows as a change next time.
        let stamp = stamp(&keyring_file);
        let keys = Arc::new(KeySet::load(config)?);
        Ok(Self {
            config: config.clone(),
            keyring_file,
            loaded: RwLock::new(Loaded { stamp, keys }),
        })
    }

    /// The keys to use now: loaded again first if the keyring file changed.
    pub fn get(&self) -> Arc<KeySet> {
        let now = stamp(&self.keyring_file);
        {
            let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
            if loaded.stamp == now {
                return loaded.keys.clone();
            }
        }
        match KeySet::load(&self.config) {
            Ok(keys) => self.replace(now, keys),
            Err(err) => {
                tracing::error!(%err, "the changed keyring does not load; keeping the keys in use");
                let mut loaded = self.loaded.write().unwrap_or_else(|e| e.into_inner());
                // Not tried again (nor logged again) until the file changes again.
                loaded.stamp = now;
                loaded.keys.clone()
            }
        }
    }

    /// Loads the keys again, changed or not; on an error the keys in use stay.
    pub fn reload(&self) -> Result<Arc<KeySet>, KeyError> {
        let now = stamp(&self.keyring_file);
        let keys = KeySet::load(&self.config)?;
        Ok(self.replace(now, keys))
    }

    fn replace(&self, stamp: Stamp, keys: KeySet) -> Arc<KeySet> {
        let keys = Arc::new(keys);
        let (kids, signing) = keys.kids();
        tracing::info!(?kids, ?signing, "JWT keys loaded");
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = Loaded {
            stamp,
            keys: keys.clone(),
        };
        keys
    }
}
