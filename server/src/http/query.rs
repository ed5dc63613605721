//! Query strings parsed into typed parameters, with errors that name the parameter
//! (`limit: invalid digit found in string`), unlike axum's `Query` rejection.

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Like `axum::extract::Query`, answering a bad parameter with a 400 that names it.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(query) = RawQuery::from_request_parts(parts, state)
            .await
            .unwrap_or(RawQuery(None));
        parse(query.as_deref().unwrap_or("")).map(Params)
    }
}

/// Parses `a=1&b=x` into `T`; the error names the parameter.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let message = err.inner().to_string();
        ApiError::bad_request(if path == "." {
            format!("query: {message}")
        } else {
            format!("{path}: {message}")
        })
    })
}

/// A comma-separated list parameter (`types=tool.*,output.text`), empty items dropped.
pub fn comma_list(value: Option<&str>) -> Option<Vec<String>> {
    value.map(|v| {
        v.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Page {
        after: Option<u64>,
        limit: Option<u32>,
    }

    #[test]
    fn parses_and_names_the_bad_parameter() {
        assert_eq!(
            parse::<Page>("after=5&limit=10").unwrap(),
            Page {
                after: Some(5),
                limit: Some(10)
            }
        );
        let err = parse::<Page>("after=5&limit=ten").unwrap_err();
        assert!(err.0.message.starts_with("limit: "), "{}", err.0.message);
        let err = parse::<Page>("afer=5").unwrap_err();
        assert!(
            err.0.message.contains("unknown field `afer`"),
            "{}",
            err.0.message
        );
    }

    #[test]
    fn comma_lists_drop_empty_items() {
        assert_eq!(
            comma_list(Some("tool.*, output.text,,")).unwrap(),
            ["tool.*", "output.text"]
        );
        assert_eq!(comma_list(None), None);
    }
}
