//! The testable seam: [`serve`] runs agentcast on a bound listener until `shutdown` resolves.
//! `main` binds the address and passes the signal future; tests bind port 0.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use socketioxide::SocketIo;

use crate::audit::Audit;
use crate::auth::{Authenticator, KeyError};
use crate::config::Config;
use crate::http::AppState;
use crate::hub::{Hub, HubLimits, Stats, retention, stats};
use crate::limits::http::Admission;
use crate::limits::{self, Hits, Limiters};
use crate::listener::Listener;
use crate::socket::SocketSecurity;
use crate::socket::adapter::{BroadcastLedger, TrackingAdapter};
use crate::sources::Supervisor;
use crate::store::{self, StoreError};
use crate::{conformance, demo, http, socket};

/// Serves until `shutdown` resolves, then closes every socket (they receive a disconnect),
/// stops accepting, and lets the sessions finish their queued work within the grace period.
pub async fn serve(
    listener: impl Into<Listener>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if config.conformance {
        return conformance::serve(listener.into(), shutdown).await;
    }

    let built = build(&config).await.map_err(std::io::Error::other)?;
    serve_built(listener, built, &config, shutdown).await
}

/// What [`build`] makes: the router and the services behind it.
pub struct Built {
    pub router: Router,
    pub hub: Hub,
    pub supervisor: Supervisor,
    /// Verifies and signs tokens (the startup URL's token comes from it).
    pub auth: Authenticator,
    /// The rate and connection limits (their idle buckets are swept while serving).
    pub limiters: Limiters,
}

/// Serves a [`Built`] server until `shutdown` resolves (see [`serve`]). `agentcast run`
/// uses this to keep the hub and publish into it.
pub async fn serve_built(
    listener: impl Into<Listener>,
    built: Built,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Built {
        router,
        hub,
        supervisor,
        limiters,
        ..
    } = built;
    let limits_sweeper = tokio::spawn(limiters.sweep());
    let ticker = tokio::spawn(stats::run_ticker(hub.clone(), config.stats_interval));
    let sweeper = tokio::spawn(retention::sweep(hub.clone()));
    let demo = config
        .demo
        .then(|| tokio::spawn(demo::run(hub.clone(), config.demo_speed)));
    let io = hub.io().clone();
    // Plain or TLS, with TCP_NODELAY and the peer address (listener.rs).
    let (shutting_down, shutdown_started) = tokio::sync::oneshot::channel::<()>();
    let serving = listener.into().serve(router, async move {
        shutdown.await;
        let _ = shutting_down.send(());
        tracing::info!("shutting down: closing sockets");
        io.close().await;
    });
    // axum waits for every open request, and a long-poll of an Engine.IO connection that has
    // no namespace socket is not closed by `io.close()`: bound the wait by the grace period.
    let grace = config.shutdown_grace;
    let served = tokio::select! {
        served = serving => served,
        () = async {
            match shutdown_started.await {
                Ok(()) => tokio::time::sleep(grace).await,
                Err(_) => std::future::pending().await,
            }
        } => {
            tracing::warn!(?grace, "requests still open after the grace period: dropped");
            Ok(())
        }
    };
    ticker.abort();
    sweeper.abort();
    limits_sweeper.abort();
    supervisor.stop_all();
    if let Some(demo) = demo {
        demo.abort();
    }
    hub.shutdown(config.shutdown_grace).await;
    tracing::info!("stopped");
    served
}

/// Why the server could not be built; each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("JWT keys: {0}")]
    Keys(#[from] KeyError),
    #[error("cannot open the {0}")]
    Audit(std::io::Error),
}

/// The router (Socket.IO layer included) and the hub behind it, on the store the
/// configuration names. Sessions a previous run left running are marked interrupted.
pub async fn build(config: &Config) -> Result<Built, BuildError> {
    let authenticator = Authenticator::from_config(&config.security)?;
    let audit = Audit::open(&config.security.audit).map_err(BuildError::Audit)?;
    let store = store::open(&config.data_dir, config.durability).await?;
    let interrupted = store.mark_interrupted_on_startup().await?;
    if !interrupted.is_empty() {
        tracing::warn!(sessions = ?interrupted, "sessions left running by the previous run are now interrupted");
    }
    let ledger = Arc::new(BroadcastLedger::default());
    let (layer, io) = SocketIo::builder()
        .with_adapter::<TrackingAdapter>(ledger.clone())
        .max_buffer_size(config.max_buffer_size)
        .max_payload(config.max_payload)
        // max_payload bounds polling bodies; websocket messages have their own limit.
        .ws_max_message_size(config.max_payload as usize)
        .ws_max_frame_size(config.max_payload as usize)
        .ws_read_buffer_size(config.ws_read_buffer_size)
        .ping_interval(config.ping_interval)
        .ping_timeout(config.ping_timeout)
        .connect_timeout(config.connect_timeout)
        .build_layer();
    let limits = HubLimits {
        max_events_per_publish: config.max_events_per_publish,
        session_queue: config.session_queue,
        // The tail serves recoveries without the disk: it must not hold more than retention
        // keeps, or a recovery would answer differently before and after a restart.
        tail_events: config
            .retention
            .max_events_per_session
            .map_or(config.tail_events, |max| {
                config
                    .tail_events
                    .min(usize::try_from(max).unwrap_or(usize::MAX))
            }),
        retention: config.retention,
        commit_max_events: config.commit_max_events,
        commit_linger: config.commit_linger,
        ingest: config.ingest_limits(),
    };
    let limits_hit = Arc::new(Hits::default());
    let stats = Stats::new(ledger, limits_hit.clone());
    let hub = Hub::new(io.clone(), store, limits, Arc::new(stats));
    let supervisor = Supervisor::new(
        hub.clone(),
        config.allow_commands.clone(),
        config.ingest_limits(),
        config.process_grace,
    );
    let limiters = Limiters::new(config.security.limits, audit.clone(), limits_hit);
    let security = SocketSecurity {
        auth: authenticator.clone(),
        audit: audit.clone(),
        expiry_grace: config.security.token_expiry_grace,
        limiters: limiters.clone(),
    };
    socket::register(&io, &hub, &security);
    let state = AppState {
        hub: hub.clone(),
        supervisor: supervisor.clone(),
        config: Arc::new(config.clone()),
        auth: authenticator.clone(),
        audit,
    };
    // Layers run outside in: CORS, then the connection admission (before Socket.IO sees a
    // handshake), then Socket.IO, then the REST request rate.
    let admission = Admission {
        limiters: limiters.clone(),
        stats: hub.stats().clone(),
    };
    let router = http::routes(state)
        .layer(middleware::from_fn_with_state(
            limiters.clone(),
            limits::http::limit_requests,
        ))
        .layer(layer)
        .layer(middleware::from_fn_with_state(
            admission,
            limits::http::admit_connection,
        ))
        .layer(http::cors::layer(&config.security.cors_origins));
    Ok(Built {
        router,
        hub,
        supervisor,
        auth: authenticator,
        limiters,
    })
}
