//! The raw event table: offset, time, type and a one-line summary per event, filtered by type
//! patterns (as `subscribe` takes them) and a search text; "Load older" pages back through
//! the history; a row opens its full JSON below.

use leptos::prelude::*;

use super::Ctx;
use super::session::SessionCtx;
use super::virtual_rows::VirtualRows;
use crate::model::describe::describe;
use crate::model::filter::EventFilter;
use crate::model::format;

const ROW_HEIGHT: f64 = 28.0;

#[component]
pub fn EventsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let session = expect_context::<SessionCtx>();
    let patterns = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(None::<u64>);

    Effect::new(
        move |_| match EventFilter::new(&patterns.get(), &search.get()) {
            Ok(filter) => {
                error.set(None);
                session.model.update(|m| m.set_filter(filter));
            }
            Err(err) => error.set(Some(err.to_string())),
        },
    );

    let len = Signal::derive(move || session.model.with(|m| m.table.len()));
    let render = move |index: usize| {
        let cell = move |f: fn(&agentcast_shared::Envelope) -> String| {
            move || {
                session.model.with(|m| {
                    m.table
                        .slice(index..index + 1)
                        .first()
                        .and_then(|&at| m.log.get(at))
                        .map(f)
                        .unwrap_or_default()
                })
            }
        };
        let offset = cell(|e| e.offset.to_string());
        let kind = cell(|e| e.kind.clone());
        view! {
            <button
                class="event-row"
                data-testid="event-row"
                data-type=kind
                on:click=move |_| {
                    let offset = offset().parse().ok();
                    open.update(|o| *o = if *o == offset { None } else { offset });
                }
            >
                <span class="offset">{offset}</span>
                <span class="time">{cell(|e| format::clock(&e.ts).to_owned())}</span>
                <span class="type">{kind}</span>
                <span class="summary">{cell(describe)}</span>
            </button>
        }
    };
    let detail = move || {
        let offset = open.get()?;
        session.model.with(|m| {
            let at = m
                .log
                .events()
                .binary_search_by_key(&offset, |e| e.offset)
                .ok()?;
            serde_json::to_string_pretty(m.log.get(at)?).ok()
        })
    };
    let load_older = move |_| session.load_older(ctx);
    view! {
        <section class="panel events" aria-label="Events">
            <div class="panel-head">
                <h2>"Events"</h2>
                <span class="muted small-text" data-testid="event-count">
                    {move || session.model.with(|m| format!("{} of {} loaded", m.table.len(), m.log.len()))}
                </span>
                <span class="spacer"></span>
                <Show when=move || session.model.with(|m| m.log.has_older())>
                    <button class="small" data-testid="load-older" on:click=load_older disabled=move || session.older_loading.get()>
                        {move || if session.older_loading.get() { "Loading…" } else { "Load older" }}
                    </button>
                </Show>
            </div>
            <div class="filters">
                <input
                    placeholder="Types: tool.*, output.text"
                    aria-label="Event types"
                    data-testid="type-filter"
                    on:input=move |ev| patterns.set(event_target_value(&ev))
                />
                <input
                    type="search"
                    placeholder="Search"
                    aria-label="Search events"
                    data-testid="event-search"
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
            </div>
            <p class="error" data-testid="filter-error" role="alert">{move || error.get()}</p>
            <div class="event-head" aria-hidden="true">
                <span class="offset">"#"</span><span class="time">"time"</span><span class="type">"type"</span><span class="summary">"summary"</span>
            </div>
            <VirtualRows len=len row_height=ROW_HEIGHT render=render testid="events" follow=true/>
            {move || detail().map(|json| view! { <pre class="event-detail" data-testid="event-detail">{json}</pre> })}
        </section>
    }
}
