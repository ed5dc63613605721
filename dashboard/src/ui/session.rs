//! One session: its newest history page over REST, then live events from its namespace
//! (replayed from our head, so nothing is missed or doubled), batched into the model once
//! per animation frame; older pages and gaps are paged in on demand. Which pages to fetch
//! and what to do with them is decided by `model::paging`; this fetches them. Each time its
//! namespace connects, `get_status` says whether it takes control commands, who watches it
//! and which permission requests are open (`session.presence` keeps the watchers current).

use agentcast_client::Session;
use agentcast_shared::{Envelope, Event, GetHistoryArgs, HistoryPage, Watcher};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use super::events::EventsPanel;
use super::feed::Feed;
use super::permissions::PermissionCards;
use super::presence::Presence;
use super::todos::TodosPanel;
use super::tools::ToolsPanel;
use super::transcript::TranscriptPanel;
use super::usage::UsagePanel;
use crate::model::paging::{Answered, PageRequest, Paging, Recovery};
use crate::model::session::SessionModel;
use crate::model::sessions::SessionText;

/// What the session page shares with its panels.
#[derive(Clone, Copy)]
pub(crate) struct SessionCtx {
    pub id: StoredValue<String>,
    pub model: RwSignal<SessionModel>,
    /// The history pages on their way, and what to do with them (`model::paging`).
    paging: RwSignal<Paging>,
    /// A message above the panels: a gap being paged in, a failed page, ...
    pub notice: RwSignal<Option<String>>,
    /// True until the first history page is shown.
    pub loading: RwSignal<bool>,
    /// True while a "load older" page is on its way.
    pub older_loading: Memo<bool>,
    /// The session takes control commands (REST's view, then `get_status`).
    pub controllable: RwSignal<bool>,
    /// Who watches it now (`get_status`, then `session.presence`).
    pub watchers: RwSignal<Vec<Watcher>>,
    /// A `get_status` is on its way (`.0`), and another is wanted after it (`.1`).
    asking: StoredValue<(bool, bool)>,
}

impl SessionCtx {
    pub(crate) fn new(id: String) -> Self {
        let paging = RwSignal::new(Paging::default());
        SessionCtx {
            id: StoredValue::new(id),
            model: RwSignal::new(SessionModel::default()),
            paging,
            notice: RwSignal::new(None),
            loading: RwSignal::new(true),
            older_loading: Memo::new(move |_| paging.with(Paging::loading_older)),
            controllable: RwSignal::new(false),
            watchers: RwSignal::new(Vec::new()),
            asking: StoredValue::new((false, false)),
        }
    }

    /// `get_status` on the session's socket: control, watchers and the open requests. Asked
    /// when the namespace connects and when the session's state changes (a session started a
    /// moment ago may take control commands only once its process is up); asks that come
    /// while one is on its way make one more after it. The page may be gone by the answer.
    fn refresh_status(self, socket: Session) {
        let Some(busy) = self.asking.try_update_value(|(on_way, again)| {
            *again = *on_way;
            std::mem::replace(on_way, true)
        }) else {
            return;
        };
        if busy {
            return;
        }
        spawn_local(async move {
            loop {
                match socket.get_status().await {
                    Ok(status) => {
                        let _ = self.controllable.try_set(status.controllable);
                        let _ = self.watchers.try_set(status.watchers);
                        let _ = self
                            .model
                            .try_update(|m| m.permissions.set_snapshot(status.open_permissions));
                    }
                    Err(err) => {
                        web_sys::console::warn_1(&format!("get_status: {err}").into());
                    }
                }
                let again = self.asking.try_update_value(|(on_way, again)| {
                    *on_way = std::mem::take(again);
                    *on_way
                });
                if again != Some(true) {
                    return;
                }
            }
        });
    }

    /// [`refresh_status`](Self::refresh_status) on the open socket, if connected.
    fn ask_status(self, ctx: Ctx) {
        let id = self.id.get_value();
        let socket = ctx
            .live
            .with_value(|live| live.as_ref().and_then(|live| live.connected_session(&id)));
        if let Some(socket) = socket {
            self.refresh_status(socket);
        }
    }

    /// The newest page of history, below the head the server reports now. `Err` when the
    /// head cannot be read or the server refuses the page; another failed page becomes the
    /// notice.
    async fn load_newest(self, ctx: Ctx) -> Result<(), crate::api::ApiError> {
        let id = self.id.get_value();
        let token = ctx.token();
        let view = crate::api::session(&id, token.as_deref()).await?;
        let _ = self.controllable.try_set(view.controllable);
        let head = view.record.head_offset;
        let Some(request) = self.paging.try_update(|paging| paging.newest(head)) else {
            return Ok(());
        };
        let page = crate::api::history(
            &id,
            request.after,
            request.before,
            request.limit,
            token.as_deref(),
        )
        .await;
        match page {
            Err(err) if err.refused => Err(err),
            page => {
                self.answer(
                    ctx,
                    request.id,
                    page.map(|p| p.events).map_err(|e| e.message),
                );
                Ok(())
            }
        }
    }

    /// Pages older events in ("load older"), unless a page is on its way or nothing is older.
    pub fn load_older(self, ctx: Ctx) {
        let request = self
            .model
            .with_untracked(|m| self.paging.try_update(|paging| paging.older(&m.log)))
            .flatten();
        if let Some(request) = request {
            self.fetch(ctx, request);
        }
    }

    fn fetch(self, ctx: Ctx, request: PageRequest) {
        let id = self.id.get_value();
        spawn_local(async move {
            let page = history_page(ctx, &id, request).await;
            self.answer(
                ctx,
                request.id,
                page.map(|p| p.events).map_err(|e| e.message),
            );
        });
    }

    /// Hands an answer to the paging model and does what it says: a notice, the next page.
    fn answer(self, ctx: Ctx, id: u64, answer: Result<Vec<Envelope>, String>) {
        // The page may be gone (another session opened) by the time the answer comes.
        let answered = self
            .model
            .try_update(|model| {
                self.paging
                    .try_update(|paging| paging.answer(id, answer, model))
            })
            .flatten();
        let Some(Answered { notice, fetch }) = answered else {
            return;
        };
        if notice.is_some() {
            let _ = self.notice.try_set(notice);
        }
        if let Some(request) = fetch {
            self.fetch(ctx, request);
        }
    }
}

/// A page of history: through the session socket's `get_history` while it is connected, else
/// over REST (`GET /api/sessions/{id}/events`, the same semantics), e.g. while reconnecting.
async fn history_page(
    ctx: Ctx,
    id: &str,
    request: PageRequest,
) -> Result<HistoryPage, crate::api::ApiError> {
    let socket = ctx
        .live
        .with_value(|live| live.as_ref().and_then(|live| live.connected_session(id)));
    if let Some(socket) = socket {
        let args = GetHistoryArgs {
            types: None,
            after: request.after,
            before: request.before,
            limit: Some(request.limit),
        };
        match socket.get_history(&args).await {
            Ok(page) => return Ok(page),
            // The connection dropped meanwhile: REST may still answer.
            Err(err) => web_sys::console::warn_1(&format!("get_history: {err}; using REST").into()),
        }
    }
    let token = ctx.token();
    crate::api::history(
        id,
        request.after,
        request.before,
        request.limit,
        token.as_deref(),
    )
    .await
}

#[component]
pub fn SessionPage(id: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let session = SessionCtx::new(id.clone());
    provide_context(session);
    let model = session.model;
    // The page may be gone (the user opened another session) with a frame pending.
    let feed = Feed::new(move |batch| {
        let _ = model.try_update(|m| m.extend(batch));
    });

    let first_page_id = id.clone();
    spawn_local(async move {
        match session.load_newest(ctx).await {
            Ok(()) => {}
            Err(err) if err.refused => return ctx.refuse(err.message),
            Err(err) => session.notice.set(Some(err.message)),
        }
        let _ = session.loading.try_set(false);
        mark_first_history();
        // Live from our head: the server replays what came since the page, then streams.
        let offset = session
            .model
            .try_with_untracked(|m| m.log.head())
            .unwrap_or(0);
        let on_event = {
            let feed = feed.clone();
            move |envelope: Envelope| {
                if envelope.kind == agentcast_shared::SESSION_STATUS {
                    session.ask_status(ctx);
                }
                if envelope.is_ephemeral() {
                    // The events before it go into the model first: `session.recovered`
                    // judges the log (its gaps) as the replay left it.
                    feed.flush();
                    on_control(session, ctx, &envelope);
                } else {
                    feed.push(envelope);
                }
            }
        };
        // The user may have opened another session while the page loaded: that one's
        // connection must not be replaced by this one's.
        if ctx
            .route
            .with_untracked(|r| r.session() != Some(first_page_id.as_str()))
        {
            return;
        }
        ctx.live.with_value(|live| {
            if let Some(live) = live {
                live.watch_session(&first_page_id, offset, on_event, move |socket| {
                    session.refresh_status(socket)
                });
            }
        });
    });
    let unwatch_id = id.clone();
    on_cleanup(move || {
        ctx.live.with_value(|live| {
            if let Some(live) = live {
                live.unwatch_session(&unwatch_id);
            }
        });
    });

    let title = Memo::new({
        let id = id.clone();
        move |_| {
            ctx.sessions.with(|s| {
                s.get(&id)
                    .map(|s| s.title().to_owned())
                    .unwrap_or(id.clone())
            })
        }
    });
    let status = Memo::new({
        let id = id.clone();
        move |_| {
            ctx.sessions
                .with(|s| s.get(&id).map(|s| s.status.as_str()).unwrap_or(""))
        }
    });
    // Which agent, from where, on which branch, with which CLI version (those known).
    let origin = Memo::new({
        let id = id.clone();
        move |_| {
            ctx.sessions
                .with(|s| s.get(&id).map(|s| s.origin()).unwrap_or_default())
        }
    });
    let export = move |_| {
        let (id, token) = (session.id.get_value(), ctx.token());
        spawn_local(async move {
            if let Err(err) = crate::api::export(&id, token.as_deref()).await {
                session
                    .notice
                    .set(Some(format!("Export failed: {}", err.message)));
            }
        });
    };
    view! {
        <section
            class="session"
            data-testid="session-view"
            data-session-id=id
            data-loaded=move || (!session.loading.get()).to_string()
            data-head-offset=move || session.model.with(|m| m.log.head())
            data-events=move || session.model.with(|m| m.log.len())
        >
            <div class="session-head">
                <button class="small back" on:click=move |_| ctx.open(None) aria-label="Back to sessions">"←"</button>
                <h1 data-testid="session-title">{title}</h1>
                <span class="badge" data-status=status>{status}</span>
                <span class="origin" data-testid="session-origin">
                    <For each=move || origin.get() key=|fact| fact.clone() let:fact>
                        <span class="fact" data-fact=fact.0>
                            <span class="muted">{fact.0}" "</span>{fact.1}
                        </span>
                    </For>
                </span>
                <span class="spacer"></span>
                <Presence/>
                <button class="small" data-testid="export" on:click=export>"Export JSONL"</button>
            </div>
            <Show when=move || session.notice.with(Option::is_some)>
                <p class="notice" data-testid="notice" role="status">
                    {move || session.notice.get()}
                    <button class="small link" on:click=move |_| session.notice.set(None) aria-label="Dismiss">"×"</button>
                </p>
            </Show>
            <Show when=move || session.loading.get()>
                <p class="muted loading" data-testid="loading"><span class="spinner"></span>" Loading history…"</p>
            </Show>
            <PermissionCards/>
            <div class="session-grid">
                <TranscriptPanel/>
                <div class="side">
                    <UsagePanel/>
                    <TodosPanel/>
                </div>
                <ToolsPanel/>
                <EventsPanel/>
            </div>
        </section>
    }
}

/// The ephemeral events: `session.presence` (who watches now) and `session.recovered` (what
/// `model::paging` decides: nothing, a reload, a gap to page in).
fn on_control(session: SessionCtx, ctx: Ctx, envelope: &Envelope) {
    let recovered = match envelope.event() {
        Ok(Event::SessionRecovered(recovered)) => recovered,
        Ok(Event::SessionPresence(presence)) => return session.watchers.set(presence.watchers),
        _ => return,
    };
    let recovery = session.model.with_untracked(|m| {
        session
            .paging
            .try_update(|paging| paging.recovered(&recovered, &m.log))
    });
    match recovery {
        None | Some(Recovery::Complete) => {}
        Some(Recovery::Reload { notice }) => {
            session.notice.set(Some(notice));
            session.model.update(SessionModel::clear);
            spawn_local(async move {
                if let Err(err) = session.load_newest(ctx).await {
                    session.notice.set(Some(err.message));
                }
            });
        }
        Some(Recovery::Missed { notice, fetch }) => {
            session.notice.set(Some(notice));
            if let Some(request) = fetch {
                session.fetch(ctx, request);
            }
        }
    }
}

/// `performance.mark("agentcast:first-history")` once the first page is on screen (the next
/// frame), for the browser tests' load-time measurement.
fn mark_first_history() {
    request_animation_frame(|| {
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark("agentcast:first-history");
        }
    });
}
