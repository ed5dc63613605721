//! The testable seam: [`serve`] runs agentcast on a bound listener until `shutdown` resolves.
//! `main` binds the address and passes the signal future; tests bind port 0.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use socketioxide::SocketIo;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http::AppState;
use crate::hub::{Hub, HubLimits, Stats, retention, stats};
use crate::socket::adapter::{BroadcastLedger, TrackingAdapter};
use crate::sources::Supervisor;
use crate::store::{self, StoreError};
use crate::{conformance, demo, http, socket};

/// Serves until `shutdown` resolves, then closes every socket (they receive a disconnect),
/// stops accepting, and lets the sessions finish their queued work within the grace period.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if config.conformance {
        let (router, io) = conformance::router();
        return axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                shutdown.await;
                io.close().await;
            })
            .await;
    }

    let built = build(&config).await.map_err(std::io::Error::other)?;
    serve_built(listener, built, &config, shutdown).await
}

/// What [`build`] makes: the router and the services behind it.
pub struct Built {
    pub router: Router,
    pub hub: Hub,
    pub supervisor: Supervisor,
}

/// Serves a [`Built`] server until `shutdown` resolves (see [`serve`]). `agentcast run`
/// uses this to keep the hub and publish into it.
pub async fn serve_built(
    listener: TcpListener,
    built: Built,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Built {
        router,
        hub,
        supervisor,
    } = built;
    let ticker = tokio::spawn(stats::run_ticker(hub.clone(), config.stats_interval));
    let sweeper = tokio::spawn(retention::sweep(hub.clone()));
    let demo = config
        .demo
        .then(|| tokio::spawn(demo::run(hub.clone(), config.demo_speed)));
    let io = hub.io().clone();
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: closing sockets");
            io.close().await;
        })
        .await;
    ticker.abort();
    sweeper.abort();
    supervisor.stop_all();
    if let Some(demo) = demo {
        demo.abort();
    }
    hub.shutdown(config.shutdown_grace).await;
    tracing::info!("stopped");
    served
}

/// The router (Socket.IO layer included) and the hub behind it, on the store the
/// configuration names. Sessions a previous run left running are marked interrupted.
pub async fn build(config: &Config) -> Result<Built, StoreError> {
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
        tail_events: config.tail_events,
        retention: config.retention,
        commit_max_events: config.commit_max_events,
        commit_linger: config.commit_linger,
        ingest: config.ingest_limits(),
    };
    let hub = Hub::new(io.clone(), store, limits, Arc::new(Stats::new(ledger)));
    let supervisor = Supervisor::new(
        hub.clone(),
        config.allow_commands.clone(),
        config.ingest_limits(),
        config.process_grace,
    );
    socket::register(&io, &hub);
    let state = AppState {
        hub: hub.clone(),
        supervisor: supervisor.clone(),
        config: Arc::new(config.clone()),
    };
    let router = http::routes(state).layer(layer);
    Ok(Built {
        router,
        hub,
        supervisor,
    })
}
