//! `agentcast mcp`: MCP over stdin/stdout, for clients that start their MCP servers as
//! processes (Claude Code's `--mcp-config`, editors). It runs no tools itself: each request is
//! forwarded to a running server's `/mcp` (streamable HTTP, with the token of the client
//! commands: flag, variable, `~/.config/agentcast/config.toml`, or one signed with the local
//! data directory's key), and the server's resource notifications come back. So one
//! implementation serves both, and the tools see the server's sessions and state.
//!
//! The upstream connection is made on the first request and made again after it breaks (a
//! server restart): a client is told "unreachable" on a call rather than losing its MCP
//! server at start. Legacy resource subscriptions are replayed on a new connection.
//!
//! Both sides speak the handshake-era protocol (`initialize`, up to 2025-11-25), whose
//! resource subscriptions are `resources/subscribe`; rmcp marks those calls deprecated in
//! favour of 2026-07-28's `subscriptions/listen`, hence the `allow(deprecated)` below.

#![allow(deprecated)] // resources/subscribe: see the module doc.

use std::collections::BTreeSet;
use std::sync::Arc;

use agentcast_shared::Scope;
use clap::Args;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
    ResourceUpdatedNotificationParam, ServerConfig, SubscribeRequestParams,
    UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, Peer, RequestContext, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{
    ClientHandler, ErrorData as McpError, RoleClient, RoleServer, ServerHandler, ServiceExt,
};
use tokio::sync::Mutex;

use super::route::MCP_PATH;
use crate::remote::{Remote, RemoteArgs, exit_code};

/// Options of `agentcast mcp`.
#[derive(Debug, Clone, Args)]
pub struct McpArgs {
    /// Without a token given or configured, sign the local one with the control scope (the
    /// agent may then prompt, interrupt and answer permission requests); read otherwise.
    #[arg(long)]
    pub control: bool,
    #[command(flatten)]
    pub remote: RemoteArgs,
}

/// Runs the bridge until stdin closes; the process's exit code.
pub async fn run(args: McpArgs) -> i32 {
    let scope = if args.control {
        Scope::Control
    } else {
        Scope::Read
    };
    let remote = match Remote::resolve(args.remote, scope) {
        Ok(remote) => remote,
        Err(err) => {
            eprintln!("agentcast mcp: {err}");
            return exit_code::USAGE;
        }
    };
    if remote.server.starts_with("https://") {
        eprintln!(
            "agentcast mcp: https servers are not supported yet (this build's HTTP client has \
             no TLS); reach the server over http on a trusted network or through an SSH tunnel"
        );
        return exit_code::USAGE;
    }
    let bridge = Bridge::new(remote);
    let service = match bridge.serve(rmcp::transport::stdio()).await {
        Ok(service) => service,
        Err(err) => {
            eprintln!("agentcast mcp: the MCP client did not initialize: {err}");
            return exit_code::FAILED;
        }
    };
    match service.waiting().await {
        Ok(_) => exit_code::OK,
        Err(err) => {
            eprintln!("agentcast mcp: {err}");
            exit_code::FAILED
        }
    }
}

/// The stdio side: answers `initialize` itself, forwards the rest upstream.
#[derive(Clone)]
struct Bridge {
    inner: Arc<BridgeInner>,
}

struct BridgeInner {
    remote: Remote,
    /// The upstream connection, made on demand.
    upstream: Mutex<Option<RunningService<RoleClient, Forward>>>,
    /// The URIs the client subscribed to, replayed on a new upstream connection.
    subscribed: Mutex<BTreeSet<String>>,
}

/// The upstream side: the server's notifications go to the stdio client.
struct Forward {
    downstream: Peer<RoleServer>,
}

impl ClientHandler for Forward {
    async fn on_resource_updated(
        &self,
        params: ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        // The stdio client may be gone; the bridge ends with it anyway.
        let _ = self.downstream.notify_resource_updated(params).await;
    }
}

/// What a forwarded request can end in.
enum Failure {
    /// The server answered with an MCP error: passed on as it is.
    Mcp(McpError),
    /// The server could not be reached or the connection broke.
    Unreachable(String),
}

impl Failure {
    fn into_mcp(self) -> McpError {
        match self {
            Failure::Mcp(err) => err,
            Failure::Unreachable(message) => McpError::internal_error(message, None),
        }
    }
}

impl Bridge {
    fn new(remote: Remote) -> Bridge {
        Bridge {
            inner: Arc::new(BridgeInner {
                remote,
                upstream: Mutex::new(None),
                subscribed: Mutex::new(BTreeSet::new()),
            }),
        }
    }

    fn endpoint(&self) -> String {
        format!(
            "{}{MCP_PATH}",
            self.inner.remote.server.trim_end_matches('/')
        )
    }

    fn unreachable(&self, err: impl std::fmt::Display) -> Failure {
        Failure::Unreachable(format!(
            "the agentcast server at {} is unreachable or refused the connection: {err}",
            self.inner.remote.server
        ))
    }

    /// A connection to the server's `/mcp`, replaying the client's subscriptions.
    async fn connect(
        &self,
        downstream: Peer<RoleServer>,
    ) -> Result<RunningService<RoleClient, Forward>, Failure> {
        let mut config = StreamableHttpClientTransportConfig::with_uri(self.endpoint());
        // A restarted server has lost the MCP session: rmcp would make a new one underneath,
        // without the client's subscriptions. Failing instead lets `forward` connect anew and
        // replay them.
        config.reinit_on_expired_session = false;
        if let Some(token) = &self.inner.remote.token {
            config = config.auth_header(token.clone());
        }
        let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
        let service = Forward { downstream }
            .serve(transport)
            .await
            .map_err(|err| self.unreachable(err))?;
        for uri in self.inner.subscribed.lock().await.iter() {
            let params = SubscribeRequestParams::new(uri.clone());
            if let Err(err) = service.subscribe(params).await {
                tracing::warn!(%err, uri, "re-subscribing after a reconnect failed");
            }
        }
        Ok(service)
    }

    /// Runs `call` on the upstream connection, connecting first if needed, and once more on
    /// a fresh connection when the first one broke.
    async fn forward<T, F, Fut>(
        &self,
        context: &RequestContext<RoleServer>,
        call: F,
    ) -> Result<T, Failure>
    where
        F: Fn(Peer<RoleClient>) -> Fut,
        Fut: Future<Output = Result<T, ServiceError>>,
    {
        let mut upstream = self.inner.upstream.lock().await;
        for attempt in 0..2 {
            let peer = match upstream.as_ref() {
                Some(service) if !service.is_closed() => service.peer().clone(),
                _ => {
                    let service = self.connect(context.peer.clone()).await?;
                    let peer = service.peer().clone();
                    *upstream = Some(service);
                    peer
                }
            };
            match call(peer).await {
                Ok(value) => return Ok(value),
                Err(ServiceError::McpError(err)) => return Err(Failure::Mcp(err)),
                Err(err) if attempt == 0 => {
                    tracing::info!(%err, "the upstream MCP connection broke; reconnecting");
                    *upstream = None;
                }
                Err(err) => return Err(self.unreachable(err)),
            }
        }
        unreachable!("the loop returns on its second attempt")
    }
}

impl ServerHandler for Bridge {
    /// The handshake-era versions only: the bridge follows resources through
    /// `resources/subscribe`, which 2026-07-28 replaced.
    fn supported_protocol_versions(&self) -> std::borrow::Cow<'static, [ProtocolVersion]> {
        std::borrow::Cow::Borrowed(ProtocolVersion::known_up_to(
            &ProtocolVersion::LATEST_WITH_INITIALIZE,
        ))
    }

    fn get_info(&self) -> ServerConfig {
        super::server_config()
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        self.forward(&context, |peer| {
            let request = request.clone();
            async move { peer.list_tools(request).await }
        })
        .await
        .map_err(Failure::into_mcp)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let result = self
            .forward(&context, |peer| {
                let request = request.clone();
                async move { peer.call_tool(request).await }
            })
            .await;
        match result {
            Ok(result) => Ok(result.into()),
            Err(Failure::Mcp(err)) => Err(err),
            // A model reads a tool error; a protocol error it would not see.
            Err(Failure::Unreachable(message)) => {
                Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into())
            }
        }
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        self.forward(&context, |peer| {
            let request = request.clone();
            async move { peer.list_resources(request).await }
        })
        .await
        .map_err(Failure::into_mcp)
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        self.forward(&context, |peer| {
            let request = request.clone();
            async move { peer.list_resource_templates(request).await }
        })
        .await
        .map_err(Failure::into_mcp)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        self.forward(&context, |peer| {
            let request = request.clone();
            async move { peer.read_resource(request).await }
        })
        .await
        .map(Into::into)
        .map_err(Failure::into_mcp)
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let uri = request.uri.clone();
        self.forward(&context, |peer| {
            let request = request.clone();
            async move { peer.subscribe(request).await }
        })
        .await
        .map_err(Failure::into_mcp)?;
        self.inner.subscribed.lock().await.insert(uri);
        Ok(())
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.inner.subscribed.lock().await.remove(&request.uri);
        self.forward(&context, |peer| {
            let request = request.clone();
            async move { peer.unsubscribe(request).await }
        })
        .await
        .map_err(Failure::into_mcp)
    }
}
