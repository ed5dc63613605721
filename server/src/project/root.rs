//! A working directory's project root: the top of the git work tree it is in (the nearest
//! directory above it holding a `.git` directory or file, as worktrees and submodules have),
//! found by looking at the file system only (no `git` binary), else the directory itself.

use std::path::{Component, Path, PathBuf};

/// The project root of `cwd`; see the module docs. A directory that does not exist (an old
/// transcript's) is its own root. The home directory is never the root of a directory below
/// it (a dotfiles repository in `~` would otherwise make one project of everything); `home`
/// is that directory.
pub fn project_root(cwd: &Path, home: Option<&Path>) -> PathBuf {
    let cwd = normalize(cwd);
    // Symlinks resolved when the directory exists, so two spellings are one project.
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let home = home.map(|h| h.canonicalize().unwrap_or_else(|_| normalize(h)));
    for dir in cwd.ancestors() {
        if home.as_deref() == Some(dir) && dir != cwd {
            break;
        }
        if dir.join(".git").exists() {
            return dir.to_owned();
        }
    }
    cwd
}

/// `a/./b/../c/` as `a/c`, without asking the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("repo/.git")).unwrap();
        std::fs::create_dir_all(base.join("repo/src/deep")).unwrap();
        std::fs::create_dir_all(base.join("plain/sub")).unwrap();
        (dir, base)
    }

    #[test]
    fn a_directory_inside_a_work_tree_has_the_tree_as_its_root() {
        let (_dir, base) = tree();
        let root = base.join("repo");
        assert_eq!(project_root(&base.join("repo/src/deep"), None), root);
        assert_eq!(project_root(&base.join("repo/src"), None), root);
        assert_eq!(project_root(&root, None), root);
        assert_eq!(
            project_root(&base.join("repo/src/../src/./deep/"), None),
            root
        );
    }

    #[test]
    fn a_worktree_or_submodule_has_a_git_file() {
        let (_dir, base) = tree();
        let worktree = base.join("wt");
        std::fs::create_dir_all(worktree.join("a")).unwrap();
        std::fs::write(worktree.join(".git"), "gitdir: /elsewhere\n").unwrap();
        assert_eq!(project_root(&worktree.join("a"), None), worktree);
        // A submodule inside a repository is its own root.
        let sub = base.join("repo/vendor/lib");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(".git"), "gitdir: ../../.git/modules/lib\n").unwrap();
        assert_eq!(project_root(&sub, None), sub);
    }

    #[test]
    fn outside_a_work_tree_the_directory_is_its_own_root() {
        let (_dir, base) = tree();
        assert_eq!(
            project_root(&base.join("plain/sub"), None),
            base.join("plain/sub")
        );
    }

    #[test]
    fn a_directory_that_is_gone_is_its_own_root() {
        let gone = Path::new("/nonexistent-agentcast-test/projects/web/src");
        assert_eq!(project_root(gone, None), gone);
        assert_eq!(
            project_root(Path::new("/nonexistent-agentcast-test/web/../api/"), None),
            Path::new("/nonexistent-agentcast-test/api")
        );
    }

    #[test]
    fn a_repository_in_home_does_not_swallow_the_directories_below() {
        let (_dir, base) = tree();
        let home = base.join("home");
        std::fs::create_dir_all(home.join(".git")).unwrap();
        std::fs::create_dir_all(home.join("notes")).unwrap();
        assert_eq!(
            project_root(&home.join("notes"), Some(&home)),
            home.join("notes")
        );
        assert_eq!(project_root(&home, Some(&home)), home);
        // A repository below home is found as usual.
        std::fs::create_dir_all(home.join("code/.git")).unwrap();
        std::fs::create_dir_all(home.join("code/x")).unwrap();
        assert_eq!(
            project_root(&home.join("code/x"), Some(&home)),
            home.join("code")
        );
    }

    #[test]
    fn a_symlink_is_the_directory_it_points_to() {
        let (_dir, base) = tree();
        std::os::unix::fs::symlink(base.join("repo/src"), base.join("link")).unwrap();
        assert_eq!(project_root(&base.join("link"), None), base.join("repo"));
    }
}
