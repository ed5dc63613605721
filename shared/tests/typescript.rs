//! The committed TypeScript definitions stay equal to what the Rust types render.

use std::path::Path;

use agentcast_shared::typescript::{UPDATE_ENV, render};

#[test]
fn typescript_definitions_are_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ts/agentcast.d.ts");
    let rendered = render();
    if std::env::var_os(UPDATE_ENV).is_some_and(|v| v != "0" && !v.is_empty()) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &rendered).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == rendered,
        "{} is out of date with the Rust types; regenerate it with\n\n    \
         {UPDATE_ENV}=1 cargo test -p agentcast-shared typescript\n",
        path.display()
    );
}

#[test]
fn typescript_maps_name_every_event_and_command() {
    let rendered = render();
    for event_type in agentcast_shared::ALL_EVENT_TYPES {
        assert!(
            rendered.contains(&format!("  \"{event_type}\": (envelope: Envelope<")),
            "{event_type}"
        );
    }
    for command in agentcast_shared::commands::ALL_COMMANDS {
        let bare = format!("  {command}: (args: ");
        let quoted = format!("  \"{command}\": (args: ");
        assert!(
            rendered.contains(&bare) || rendered.contains(&quoted),
            "{command}"
        );
    }
    assert!(!rendered.contains("bigint"), "u64 must render as number");
}
