//! What `--project` and a session's `project_id` may say, and the project ids made for
//! them: a path (anything with a `/`, or `.`, `..`, `~`) means the project of that directory
//! (its git root), a name means the project of that name. The ids are derived from the path
//! or name, so every server and client makes the same one.

use std::path::{Path, PathBuf};

use super::root::project_root;

/// The longest id made; the store takes up to 128 characters.
const MAX_SLUG: usize = 100;

/// A project as a user names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectRef {
    /// That directory's project.
    Path(PathBuf),
    /// The project of that name.
    Name(String),
}

impl ProjectRef {
    /// Reads `--project`: a path has a `/` or is `.`, `..` or starts with `~`.
    pub fn parse(value: &str) -> ProjectRef {
        let value = value.trim();
        if value.contains('/') || value == "." || value == ".." || value.starts_with('~') {
            ProjectRef::Path(PathBuf::from(value))
        } else {
            ProjectRef::Name(value.to_owned())
        }
    }
}

/// `--project` as a client sends it in `session.started`'s `project_id`: a name as it is, a
/// path made absolute against `cwd` (and `~` against `home`) and taken to its project root,
/// so the server needs no access to the client's directories.
pub fn client_project(value: &str, cwd: &Path, home: Option<&Path>) -> String {
    match ProjectRef::parse(value) {
        ProjectRef::Name(name) => name,
        ProjectRef::Path(path) => {
            let path = match (path.strip_prefix("~"), home) {
                (Ok(rest), Some(home)) => home.join(rest),
                _ => cwd.join(path),
            };
            project_root(&path, home).display().to_string()
        }
    }
}

/// The id of the project of directory `root`: its name made safe, and a hash of the whole
/// path (two `web` directories are two projects).
pub fn path_project_id(root: &Path) -> String {
    let text = root.to_string_lossy();
    format!(
        "{}-{:08x}",
        slug(&dir_name(root)),
        fnv1a(text.as_bytes()) as u32
    )
}

/// The id of a project named `name`: the name itself when it is a valid id, else the name
/// made safe and a hash of it.
pub fn name_project_id(name: &str) -> String {
    let slug = slug(name);
    if slug == name {
        slug
    } else {
        format!("{slug}-{:08x}", fnv1a(name.as_bytes()) as u32)
    }
}

/// A directory's project name: its last component (`/` for the root).
pub fn dir_name(root: &Path) -> String {
    root.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| root.display().to_string())
}

/// Letters, digits, `-`, `_` and `.` kept, anything else `-`; never empty.
fn slug(text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_SLUG)
        .collect();
    if slug.is_empty() {
        "project".to_owned()
    } else {
        slug
    }
}

/// FNV-1a, 64 bits: stable across builds and platforms, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentcast_shared::is_valid_session_id;

    #[test]
    fn paths_and_names_are_told_apart() {
        assert_eq!(ProjectRef::parse("web"), ProjectRef::Name("web".into()));
        assert_eq!(
            ProjectRef::parse("My App"),
            ProjectRef::Name("My App".into())
        );
        for path in [".", "..", "./web", "/srv/web", "~/code", "a/b"] {
            assert_eq!(
                ProjectRef::parse(path),
                ProjectRef::Path(path.into()),
                "{path}"
            );
        }
    }

    #[test]
    fn a_client_sends_a_name_as_is_and_a_path_as_its_absolute_root() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("repo/.git")).unwrap();
        std::fs::create_dir_all(base.join("repo/src")).unwrap();
        assert_eq!(client_project("web", &base, None), "web");
        let root = base.join("repo").display().to_string();
        assert_eq!(client_project("./repo/src", &base, None), root);
        assert_eq!(client_project(".", &base.join("repo/src"), None), root);
        assert_eq!(
            client_project("~/repo/src", Path::new("/"), Some(&base)),
            root
        );
    }

    #[test]
    fn ids_are_valid_stable_and_tell_same_named_directories_apart() {
        let web = path_project_id(Path::new("/home/a/web"));
        assert!(
            web.starts_with("web-") && is_valid_session_id(&web),
            "{web}"
        );
        assert_eq!(web, path_project_id(Path::new("/home/a/web")));
        assert_ne!(web, path_project_id(Path::new("/home/b/web")));
        let odd = path_project_id(Path::new("/home/a/my app (old)"));
        assert!(is_valid_session_id(&odd), "{odd}");
        assert!(is_valid_session_id(&path_project_id(Path::new("/"))));

        assert_eq!(name_project_id("web"), "web");
        let spaced = name_project_id("My App");
        assert!(
            spaced.starts_with("My-App-") && is_valid_session_id(&spaced),
            "{spaced}"
        );
        assert_ne!(spaced, name_project_id("My-App"));
        let long = name_project_id(&"x".repeat(300));
        assert!(is_valid_session_id(&long), "{}", long.len());
    }
}
