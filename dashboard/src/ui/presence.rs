//! Who is watching the open session: one chip per token subject (with its tab count when it
//! has several), marked when that subject may answer the agent.

use leptos::prelude::*;

use super::session::SessionCtx;

#[component]
pub fn Presence() -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    // Re-rendered whole on a change: a few chips, and far less code than a keyed list.
    view! {
        <ul class="presence" data-testid="presence" aria-label="Watching now">
            {move || session.watchers.get().into_iter().map(|watcher| {
                let tabs = if watcher.sockets > 1 { format!(" ×{}", watcher.sockets) } else { String::new() };
                view! {
                    <li
                        class="watcher"
                        class:controls=watcher.can_control
                        data-testid="watcher"
                        data-sub=watcher.sub.clone()
                        data-can-control=watcher.can_control.to_string()
                        title=if watcher.can_control { "watching; may answer the agent" } else { "watching" }
                    >
                        {format!("{}{tabs}", watcher.sub)}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
