//! One session: its newest history page over REST, then live events from its namespace
//! (replayed from our head, so nothing is missed or doubled), batched into the model once
//! per animation frame; older pages and gaps are paged in on demand.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use agentcast_shared::{Envelope, Event, GetHistoryArgs, HistoryPage, MAX_HISTORY_LIMIT};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use super::events::EventsPanel;
use super::todos::TodosPanel;
use super::tools::ToolsPanel;
use super::transcript::TranscriptPanel;
use super::usage::UsagePanel;
use crate::model::session::SessionModel;
use crate::model::sessions::SessionText;

/// Events applied to the model once per frame: at 1,000 events/s the page redraws 60 times a
/// second, not 1,000.
#[derive(Clone)]
pub(crate) struct Feed {
    model: RwSignal<SessionModel>,
    buffer: Rc<RefCell<Vec<Envelope>>>,
    scheduled: Rc<Cell<bool>>,
}

impl Feed {
    fn new(model: RwSignal<SessionModel>) -> Self {
        Feed {
            model,
            buffer: Rc::default(),
            scheduled: Rc::default(),
        }
    }

    pub fn push(&self, envelope: Envelope) {
        self.buffer.borrow_mut().push(envelope);
        if !self.scheduled.replace(true) {
            let feed = self.clone();
            request_animation_frame(move || feed.flush());
        }
    }

    /// Applies what is buffered now (a frame callback does it otherwise).
    fn flush(&self) {
        self.scheduled.set(false);
        let batch = std::mem::take(&mut *self.buffer.borrow_mut());
        if !batch.is_empty() {
            // The page may be gone (the user opened another session) with a frame pending.
            let _ = self.model.try_update(|m| m.extend(batch));
        }
    }
}

/// What the session page shares with its panels.
#[derive(Clone, Copy)]
pub(crate) struct SessionCtx {
    pub id: StoredValue<String>,
    pub model: RwSignal<SessionModel>,
    /// A message above the panels: a gap being paged in, a failed page, ...
    pub notice: RwSignal<Option<String>>,
    /// True until the first history page is shown.
    pub loading: RwSignal<bool>,
    pub older_loading: RwSignal<bool>,
}

impl SessionCtx {
    /// The newest page of history: the end of a long session is what a watcher wants first.
    async fn load_newest(self, token: Option<&str>) -> Result<(), crate::api::ApiError> {
        let id = self.id.get_value();
        let head = crate::api::session(&id, token).await?.head_offset;
        let page = crate::api::history(&id, None, Some(head + 1), MAX_HISTORY_LIMIT, token).await?;
        // The page may be gone (another session opened) by the time the answer comes.
        let _ = self.model.try_update(|m| m.extend(page.events));
        Ok(())
    }

    /// Pages older events in ("load older"): the newest page before what we hold.
    pub fn load_older(self, ctx: Ctx) {
        if self.older_loading.get_untracked() {
            return;
        }
        let before = self.model.with_untracked(|m| m.log.first());
        if before <= 1 {
            return;
        }
        self.older_loading.set(true);
        let id = self.id.get_value();
        spawn_local(async move {
            match history_page(ctx, &id, None, Some(before)).await {
                Ok(page) => {
                    self.model.update(|m| {
                        m.merge_page(page.events);
                    });
                }
                Err(err) => self.notice.set(Some(format!(
                    "Could not load older events: {}",
                    err.message
                ))),
            }
            self.older_loading.set(false);
        });
    }

    /// Pages in what a `recovered: false` left out, one page at a time until no gap is
    /// left or the server no longer holds it (trimmed by retention).
    pub fn fill_gaps(self, ctx: Ctx) {
        let id = self.id.get_value();
        spawn_local(async move {
            let mut rounds = 0;
            while let Some((from, to)) =
                self.model.with_untracked(|m| m.log.gaps().first().copied())
            {
                rounds += 1;
                let page = history_page(ctx, &id, Some(from - 1), Some(to + 1)).await;
                match page {
                    Ok(page) if !page.events.is_empty() && rounds < 1000 => {
                        self.model.update(|m| {
                            m.merge_page(page.events);
                        });
                    }
                    Ok(_) => {
                        self.notice.set(Some(format!(
                            "Events {from} to {to} are no longer kept by the server."
                        )));
                        return;
                    }
                    Err(err) => {
                        self.notice.set(Some(format!(
                            "Could not load missing events: {}",
                            err.message
                        )));
                        return;
                    }
                }
            }
            self.notice.set(Some(
                "Missed events were loaded: nothing is missing.".into(),
            ));
        });
    }
}

/// A page of history: through the session socket's `get_history` while it is connected, else
/// over REST (`GET /api/sessions/{id}/events`, the same semantics), e.g. while reconnecting.
async fn history_page(
    ctx: Ctx,
    id: &str,
    after: Option<u64>,
    before: Option<u64>,
) -> Result<HistoryPage, crate::api::ApiError> {
    let socket = ctx
        .live
        .with_value(|live| live.as_ref().and_then(|live| live.connected_session(id)));
    if let Some(socket) = socket {
        let args = GetHistoryArgs {
            types: None,
            after,
            before,
            limit: Some(MAX_HISTORY_LIMIT),
        };
        match socket.get_history(&args).await {
            Ok(page) => return Ok(page),
            // The connection dropped meanwhile: REST may still answer.
            Err(err) => web_sys::console::warn_1(&format!("get_history: {err}; using REST").into()),
        }
    }
    let token = ctx.token();
    crate::api::history(id, after, before, MAX_HISTORY_LIMIT, token.as_deref()).await
}

#[component]
pub fn SessionPage(id: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let session = SessionCtx {
        id: StoredValue::new(id.clone()),
        model: RwSignal::new(SessionModel::default()),
        notice: RwSignal::new(None),
        loading: RwSignal::new(true),
        older_loading: RwSignal::new(false),
    };
    provide_context(session);
    let feed = Feed::new(session.model);

    let token = ctx.token();
    let first_page_id = id.clone();
    spawn_local(async move {
        let token = token.as_deref();
        match session.load_newest(token).await {
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
        if ctx.route.get_untracked().as_deref() != Some(first_page_id.as_str()) {
            return;
        }
        ctx.live.with_value(|live| {
            if let Some(live) = live {
                live.watch_session(&first_page_id, offset, on_event);
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
                <span class="spacer"></span>
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

/// `session.recovered`: a clean recovery needs nothing; otherwise say so and page the gap in.
fn on_control(session: SessionCtx, ctx: Ctx, envelope: &Envelope) {
    let Ok(Event::SessionRecovered(recovered)) = envelope.event() else {
        return;
    };
    if recovered.recovered {
        return;
    }
    let head = session.model.with_untracked(|m| m.log.head());
    if recovered.from == 1 && recovered.to < head {
        // The server's history is not the one we hold (a wiped data directory): start over.
        session.notice.set(Some(
            "The server's history changed: reloading this session.".into(),
        ));
        session.model.update(SessionModel::clear);
        let token = ctx.token();
        spawn_local(async move {
            if let Err(err) = session.load_newest(token.as_deref()).await {
                session.notice.set(Some(err.message));
            }
        });
        return;
    }
    session.notice.set(Some(format!(
        "Some events were not replayed after reconnecting (recovered: false, from {}); loading them…",
        recovered.from
    )));
    session.fill_gaps(ctx);
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
