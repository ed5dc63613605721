//! Security settings (DESIGN.md section 5), each group a section of the TOML file:
//!
//! - `auth` (`[auth]`): authentication, the JWT keys, CORS and the audit log
//!   ([`AuthSettings`]);
//! - `limits` (`[limits]`): connection and rate limits ([`Limits`]);
//! - `tls` (`[tls]`): the certificate and key ([`TlsSettings`]).

mod auth;
mod limits;
mod tls;

pub use auth::{AuditTarget, AuthArgs, AuthFile, AuthMode, AuthSettings, JwtAlgorithm};
pub use limits::{Limits, LimitsArgs, LimitsFile};
pub use tls::{TlsArgs, TlsConfig, TlsFile, TlsSettings};
