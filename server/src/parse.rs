//! Parsing command arguments and request bodies into `shared` types, with errors that name
//! the field (`events[0]: missing field tool_use_id`), for sockets and HTTP alike.

use agentcast_shared::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A command argument; a missing (null) argument counts as `{}`.
pub fn from_value<T: DeserializeOwned>(args: Value) -> Result<T, ErrorBody> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    serde_path_to_error::deserialize(args).map_err(|err| describe(err, "arguments"))
}

/// A JSON request body.
pub fn from_slice<T: DeserializeOwned>(body: &[u8]) -> Result<T, ErrorBody> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| describe(err, "body"))
}

fn describe(err: serde_path_to_error::Error<serde_json::Error>, root: &str) -> ErrorBody {
    let path = err.path().to_string();
    let place = if path == "." { root } else { &path };
    ErrorBody::new(ErrorCode::BadRequest, format!("{place}: {}", err.inner()))
}
