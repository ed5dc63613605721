//! The sessions list: status, label, project, start, duration, tokens and cost, newest first,
//! filtered by status and a search text; loaded over REST when the token changes and kept
//! current by the hub namespace (see `crate::live`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::model::format;
use crate::model::sessions::{SessionText, StatusFilter};

/// Loads the list over REST; a refused token goes back to the prompt.
pub(crate) fn load(ctx: Ctx) {
    let token = ctx.token();
    spawn_local(async move {
        match crate::api::sessions(token.as_deref()).await {
            Ok(list) => {
                ctx.sessions.update(|s| s.merge_loaded(list));
                ctx.sessions_error.set(None);
            }
            Err(err) if err.refused => ctx.refuse(err.message),
            Err(err) => ctx.sessions_error.set(Some(err.message)),
        }
    });
}

#[component]
pub fn SessionsList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let status = RwSignal::new(StatusFilter::All);
    let search = RwSignal::new(String::new());
    // Unix milliseconds for running durations, refreshed with the clock.
    let wall_now = move || {
        ctx.now.track();
        js_sys::Date::now() as u64
    };
    let shown = Memo::new(move |_| {
        ctx.sessions.with(|s| {
            s.filtered(status.get(), &search.get())
                .into_iter()
                .map(|s| s.id.clone())
                .collect::<Vec<_>>()
        })
    });
    view! {
        <nav class="panel sessions" aria-label="Sessions">
            <div class="panel-head">
                <h2>"Sessions"</h2>
                <span class="count" data-testid="sessions-count">{move || shown.with(Vec::len)}</span>
            </div>
            <div class="filters">
                <select
                    aria-label="Status"
                    data-testid="status-filter"
                    on:change=move |ev| status.set(StatusFilter::parse(&event_target_value(&ev)))
                >
                    {StatusFilter::ALL.into_iter().map(|f| view! { <option value=f.as_str()>{f.as_str()}</option> }).collect_view()}
                </select>
                <input
                    type="search"
                    placeholder="Search"
                    aria-label="Search sessions"
                    data-testid="session-search"
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
            </div>
            <p class="error" role="alert">{move || ctx.sessions_error.get()}</p>
            <ul class="session-list" data-testid="sessions">
                <For each=move || shown.get() key=|id| id.clone() let:id>
                    <SessionRow id=id wall_now=wall_now/>
                </For>
            </ul>
            <Show when=move || shown.with(Vec::is_empty)>
                <p class="muted empty">"No sessions yet. Start one with "<code>"agentcast run"</code>"."</p>
            </Show>
        </nav>
    }
}

#[component]
fn SessionRow(
    id: String,
    wall_now: impl Fn() -> u64 + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let row_id = id.clone();
    let info = Memo::new(move |_| ctx.sessions.with(|s| s.get(&row_id).cloned()));
    let field = move |f: fn(&agentcast_shared::rest::SessionRecord) -> String| {
        move || info.with(|i| i.as_ref().map(f).unwrap_or_default())
    };
    let selected = {
        let id = id.clone();
        move || ctx.route.with(|r| r.as_deref() == Some(id.as_str()))
    };
    let open = {
        let id = id.clone();
        move |_| ctx.open(Some(id.clone()))
    };
    let status = field(|i| i.status.as_str().to_owned());
    view! {
        <li>
            <button
                class="session-row"
                class:selected=selected.clone()
                aria-current=move || selected().then_some("page")
                data-testid="session-row"
                data-session-id=id
                data-status=status
                on:click=open
            >
                <span class="badge" data-status=status>{status}</span>
                <span class="title">{field(|i| i.title().to_owned())}</span>
                <span class="meta">
                    <span>{field(|i| i.project_id.clone().unwrap_or_default())}</span>
                    <span title="Started">{field(|i| format::date_time(&i.started_at))}</span>
                </span>
                <span class="figures">
                    <span title="Duration" data-testid="session-duration">
                        {move || info.with(|i| i.as_ref().map(|i| i.duration_text(wall_now())).unwrap_or_default())}
                    </span>
                    <span title="Tokens in + out">{field(|i| format!("{} tok", format::tokens(i.tokens())))}</span>
                    <span title="Cost" data-testid="session-cost">{field(|i| i.total_cost_usd.map(format::cost).unwrap_or_default())}</span>
                </span>
            </button>
        </li>
    }
}
