//! `GET /.well-known/jwks.json`: the public keys that verify this server's tokens, as a JSON
//! Web Key Set (RFC 7517), for other services that check agentcast tokens themselves. Open
//! to anyone: it holds only public keys (RS256, EdDSA; each with its `kid`). An HS256 server
//! answers an empty set: a shared secret is never published.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::state::AppState;

#[utoipa::path(
    get, path = "/.well-known/jwks.json", tag = "auth",
    description = "Public: no token needed. The public keys that verify tokens now (RS256, \
        EdDSA), with their `kid`, `alg` and `use: sig`; a key rotated out is listed until its \
        overlap ends. An HS256 secret is never listed: an HS256 server answers `{\"keys\": []}`.",
    responses((status = 200, description = "A JWK Set (RFC 7517)", content_type = "application/json", body = Object))
)]
pub async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    // Tokens of a new key appear right after a rotation: a minute bounds how long a cached
    // copy misses it (verifiers should also refetch on a kid they do not know).
    (
        [(header::CACHE_CONTROL, "max-age=60")],
        Json(state.auth.jwks()),
    )
}
