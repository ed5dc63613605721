//! The app shell: the context every component shares, the route, and the two-pane layout
//! (sessions on the left, the open session on the right; one pane at a time on a phone).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::header::Header;
use super::session::SessionPage;
use super::sessions::SessionsList;
use super::token_prompt::TokenPrompt;
use crate::live::Live;
use crate::model::connection::Connection;
use crate::model::sessions::Sessions;

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
    /// The open session (`/sessions/{id}`), or none (`/`).
    pub route: RwSignal<Option<String>>,
    /// Every session, from REST then kept current by the hub namespace.
    pub sessions: RwSignal<Sessions>,
    /// Why the sessions list could not be loaded.
    pub sessions_error: RwSignal<Option<String>>,
    /// The Socket.IO client (one connection for the hub and the open session).
    pub live: StoredValue<Option<Live>, LocalStorage>,
}

impl Ctx {
    pub fn token(&self) -> Option<String> {
        self.token.get_untracked()
    }

    /// Opens a session (or the list) and records it in the address bar.
    pub fn open(&self, session: Option<String>) {
        let path = match &session {
            Some(id) => format!(
                "/sessions/{}",
                String::from(js_sys::encode_uri_component(id))
            ),
            None => "/".to_owned(),
        };
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
        self.route.set(session);
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

fn route_from_location() -> Option<String> {
    let path = web_sys::window()?.location().pathname().ok()?;
    let id = path.strip_prefix("/sessions/")?.trim_end_matches('/');
    let id: String = js_sys::decode_uri_component(id).ok()?.into();
    (!id.is_empty()).then_some(id)
}

fn performance_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[component]
fn App() -> impl IntoView {
    let ctx = Ctx {
        token: RwSignal::new(crate::auth::initial_token()),
        refusal: RwSignal::new(None),
        connection: RwSignal::new(Connection::Connecting),
        now: RwSignal::new(performance_now()),
        route: RwSignal::new(route_from_location()),
        sessions: RwSignal::new(Sessions::default()),
        sessions_error: RwSignal::new(None),
        live: StoredValue::new_local(None),
    };
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
            <main class="layout" class:has-session=move || ctx.route.get().is_some()>
                <SessionsList/>
                {move || match ctx.route.get() {
                    Some(id) => view! { <SessionPage id=id/> }.into_any(),
                    None => view! {
                        <section class="panel empty-state" data-testid="no-session">
                            <p>"Pick a session on the left to watch it live."</p>
                        </section>
                    }.into_any(),
                }}
            </main>
        </Show>
    }
}
