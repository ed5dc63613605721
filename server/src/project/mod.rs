//! Projects for real: a session belongs to the project of its working directory's git root
//! (or of the directory itself), created when first seen, or to the one `--project` names.
//!
//! - `root`: [`project_root`], a directory's git root found on the file system.
//! - `reference`: [`ProjectRef`], what `--project` means (a path or a name), and the ids
//!   made for both.
//! - `linker`: [`ProjectLinker`], which fills in `session.started`'s `project_id` as the
//!   sequencer stores it.

mod linker;
mod reference;
mod root;

pub use linker::ProjectLinker;
pub use reference::{ProjectRef, client_project};
pub use root::project_root;
