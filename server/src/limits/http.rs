//! The HTTP side of the limits, as axum middleware: admission of new Engine.IO connections
//! (per-IP rate, total sockets) and the per-IP request rate of the REST API.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use agentcast_shared::ErrorCode;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Limiters;
use crate::audit::LimitHit;
use crate::http::ApiError;

fn peer(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// A new Engine.IO connection: the handshake request, without a session id yet.
fn is_handshake(request: &Request) -> bool {
    request.uri().path().starts_with("/socket.io/")
        && !request
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("sid=")))
}

/// 429 with the JSON error and `Retry-After` (whole seconds, at least 1).
fn too_many(message: String, retry_after: Duration) -> Response {
    let mut response = ApiError::new(ErrorCode::RateLimited, message).into_response();
    let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_str(&seconds.to_string()).expect("digits are a header value"),
    );
    response
}

/// Refuses a new connection over the per-IP rate (429) or the total (503).
pub async fn admit_connection(
    State(limiters): State<Limiters>,
    request: Request,
    next: Next,
) -> Response {
    if !is_handshake(&request) {
        return next.run(request).await;
    }
    let hits = limiters.hits();
    if let Some(max) = limiters.limits().max_connections {
        let current = limiters.connections();
        if current >= u64::from(max) {
            limiters.hit(
                &hits.max_connections,
                LimitHit::MaxConnections {
                    ip: peer(&request).map(|ip| ip.to_string()),
                    max,
                },
            );
            return ApiError::new(
                ErrorCode::Unavailable,
                format!("the server is at its connection limit ({max}, max_connections); try again later"),
            )
            .into_response();
        }
    }
    if let Some(ip) = peer(&request)
        && let Err(retry_after) = limiters.check_connection_rate(ip)
    {
        let rate = limiters.limits().connections_per_ip_per_s.unwrap_or(0);
        limiters.hit(
            &hits.connections_per_ip,
            LimitHit::ConnectionsPerIp {
                ip: ip.to_string(),
                rate,
            },
        );
        return too_many(
            format!(
                "too many new connections from {ip}: the limit is {rate} per second (connections_per_ip_per_s)"
            ),
            retry_after,
        );
    }
    next.run(request).await
}

/// Answers 429 with `Retry-After` to an address over its request rate. Socket.IO (limited per
/// connection and per message instead) and `/health` are not counted.
pub async fn limit_requests(
    State(limiters): State<Limiters>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let exempt = path.starts_with("/socket.io/") || path == "/health";
    if !exempt
        && let Some(ip) = peer(&request)
        && let Err(retry_after) = limiters.check_request_rate(ip)
    {
        let rate = limiters.limits().http_requests_per_ip_per_s.unwrap_or(0);
        limiters.hit(
            &limiters.hits().http_requests,
            LimitHit::HttpRequestsPerIp {
                ip: ip.to_string(),
                rate,
                path: path.to_owned(),
            },
        );
        return too_many(
            format!(
                "too many requests from {ip}: the limit is {rate} per second (http_requests_per_ip_per_s)"
            ),
            retry_after,
        );
    }
    next.run(request).await
}
