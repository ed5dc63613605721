//! A small JSON-over-HTTP client for the REST tests: every call has a timeout and returns the
//! status with the body parsed as JSON (`Value::Null` when it is empty or not JSON).

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

/// Every HTTP call of the tests waits at most this long.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// An answer: the status and the body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub content_type: Option<String>,
}

impl Answer {
    /// The error code of a JSON error body, `""` if it has none.
    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The error message of a JSON error body, `""` if it has none.
    pub fn error_message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
}

/// A client of one server's REST API.
#[derive(Clone)]
pub struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    /// `base` like `http://127.0.0.1:1234`.
    pub fn new(base: impl Into<String>) -> Self {
        Api {
            base: base.into(),
            client: reqwest::Client::builder()
                .timeout(HTTP_TIMEOUT)
                .build()
                .expect("an HTTP client"),
        }
    }

    pub fn for_addr(addr: std::net::SocketAddr) -> Self {
        Self::new(format!("http://{addr}"))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body.to_string())).await
    }

    /// `POST` with `Authorization: Bearer <token>`.
    pub async fn post_as(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call_as(Method::POST, path, Some(token), Some(body.to_string()))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(body.to_string())).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }

    /// Any method with an optional raw JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<String>) -> Answer {
        self.call_as(method, path, None, body).await
    }

    /// Like [`call`](Self::call) with `Authorization: Bearer <token>`.
    pub async fn call_as(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Answer {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response
            .text()
            .await
            .unwrap_or_else(|err| panic!("{method} {path}: reading the body: {err}"));
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            body,
            text,
            content_type,
        }
    }
}
