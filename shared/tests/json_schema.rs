//! The committed JSON Schema stays equal to what the Rust types render.

use std::path::Path;

use agentcast_shared::json_schema::{KNOWN_ENVELOPE, UPDATE_ENV, render};

#[test]
fn json_schema_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/schema/agentcast.schema.json");
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
         {UPDATE_ENV}=1 cargo test -p agentcast-shared json_schema\n\n\
         and then the Python models (shared/python/README.md)",
        path.display()
    );
}

#[test]
fn json_schema_types_every_event_envelope() {
    let schema: serde_json::Value = serde_json::from_str(&render()).unwrap();
    let defs = &schema["$defs"];
    let mapping = defs[KNOWN_ENVELOPE]["discriminator"]["mapping"]
        .as_object()
        .unwrap();
    assert_eq!(mapping.len(), agentcast_shared::ALL_EVENT_TYPES.len());
    for event_type in agentcast_shared::ALL_EVENT_TYPES {
        let reference = mapping[*event_type].as_str().unwrap();
        let name = reference.strip_prefix("#/$defs/").unwrap();
        let envelope = &defs[name];
        assert_eq!(envelope["properties"]["type"]["const"], *event_type);
        let data = envelope["properties"]["data"]["$ref"].as_str().unwrap();
        assert!(
            defs[data.strip_prefix("#/$defs/").unwrap()].is_object(),
            "{event_type}: {data}"
        );
    }
}

#[test]
fn json_schema_honours_serde_attributes() {
    let schema: serde_json::Value = serde_json::from_str(&render()).unwrap();
    let defs = &schema["$defs"];
    // `#[serde(rename = "type")]`: the envelope's field is `type`, not `kind`.
    let envelope = &defs["Envelope"];
    assert!(envelope["properties"]["type"].is_object(), "{envelope}");
    assert!(envelope["properties"]["kind"].is_null(), "{envelope}");
    // `#[serde(default, skip_serializing_if)]`: optional arguments are not required.
    let required = defs["GetHistoryArgs"]["required"].as_array();
    assert!(
        required.is_none_or(|r| r.is_empty()),
        "{}",
        defs["GetHistoryArgs"]
    );
    // `#[serde(rename_all = "snake_case")]` on enums.
    let codes = defs["ErrorCode"].to_string();
    assert!(codes.contains("\"bad_request\""), "{codes}");
}
