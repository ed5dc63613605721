//! "Needs you" in the header: how many sessions wait for a person (also in the page title,
//! `(2) agentcast`), and the switch for a browser notification when a session starts waiting.
//! Notifications are off until switched on; switching on asks the browser's permission then,
//! once, and the choice is kept in localStorage.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

use super::Ctx;
use crate::model::needs_you::{newly_needing, page_title};
use crate::model::sessions::SessionText;

const NOTIFY_KEY: &str = "agentcast.notify";

#[component]
pub fn NeedsYou() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let count = move || ctx.needing.with(|n| n.len());
    let notify =
        RwSignal::new(stored_choice() && permission() == Some(NotificationPermission::Granted));
    // The page title, and a notification for each session that starts needing a person while
    // switched on.
    Effect::new(move |before: Option<Vec<String>>| {
        ctx.needing.with(|now| {
            if let Some(document) = web_sys::window().and_then(|w| w.document()) {
                document.set_title(&page_title(now.len()));
            }
            if let Some(before) = before
                && notify.get_untracked()
            {
                for id in newly_needing(&before, now) {
                    let title = ctx
                        .sessions
                        .with_untracked(|s| s.get(&id).map(|s| s.title().to_owned()))
                        .unwrap_or_else(|| id.clone());
                    show_notification(&id, &title);
                }
            }
            now.keys().cloned().collect()
        })
    });
    let toggle = move |_| {
        if notify.get_untracked() {
            notify.set(false);
            store_choice(false);
            return;
        }
        spawn_local(async move {
            let granted = ask_permission().await;
            store_choice(granted);
            notify.set(granted);
        });
    };
    view! {
        <div class="needs-you" data-testid="needs-you-header">
            <span
                class="needs-you-count"
                data-testid="needs-you-count"
                hidden=move || count() == 0
                title="Sessions waiting for a person: the list marks them"
            >
                {move || format!("{} need you", count())}
            </span>
            <button
                class="icon"
                data-testid="notify-toggle"
                aria-pressed=move || notify.get().to_string()
                title=move || if notify.get() {
                    "Notifications on: click to turn off"
                } else {
                    "Notify me when a session needs me"
                }
                on:click=toggle
            >
                {move || if notify.get() { "🔔" } else { "🔕" }}
            </button>
        </div>
    }
}

/// The browser's notification permission; `None` where notifications do not exist.
fn permission() -> Option<NotificationPermission> {
    let window = web_sys::window()?;
    js_sys::Reflect::has(&window, &JsValue::from_str("Notification"))
        .ok()?
        .then(Notification::permission)
}

/// Asks the browser (it may prompt the user); true when notifications may be shown.
async fn ask_permission() -> bool {
    match permission() {
        None => false,
        Some(NotificationPermission::Granted) => true,
        Some(_) => {
            let Ok(promise) = Notification::request_permission() else {
                return false;
            };
            wasm_bindgen_futures::JsFuture::from(promise)
                .await
                .ok()
                .and_then(|answer| answer.as_string())
                .is_some_and(|answer| answer == "granted")
        }
    }
}

/// "agentcast: a session needs you", naming it.
fn show_notification(id: &str, title: &str) {
    if permission() != Some(NotificationPermission::Granted) {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(&format!("{title} is waiting for an answer"));
    // One notification per session: a second one replaces the first.
    options.set_tag(id);
    // The browser shows it from here on; a failure (e.g. a revoked permission) only means no
    // notification.
    let _ = Notification::new_with_options("agentcast: a session needs you", &options);
}

fn stored_choice() -> bool {
    local_storage()
        .and_then(|s| s.get_item(NOTIFY_KEY).ok().flatten())
        .is_some_and(|v| v == "on")
}

fn store_choice(on: bool) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(NOTIFY_KEY, if on { "on" } else { "off" });
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
