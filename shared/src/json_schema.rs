//! JSON Schema of the wire contract (feature `schemars`), committed as
//! `shared/python/schema/agentcast.schema.json`: the Python package's models are generated
//! from it (datamodel-code-generator, see `shared/python/README.md`).
//!
//! [`render`] collects the schemas that schemars derives from the Rust types (so serde's
//! renames, tags and defaults are honoured) under `$defs`, and adds what a typed client needs
//! that no single Rust type spells out: one envelope per event type (`ToolStartedEnvelope`:
//! the [`Envelope`] whose `type` is the constant `"tool.started"` and whose `data` is a
//! [`ToolStarted`](crate::ToolStarted)) and `KnownEnvelope`, their union discriminated on
//! `type`. The test `json_schema_is_fresh` keeps the committed file equal to it.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::commands::*;
use crate::control::*;
use crate::{Claims, Envelope, ErrorBody, Event, events, rest};

/// The generated file, relative to the workspace root.
pub const OUTPUT_PATH: &str = "shared/python/schema/agentcast.schema.json";

/// The environment variable that makes the freshness test rewrite the file instead of failing.
pub const UPDATE_ENV: &str = "AGENTCAST_UPDATE_SCHEMA";

/// The name of the union of every typed envelope in `$defs`.
pub const KNOWN_ENVELOPE: &str = "KnownEnvelope";

/// The document's title: what it validates, any envelope a client receives.
pub const ANY_ENVELOPE: &str = "AnyEnvelope";

/// The whole content of `shared/python/schema/agentcast.schema.json` (JSON Schema 2020-12,
/// every type under `$defs`, in a stable order).
pub fn render() -> String {
    let mut generator = SchemaSettings::draft2020_12().into_generator();

    // The Socket.IO contract, in the order of the TypeScript definitions.
    generator.subschema_for::<Envelope>();
    let typed = events::schemars_typed_envelopes(&mut generator);
    generator.subschema_for::<Event>();
    generator.subschema_for::<ErrorBody>();
    generator.subschema_for::<SubscribeArgs>();
    generator.subschema_for::<Subscription>();
    generator.subschema_for::<GetHistoryArgs>();
    generator.subschema_for::<HistoryPage>();
    generator.subschema_for::<GetStatusArgs>();
    generator.subschema_for::<SessionStatusReport>();
    generator.subschema_for::<HubStatusReport>();
    generator.subschema_for::<IngestArgs>();
    generator.subschema_for::<IngestResult>();
    generator.subschema_for::<PublishArgs>();
    generator.subschema_for::<PublishResult>();
    generator.subschema_for::<RefreshArgs>();
    generator.subschema_for::<Refreshed>();
    generator.subschema_for::<PingArgs>();
    generator.subschema_for::<Pong>();
    generator.subschema_for::<PromptArgs>();
    generator.subschema_for::<PromptResult>();
    generator.subschema_for::<InterruptArgs>();
    generator.subschema_for::<InterruptResult>();
    generator.subschema_for::<EndArgs>();
    generator.subschema_for::<EndResult>();
    generator.subschema_for::<PermissionRespondArgs>();
    generator.subschema_for::<PermissionResponded>();
    generator.subschema_for::<ConnectAuth>();
    generator.subschema_for::<Claims>();
    // The REST bodies a client reads besides the socket: sessions, health, who am I, errors.
    generator.subschema_for::<rest::SessionList>();
    generator.subschema_for::<rest::SessionDetail>();
    generator.subschema_for::<rest::Health>();
    generator.subschema_for::<rest::WhoAmI>();
    generator.subschema_for::<rest::ErrorResponse>();

    let mut defs = generator.take_definitions(true);
    // Name the `publish` items (`Event`'s variants, in table order) after their data, so
    // generated code has `ToolStartedEvent`, not a numbered anonymous class.
    let items = defs["Event"]["oneOf"]
        .as_array_mut()
        .expect("`Event` is a `oneOf` of its variants");
    for (item, (_, data_name, _)) in items.iter_mut().zip(&typed) {
        item["title"] = Value::String(format!("{data_name}Event"));
    }
    let mut variants = Vec::with_capacity(typed.len());
    let mut mapping = Map::new();
    for (kind, data_name, schema) in typed {
        let name = format!("{data_name}Envelope");
        let mut schema = schema.to_value();
        let object = schema
            .as_object_mut()
            .expect("an envelope's schema is an object schema");
        object.insert("title".into(), Value::String(name.clone()));
        object.insert(
            "description".into(),
            Value::String(format!(
                "An envelope of type `{kind}`, its data a `{data_name}`."
            )),
        );
        object["properties"]["type"] = json!({ "type": "string", "const": kind });
        let reference = format!("#/$defs/{name}");
        variants.push(json!({ "$ref": reference }));
        mapping.insert(kind.to_owned(), Value::String(reference));
        defs.insert(name, schema);
    }
    defs.insert(
        KNOWN_ENVELOPE.to_owned(),
        json!({
            "description": "An envelope of a known event type, its `data` typed by its `type`.",
            "oneOf": variants,
            "discriminator": { "propertyName": "type", "mapping": mapping },
        }),
    );

    // The document itself validates what a client receives: a known envelope, or the generic
    // one (an event type newer than this schema); every wire type is under `$defs`.
    let document = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": ANY_ENVELOPE,
        "description": format!(
            "The agentcast wire contract, generated from the Rust types of agentcast-shared. \
             Do not edit by hand: run `{UPDATE_ENV}=1 cargo test -p agentcast-shared \
             json_schema` to regenerate. The document validates one received envelope: a \
             `{KNOWN_ENVELOPE}`, or an `Envelope` of a type newer than this schema."
        ),
        "anyOf": [
            { "$ref": format!("#/$defs/{KNOWN_ENVELOPE}") },
            { "$ref": "#/$defs/Envelope" },
        ],
        "$defs": defs,
    });
    // Cannot fail: a tree of `serde_json::Value`s with string keys.
    let mut out = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
    out.push('\n');
    out
}
