//! The app shell: the context every component shares, the route (`/`, `/sessions/{id}`,
//! `/analytics`), and the layout: sessions on the left, the open session on the right (one
//! pane at a time on a phone), or the analytics page.

use std::collections::BTreeMap;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::analytics::AnalyticsPage;
use super::header::Header;
use super::session::SessionPage;
use super::sessions::SessionsList;
use super::token_prompt::TokenPrompt;
use crate::live::Live;
use agentcast_shared::CollectorStats;
use agentcast_shared::rest::WhoAmI;

use crate::model::connection::Connection;
use crate::model::needs_you::{OpenRequests, needing};
use crate::model::session_groups::ProjectNames;
use crate::model::sessions::Sessions;

/// What the page shows, from its path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Route {
    /// `/`: the sessions list, no session open.
    #[default]
    List,
    /// `/sessions/{id}`: the list and one session.
    Session(String),
    /// `/analytics`: usage and cost across sessions.
    Analytics,
}

impl Route {
    /// The open session's id.
    pub fn session(&self) -> Option<&str> {
        match self {
            Route::Session(id) => Some(id),
            _ => None,
        }
    }

    fn path(&self) -> String {
        match self {
            Route::List => "/".to_owned(),
            Route::Session(id) => format!(
                "/sessions/{}",
                String::from(js_sys::encode_uri_component(id))
            ),
            Route::Analytics => "/analytics".to_owned(),
        }
    }
}

/// What every component may read or set. Signals are `Copy`, so the struct is too.
#[derive(Clone, Copy)]
pub(crate) struct Ctx {
    pub token: RwSignal<Option<String>>,
    /// Why the server refused the token, shown by the prompt; `None` while it is accepted.
    pub refusal: RwSignal<Option<String>>,
    /// The live connection as the header shows it.
    pub connection: RwSignal<Connection>,
    /// `performance.now()`, ticked four times a second: countdowns and running durations.
    pub now: RwSignal<f64>,
    /// What the page shows.
    pub route: RwSignal<Route>,
    /// Every session, from REST then kept current by the hub namespace.
    pub sessions: RwSignal<Sessions>,
    /// Project names by id, for the groups' titles (`GET /api/projects`).
    pub projects: RwSignal<ProjectNames>,
    /// The transcript collectors' progress, from the latest `system.stats`; `None` when
    /// collecting is off or no stats came yet.
    pub collector: RwSignal<Option<CollectorStats>>,
    /// Why the sessions list could not be loaded.
    pub sessions_error: RwSignal<Option<String>>,
    /// What the token grants (`GET /api/auth/whoami`): whether controls and the New session
    /// form show. `None` until known.
    pub who: RwSignal<Option<WhoAmI>>,
    /// Open permission requests per session, from the hub: the "needs you" counts.
    pub open_requests: RwSignal<OpenRequests>,
    /// The sessions waiting for a person, with their open requests (`model::needs_you`):
    /// derived once here for the header, the title and every row.
    pub needing: Memo<BTreeMap<String, usize>>,
    /// The Socket.IO client (one connection for the hub and the open session).
    pub live: StoredValue<Option<Live>, LocalStorage>,
}

impl Ctx {
    /// A page with `token` showing `route`, connecting, nothing loaded yet.
    fn new(token: Option<String>, route: Route, now: f64) -> Ctx {
        let sessions = RwSignal::new(Sessions::default());
        let open_requests = RwSignal::new(OpenRequests::default());
        Ctx {
            token: RwSignal::new(token),
            refusal: RwSignal::new(None),
            connection: RwSignal::new(Connection::Connecting),
            now: RwSignal::new(now),
            route: RwSignal::new(route),
            sessions,
            projects: RwSignal::new(ProjectNames::new()),
            collector: RwSignal::new(None),
            sessions_error: RwSignal::new(None),
            who: RwSignal::new(None),
            open_requests,
            needing: Memo::new(move |_| {
                sessions.with(|s| open_requests.with(|open| needing(s, open)))
            }),
            live: StoredValue::new_local(None),
        }
    }

    pub fn token(&self) -> Option<String> {
        self.token.get_untracked()
    }

    /// Opens a session (or the list).
    pub fn open(&self, session: Option<String>) {
        self.navigate(session.map_or(Route::List, Route::Session));
    }

    /// Shows `route` and records it in the address bar.
    pub fn navigate(&self, route: Route) {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let path = route.path();
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
        self.route.set(route);
    }

    /// Forgets a refused token and shows the prompt with the reason.
    pub fn refuse(&self, reason: String) {
        crate::auth::store(None);
        self.connection.set(Connection::Disconnected {
            reason: "token refused".into(),
        });
        self.refusal.set(Some(reason));
        self.token.set(None);
        self.live.update_value(|live| *live = None);
    }
}

/// A context for component tests: no token, no connection, no session open.
#[cfg(test)]
pub(crate) fn test_ctx() -> Ctx {
    Ctx::new(None, Route::List, 1_000.0)
}

pub fn mount() {
    console_error_panic_hook();
    mount_to_body(App);
}

/// A panic shows in the console with its message rather than as `unreachable`.
fn console_error_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}

fn route_from_location() -> Route {
    let Some(path) = web_sys::window().and_then(|w| w.location().pathname().ok()) else {
        return Route::List;
    };
    if path.trim_end_matches('/') == "/analytics" {
        return Route::Analytics;
    }
    let id = path
        .strip_prefix("/sessions/")
        .map(|id| id.trim_end_matches('/'))
        .and_then(|id| js_sys::decode_uri_component(id).ok())
        .map(String::from)
        .unwrap_or_default();
    if id.is_empty() {
        Route::List
    } else {
        Route::Session(id)
    }
}

fn performance_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[component]
fn App() -> impl IntoView {
    let ctx = Ctx::new(
        crate::auth::initial_token(),
        route_from_location(),
        performance_now(),
    );
    provide_context(ctx);

    // The clock for countdowns and running durations.
    let tick = set_interval_with_handle(
        move || ctx.now.set(performance_now()),
        std::time::Duration::from_millis(250),
    );
    on_cleanup(move || {
        if let Ok(handle) = tick {
            handle.clear();
        }
    });

    // Back and forward buttons move between the list and sessions.
    let on_pop = Closure::<dyn Fn()>::new(move || ctx.route.set(route_from_location()));
    if let Some(window) = web_sys::window() {
        let _ =
            window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    }
    on_pop.forget();

    // One live connection per accepted token; a new token replaces it.
    Effect::new(move |_| {
        let token = ctx.token.get();
        if token.is_some() || ctx.refusal.get_untracked().is_none() {
            let live = Live::connect(ctx, token);
            ctx.live.set_value(Some(live));
        }
    });

    let has_token = move || ctx.token.get().is_some() || ctx.refusal.get().is_none();
    view! {
        <Header/>
        <Show when=has_token fallback=|| view! { <TokenPrompt/> }>
            <Show
                when=move || ctx.route.with(|r| *r != Route::Analytics)
                fallback=|| view! { <main class="analytics-layout"><AnalyticsPage/></main> }
            >
                <main class="layout" class:has-session=move || ctx.route.with(|r| r.session().is_some())>
                    <SessionsList/>
                    {move || match ctx.route.with(|r| r.session().map(str::to_owned)) {
                        Some(id) => view! { <SessionPage id=id/> }.into_any(),
                        None => view! {
                            <section class="panel empty-state" data-testid="no-session">
                                <p>"Pick a session on the left to watch it live."</p>
                            </section>
                        }.into_any(),
                    }}
                </main>
            </Show>
        </Show>
    }
}
