//! The title bar: the name (a link back to the list), the connection indicator, always
//! visible, with latency, reconnect attempt and countdown, or the reason and Retry; and the
//! light/dark switch; between them the tabs: Sessions and Analytics, and how many sessions
//! need a person (`needs_you`).

use leptos::prelude::*;

use super::Ctx;
use super::app::Route;
use super::needs_you::NeedsYou;

#[component]
pub fn Header() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let text = Memo::new(move |_| ctx.connection.with(|c| c.text(ctx.now.get())));
    let retry = move |_| {
        ctx.live.with_value(|live| {
            if let Some(live) = live {
                live.retry();
            }
        })
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/" on:click=move |ev| { ev.prevent_default(); ctx.open(None); }>
                <span class="logo" aria-hidden="true">"◆"</span>
                <span class="brand-name">"agentcast"</span>
            </a>
            <Tabs/>
            <NeedsYou/>
            <div
                class="connection"
                data-testid="connection"
                data-state=move || text.with(|t| t.state)
                title=move || text.with(|t| t.hint.clone())
                role="status"
                aria-live="polite"
            >
                <span class="dot" aria-hidden="true"></span>
                <span class="label" data-testid="connection-label">{move || text.with(|t| t.label.clone())}</span>
                <span class="detail" data-testid="connection-detail">
                    {move || text.with(|t| t.detail.clone().unwrap_or_default())}
                </span>
                <Show when=move || text.with(|t| t.retry)>
                    <button class="small" data-testid="retry" on:click=retry>"Retry"</button>
                </Show>
            </div>
            <ThemeSwitch/>
        </header>
    }
}

/// Sessions and Analytics: links (they work without the app too), followed in the page.
#[component]
fn Tabs() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let on_analytics = move || ctx.route.with(|r| *r == Route::Analytics);
    let go = move |route: Route| {
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            ctx.navigate(route.clone());
        }
    };
    view! {
        <nav class="tabs" aria-label="Pages">
            <a href="/" data-testid="tab-sessions" class:active=move || !on_analytics()
                aria-current=move || (!on_analytics()).then_some("page") on:click=go(Route::List)>"Sessions"</a>
            <a href="/analytics" data-testid="tab-analytics" class:active=on_analytics
                aria-current=move || on_analytics().then_some("page") on:click=go(Route::Analytics)>"Analytics"</a>
        </nav>
    }
}

/// Follows the system theme until switched; the choice is kept in localStorage.
#[component]
fn ThemeSwitch() -> impl IntoView {
    let stored = || {
        web_sys::window()?
            .local_storage()
            .ok()??
            .get_item("agentcast.theme")
            .ok()?
    };
    let theme = RwSignal::new(stored());
    Effect::new(move |_| {
        let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        else {
            return;
        };
        let _ = match theme.get() {
            Some(theme) => root.set_attribute("data-theme", &theme),
            None => root.remove_attribute("data-theme"),
        };
    });
    let toggle = move |_| {
        let dark_now = match theme.get_untracked() {
            Some(t) => t == "dark",
            None => prefers_dark(),
        };
        let next = if dark_now { "light" } else { "dark" };
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item("agentcast.theme", next);
        }
        theme.set(Some(next.to_owned()));
    };
    view! {
        <button class="icon" data-testid="theme" title="Switch light/dark" aria-label="Switch light or dark theme" on:click=toggle>
            "◐"
        </button>
    }
}

fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::connection::Connection;
    use crate::ui::virtual_rows::tests::{host, settle};
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn text(host: &web_sys::HtmlElement, testid: &str) -> String {
        host.query_selector(&format!("[data-testid={testid}]"))
            .unwrap()
            .map(|e| e.text_content().unwrap_or_default())
            .unwrap_or_default()
    }

    #[wasm_bindgen_test]
    async fn the_indicator_follows_the_connection_and_offers_retry() {
        let host = host();
        let connection = RwSignal::new(Connection::Connected {
            latency_ms: Some(7),
        });
        let _mounted = leptos::mount::mount_to(host.clone(), move || {
            provide_context(Ctx {
                connection,
                ..crate::ui::app::test_ctx()
            });
            view! { <Header/> }
        });
        settle().await;
        let state = || {
            host.query_selector("[data-testid=connection]")
                .unwrap()
                .unwrap()
                .get_attribute("data-state")
                .unwrap()
        };
        assert_eq!(state(), "connected");
        assert_eq!(text(&host, "connection-detail"), "7 ms");
        assert!(
            host.query_selector("[data-testid=retry]")
                .unwrap()
                .is_none()
        );

        connection.set(Connection::Reconnecting {
            attempt: 2,
            retry_at_ms: 4_500.0,
            reason: "the server closed the connection".into(),
        });
        settle().await;
        assert_eq!(state(), "reconnecting");
        assert_eq!(text(&host, "connection-label"), "Reconnecting (attempt 2)");
        assert_eq!(text(&host, "connection-detail"), "next try in 4 s");
        assert!(
            host.query_selector("[data-testid=retry]")
                .unwrap()
                .is_some()
        );

        connection.set(Connection::Disconnected {
            reason: "token expired".into(),
        });
        settle().await;
        assert_eq!(state(), "disconnected");
        assert_eq!(text(&host, "connection-detail"), "token expired");
    }

    #[wasm_bindgen_test]
    async fn the_sessions_that_need_you_are_counted_in_the_header_and_the_title() {
        use crate::model::sessions::Sessions;
        use agentcast_shared::rest::SessionRecord;
        use agentcast_shared::{Envelope, SessionSource, SessionState};

        let host = host();
        let ctx = crate::ui::app::test_ctx();
        let record = |id: &str, state| {
            SessionRecord::new(id, SessionSource::Http, state, "2026-11-24T10:00:00.000Z")
        };
        ctx.sessions.set(Sessions::new(vec![
            record("a", SessionState::Waiting),
            record("b", SessionState::Running),
            record("c", SessionState::Completed),
        ]));
        let _mounted = leptos::mount::mount_to(host.clone(), move || {
            provide_context(ctx);
            view! { <Header/> }
        });
        settle().await;
        let title = || web_sys::window().unwrap().document().unwrap().title();
        assert_eq!(text(&host, "needs-you-count"), "1 need you");
        assert_eq!(title(), "(1) agentcast");

        // A request on the hub for "b": two sessions need you.
        ctx.open_requests.update(|o| {
            o.apply(&Envelope {
                offset: 5,
                session_id: "b".into(),
                ts: "2026-11-24T10:00:01.000Z".into(),
                kind: "permission.requested".into(),
                data: serde_json::json!({"request_id": "r", "tool_name": "Bash", "input": {},
                    "expires_at": "2026-11-24T10:10:00.000Z"}),
            });
        });
        settle().await;
        assert_eq!(text(&host, "needs-you-count"), "2 need you");
        assert_eq!(title(), "(2) agentcast");

        // Nothing waits any more: no count, the plain title.
        ctx.sessions
            .set(Sessions::new(vec![record("a", SessionState::Idle)]));
        settle().await;
        let counter = host
            .query_selector("[data-testid=needs-you-count]")
            .unwrap()
            .unwrap();
        assert!(counter.has_attribute("hidden"));
        assert_eq!(title(), "agentcast");
        // Notifications are off until switched on.
        let toggle = host
            .query_selector("[data-testid=notify-toggle]")
            .unwrap()
            .unwrap();
        assert_eq!(toggle.get_attribute("aria-pressed").unwrap(), "false");
    }
}
