//! The agent's todo list and its progress bar.

use leptos::prelude::*;

use super::session::SessionCtx;
use crate::model::todos::{Todos, status_str};

#[component]
pub fn TodosPanel() -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    let todos = Memo::new(move |_| session.model.with(|m| m.todos.clone()));
    view! {
        <section class="panel todos" aria-label="Todos">
            <div class="panel-head">
                <h2>"Todos"</h2>
                <span class="muted small-text" data-testid="todo-progress">{move || todos.with(Todos::label)}</span>
            </div>
            <div
                class="progress"
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || todos.with(Todos::percent)
            >
                <div style:width=move || format!("{}%", todos.with(Todos::percent))></div>
            </div>
            <ul class="todo-list" data-testid="todos">
                {move || todos.with(|t| t.items.iter().map(|item| {
                    let status = status_str(item.status);
                    view! {
                        <li data-status=status data-testid="todo-item">
                            <span class="check" aria-hidden="true">{match status {
                                "completed" => "☑",
                                "in_progress" => "◔",
                                _ => "☐",
                            }}</span>
                            <span>{Todos::item_text(item).to_owned()}</span>
                        </li>
                    }
                }).collect_view())}
            </ul>
        </section>
    }
}
