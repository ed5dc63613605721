//! Who is watching the open session: one chip per token subject (with its tab count when it
//! has several), marked when that subject may answer the agent.

use leptos::prelude::*;

use super::session::SessionCtx;

#[component]
pub fn Presence() -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    view! {
        <ul class="presence" data-testid="presence" aria-label="Watching now">
            <For
                each=move || session.watchers.get()
                key=|w| (w.sub.clone(), w.sockets, w.can_control)
                let:watcher
            >
                <li
                    class="watcher"
                    class:controls=watcher.can_control
                    data-testid="watcher"
                    data-sub=watcher.sub.clone()
                    data-can-control=watcher.can_control.to_string()
                    title=if watcher.can_control { "watching; may answer the agent" } else { "watching" }
                >
                    <span class="marker" aria-hidden="true">{if watcher.can_control { "◆" } else { "○" }}</span>
                    {watcher.sub.clone()}
                    <Show when=move || { watcher.sockets > 1 }>
                        <span class="muted">{format!(" ×{}", watcher.sockets)}</span>
                    </Show>
                </li>
            </For>
        </ul>
    }
}
