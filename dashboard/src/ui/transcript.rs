//! The transcript panel: assistant text growing as it streams, thinking folded, prompts (with
//! who sent them), permission requests and their answers, stderr and errors highlighted; the
//! control bar (`control`) below it. Entries are few (deltas fold into one per message), so the
//! newest `PAGE` are rendered and older ones on request, never thousands at once.

use leptos::html;
use leptos::prelude::*;

use super::control::ControlBar;
use super::session::SessionCtx;
use crate::model::transcript::{Entry, EntryKind};

const PAGE: usize = 200;

#[component]
pub fn TranscriptPanel() -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    let shown = RwSignal::new(PAGE);
    let keys = Memo::new(move |_| {
        session.model.with(|m| {
            let entries = m.transcript.entries();
            let start = entries.len().saturating_sub(shown.get());
            entries[start..]
                .iter()
                .map(|e| e.offset)
                .collect::<Vec<_>>()
        })
    });
    let hidden = move || {
        session
            .model
            .with(|m| m.transcript.entries().len())
            .saturating_sub(shown.get())
    };
    let older_on_server = move || session.model.with(|m| m.log.has_older());
    // Keep the newest text in view while the reader is at the bottom; leave them be once they
    // scrolled up to read.
    let body = NodeRef::<html::Div>::new();
    let following = RwSignal::new(true);
    let on_scroll = move |_| {
        if let Some(el) = body.get_untracked() {
            following.set(el.scroll_top() + el.client_height() + 40 >= el.scroll_height());
        }
    };
    Effect::new(move |_| {
        session.model.track();
        if following.get_untracked() {
            request_animation_frame(move || {
                if let Some(el) = body.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                }
            });
        }
    });
    view! {
        <section class="panel transcript" aria-label="Transcript">
            <div class="panel-head"><h2>"Transcript"</h2></div>
            <div class="transcript-body" data-testid="transcript" tabindex="0" node_ref=body on:scroll=on_scroll>
                <Show when=move || { hidden() != 0 }>
                    <button class="small link" on:click=move |_| shown.update(|s| *s += PAGE)>
                        {move || format!("Show {} earlier entries", hidden().min(PAGE))}
                    </button>
                </Show>
                <Show when=move || hidden() == 0 && older_on_server()>
                    <p class="muted">"Earlier events are not loaded yet ("<em>"Load older"</em>" in the event table)."</p>
                </Show>
                <For each=move || keys.get() key=|offset| *offset let:offset>
                    <TranscriptEntry offset=offset/>
                </For>
                <Show when=move || keys.with(Vec::is_empty) && !session.loading.get()>
                    <p class="muted">"Nothing said yet."</p>
                </Show>
            </div>
            <ControlBar/>
        </section>
    }
}

fn find(entries: &[Entry], offset: u64) -> Option<&Entry> {
    entries
        .binary_search_by_key(&offset, |e| e.offset)
        .ok()
        .map(|i| &entries[i])
}

#[component]
fn TranscriptEntry(offset: u64) -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    let read = move |f: fn(&Entry) -> String| {
        move || {
            session.model.with(|m| {
                find(m.transcript.entries(), offset)
                    .map(f)
                    .unwrap_or_default()
            })
        }
    };
    let kind = session
        .model
        .with_untracked(|m| find(m.transcript.entries(), offset).map(|e| e.kind))
        .unwrap_or(EntryKind::System);
    let streaming = move || {
        session
            .model
            .with(|m| find(m.transcript.entries(), offset).is_some_and(|e| e.streaming))
    };
    let (nested, by) = session
        .model
        .with_untracked(|m| {
            find(m.transcript.entries(), offset)
                .map(|e| (e.parent_tool_use_id.is_some(), e.by.clone()))
        })
        .unwrap_or_default();
    let text = read(|e| e.text.clone());
    let body = match kind {
        EntryKind::Thinking => view! {
            <details>
                <summary>"Thinking"</summary>
                <div class="text">{text}</div>
            </details>
        }
        .into_any(),
        _ => view! { <div class="text">{text}</div> }.into_any(),
    };
    let role = match kind {
        EntryKind::Assistant => "Assistant",
        // A prompt sent through agentcast names its sender.
        EntryKind::User => by.as_deref().unwrap_or("You"),
        EntryKind::Stderr => "stderr",
        EntryKind::Error => "Error",
        EntryKind::Permission => "Permission",
        EntryKind::Thinking | EntryKind::System | EntryKind::Gap => "",
    }
    .to_owned();
    view! {
        <article
            class=format!("entry {}", kind.as_str())
            class:nested=nested
            class:streaming=streaming
            data-testid="transcript-entry"
            data-kind=kind.as_str()
            data-offset=offset
        >
            {(!role.is_empty()).then(|| view! { <div class="who">{role}</div> })}
            {body}
        </article>
    }
}
