//! The testable seam: [`serve`] runs agentcast on a bound listener until `shutdown` resolves.
//! `main` binds the address and passes the signal future; tests bind port 0.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;

use crate::audit::Audit;
use crate::auth::{Authenticator, KeyError};
use crate::config::{CollectSettings, Config};
use crate::control::{ControlSettings, Controls};
use crate::http::AppState;
use crate::hub::{Hub, Stats, follow, retention, stats, system_error};
use crate::limits::{self, Limiters};
use crate::listener::Listener;
use crate::services::Services;
use crate::socket::{self, SocketLayer, SocketSecurity};
use crate::sources::Supervisor;
use crate::store::{self, StoreError};
use crate::{collect, conformance, demo, http, mcp_server, metrics, tmux};

/// Serves until `shutdown` resolves, then closes every socket (they receive a disconnect),
/// stops accepting, and lets the sessions finish their queued work within the grace period.
pub async fn serve(
    listener: impl Into<Listener>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if config.server.conformance {
        return conformance::serve(listener.into(), shutdown).await;
    }

    let built = build(&config).await.map_err(std::io::Error::other)?;
    serve_built(listener, built, &config, shutdown).await
}

/// What [`build`] makes: the router and the services behind it.
pub struct Built {
    pub router: Router,
    pub hub: Hub,
    /// The Socket.IO server, closed first at shutdown.
    pub sockets: SocketLayer,
    pub supervisor: Supervisor,
    /// Verifies and signs tokens (the startup URL's token comes from it).
    pub auth: Authenticator,
    /// The rate and connection limits (their idle buckets are swept while serving).
    pub limiters: Limiters,
    /// The audit log: what is queued is written before [`serve_built`] returns (waiting the
    /// shutdown grace, at least a second).
    pub audit: Audit,
    /// Ends the MCP sessions of `/mcp` (and their notification streams) at shutdown.
    pub mcp_shutdown: tokio_util::sync::CancellationToken,
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
        sockets,
        supervisor,
        limiters,
        audit,
        mcp_shutdown,
        ..
    } = built;
    // First, so an address that cannot be bound stops the start before any task runs.
    let metrics = match config.server.metrics_bind {
        Some(addr) => {
            let sources = metrics::Sources {
                hub: hub.clone(),
                sockets: sockets.clone(),
                audit: audit.clone(),
            };
            Some(metrics::bind_separate(addr, sources).await?)
        }
        None => None,
    };
    let limits_sweeper = tokio::spawn(limiters.sweep());
    let ticker = tokio::spawn(stats::run_ticker(hub.clone(), config.hub.stats_interval));
    let sweeper = tokio::spawn(retention::sweep(hub.clone()));
    let errors = tokio::spawn(system_error::run(
        hub.clone(),
        config.hub.system_error_interval,
    ));
    let follower = hub
        .store()
        .change_feed()
        .map(|feed| tokio::spawn(follow::follow_other_servers(hub.clone(), feed)));
    let demo = config
        .demo
        .enabled
        .then(|| tokio::spawn(demo::run(hub.clone(), config.demo.speed)));
    let collector = collect::spawn(hub.clone(), config.collect.clone(), config.ingest.limits());
    let tmux = config.tmux.enabled.then(|| {
        let max_file_bytes = config.ingest.limits().max_line_bytes;
        tmux::spawn(hub.clone(), config.tmux.clone(), max_file_bytes)
    });
    // Plain or TLS, with TCP_NODELAY and the peer address (listener.rs).
    let (shutting_down, shutdown_started) = tokio::sync::oneshot::channel::<()>();
    let serving = listener.into().serve(router, async move {
        shutdown.await;
        let _ = shutting_down.send(());
        tracing::info!("shutting down: closing sockets");
        sockets.close().await;
        mcp_shutdown.cancel();
    });
    // axum waits for every open request, and a long-poll of an Engine.IO connection that has
    // no namespace socket is not closed by `io.close()`: bound the wait by the grace period.
    let grace = config.server.shutdown_grace;
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
    errors.abort();
    if let Some(follower) = follower {
        follower.abort();
    }
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    limits_sweeper.abort();
    supervisor.stop_all();
    if let Some(demo) = demo {
        demo.abort();
    }
    // Before the hub stops: what it was publishing is committed with its cursor or not at all.
    if let Some(collector) = collector {
        collector.abort();
        let _ = collector.await;
    }
    if let Some(tmux) = tmux {
        tmux.abort();
    }
    hub.shutdown(grace).await;
    // Last, so what is recorded while stopping is written too; at least a second even with no
    // grace, since a security review needs the log's last lines more than a fast exit.
    let audit_wait = grace.max(Duration::from_secs(1));
    match tokio::time::timeout(audit_wait, audit.flush()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::error!(%err, "the audit log could not be flushed"),
        Err(_) => tracing::warn!(?audit_wait, "audit log lines still queued at exit"),
    }
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
/// The Claude Code transcript roots the collector reads: a hook payload whose transcript
/// lies under one takes only its status from the hook (the transcript shows the rest).
fn collected_claude_roots(collect: &CollectSettings) -> Vec<PathBuf> {
    if collect.disabled {
        return Vec::new();
    }
    collect.claude_projects_dirs.clone()
}

pub async fn build(config: &Config) -> Result<Built, BuildError> {
    let authenticator = Authenticator::from_config(&config.auth)?;
    let audit = Audit::open(&config.auth.audit).map_err(BuildError::Audit)?;
    let store = store::open(
        &config.server.data_dir,
        config.store.durability,
        config.store.database_url.as_ref(),
    )
    .await?;
    // On a store other servers share, a session left running may be another server's, live:
    // only a server alone on its store knows that the running ones were its own.
    if !store.events().is_shared() {
        let interrupted = store.sessions().mark_interrupted_on_startup().await?;
        if !interrupted.is_empty() {
            tracing::warn!(sessions = ?interrupted, "sessions left running by the previous run are now interrupted");
        }
    }
    let stats = Arc::new(Stats::default());
    let (layer, sockets) = SocketLayer::new(&config.engine, stats.clone());
    let hub = Hub::new(
        store,
        sockets.delivery(),
        config.hub.clone(),
        config.ingest.limits(),
        stats.clone(),
    );
    let controls = Controls::new(
        ControlSettings {
            permission_timeout: config.processes.permission_timeout,
            idle_timeout: config.processes.control_idle_timeout,
        },
        audit.clone(),
        hub.clone(),
    );
    let supervisor = Supervisor::new(
        hub.clone(),
        config.processes.allow_commands.clone(),
        config.ingest.limits(),
        config.processes.grace,
        controls.clone(),
    );
    let limiters = Limiters::new(config.limits, audit.clone(), stats);
    let security = SocketSecurity {
        auth: authenticator.clone(),
        audit: audit.clone(),
        expiry_grace: config.auth.token_expiry_grace,
        limiters: limiters.clone(),
    };
    sockets.register(&hub, &security, &controls);
    let state = AppState {
        hub: hub.clone(),
        sockets: sockets.clone(),
        supervisor: supervisor.clone(),
        controls: controls.clone(),
        services: Services::new(&hub, &supervisor, collected_claude_roots(&config.collect)),
        config: Arc::new(config.clone()),
        auth: authenticator.clone(),
        audit: audit.clone(),
    };
    // Layers run outside in: CORS, then the connection admission (before Socket.IO sees a
    // handshake), the `OriginalUri` copy a socket keeps, then Socket.IO, then the REST
    // request rate.
    let mcp_shutdown = tokio_util::sync::CancellationToken::new();
    let mcp = mcp_server::routes(state.clone(), mcp_shutdown.clone());
    let router = http::routes(state)
        .merge(mcp)
        .layer(middleware::from_fn_with_state(
            limiters.clone(),
            limits::http::limit_requests,
        ))
        .layer(layer)
        .layer(middleware::map_request(socket::detach_original_uri))
        .layer(middleware::from_fn_with_state(
            limiters.clone(),
            limits::http::admit_connection,
        ))
        .layer(http::cors::layer(&config.auth.cors_origins));
    Ok(Built {
        router,
        hub,
        sockets,
        supervisor,
        auth: authenticator,
        limiters,
        audit,
        mcp_shutdown,
    })
}
