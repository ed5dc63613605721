//! Tool execution: one row per call with its name and input summary, a spinner while it runs,
//! success or failure with the duration; sub-agent calls indented under their Task. A row
//! opens its output preview below the list.

use leptos::prelude::*;

use super::session::SessionCtx;
use super::virtual_rows::VirtualRows;
use crate::model::format;
use crate::model::tools::{ToolRow, ToolStatus};

const ROW_HEIGHT: f64 = 34.0;

/// A row as the list shows it: the tree flattened, cloned out of the model once per update.
#[derive(Clone, PartialEq)]
struct Shown {
    depth: usize,
    row: ToolRow,
}

#[component]
pub fn ToolsPanel() -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    let rows = Memo::new(move |_| {
        session.model.with(|m| {
            m.tools
                .tree()
                .into_iter()
                .map(|s| Shown {
                    depth: s.depth,
                    row: s.row.clone(),
                })
                .collect::<Vec<_>>()
        })
    });
    let open = RwSignal::new(None::<String>);
    let counts = move || {
        session.model.with(|m| {
            let (all, running, failed) =
                (m.tools.rows().len(), m.tools.running(), m.tools.failed());
            format!("{all} calls · {running} running · {failed} failed")
        })
    };
    let render = move |index: usize| {
        let cell = move |f: fn(&Shown) -> String| {
            move || rows.with(|r| r.get(index).map(f).unwrap_or_default())
        };
        let status = cell(|s| s.row.status.as_str().to_owned());
        let id = cell(|s| s.row.tool_use_id.clone());
        let toggle = move |_| {
            let id = id();
            open.update(|o| {
                *o = if o.as_deref() == Some(id.as_str()) {
                    None
                } else {
                    Some(id)
                }
            });
        };
        view! {
            <button
                class="tool-row"
                data-testid="tool-row"
                data-status=status
                data-tool=cell(|s| s.row.name.clone())
                data-tool-id=id
                aria-expanded=move || (open.get() == Some(id())).to_string()
                style:padding-left=move || format!("{}rem", 0.5 + rows.with(|r| r.get(index).map_or(0, |s| s.depth)) as f64 * 1.25)
                on:click=toggle
            >
                <span class="state" data-status=status aria-label=status>
                    {move || match rows.with(|r| r.get(index).map(|s| s.row.status)) {
                        Some(ToolStatus::Running) => view! { <span class="spinner" data-testid="tool-spinner"></span> }.into_any(),
                        Some(ToolStatus::Succeeded) => view! { <span class="ok">"✓"</span> }.into_any(),
                        Some(ToolStatus::Failed) => view! { <span class="fail">"✗"</span> }.into_any(),
                        None => ().into_any(),
                    }}
                </span>
                <span class="name">{cell(|s| s.row.name.clone())}</span>
                <span class="agent">{cell(|s| s.row.agent.clone().map(|a| format!("→ {a}")).unwrap_or_default())}</span>
                <span class="summary" title=cell(|s| s.row.summary.clone())>{cell(|s| s.row.summary.clone())}</span>
                <span class="duration" data-testid="tool-duration">
                    {cell(|s| s.row.duration_ms.map(format::duration).unwrap_or_default())}
                </span>
            </button>
        }
    };
    let preview = move || {
        let id = open.get()?;
        rows.with(|r| r.iter().find(|s| s.row.tool_use_id == id).cloned())
    };
    view! {
        <section class="panel tools" aria-label="Tools">
            <div class="panel-head">
                <h2>"Tools"</h2>
                <span class="muted small-text" data-testid="tool-counts">{counts}</span>
            </div>
            <VirtualRows len=Signal::derive(move || rows.with(Vec::len)) row_height=ROW_HEIGHT render=render testid="tools" follow=true/>
            {move || preview().map(|s| view! {
                <div class="tool-output" data-testid="tool-output" data-status=s.row.status.as_str()>
                    <div class="muted small-text">
                        {format!("{} · {} bytes", s.row.name, s.row.output_bytes)}
                    </div>
                    <pre>{s.row.output_preview.unwrap_or_else(|| "(still running)".into())}</pre>
                </div>
            })}
        </section>
    }
}
