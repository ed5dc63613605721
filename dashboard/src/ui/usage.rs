//! Tokens in, out and cached, cost and model, and a small bar chart of events over time.

use leptos::prelude::*;

use super::session::SessionCtx;
use crate::model::format;
use crate::model::usage::ACTIVITY_BARS;

#[component]
pub fn UsagePanel() -> impl IntoView {
    let session = expect_context::<SessionCtx>();
    let usage = Memo::new(move |_| session.model.with(|m| m.usage.clone()));
    let bars = Memo::new(move |_| session.model.with(|m| m.activity.bars()));
    let figure = move |label: &'static str,
                       testid: &'static str,
                       f: fn(&crate::model::usage::Usage) -> String| {
        view! {
            <div class="figure">
                <dt>{label}</dt>
                <dd data-testid=testid>{move || usage.with(f)}</dd>
            </div>
        }
    };
    let chart = move || {
        bars.with(|b| {
            let max = b.max.max(1) as f64;
            b.counts
                .iter()
                .enumerate()
                .map(|(i, &count)| {
                    let h = (count as f64 / max * 40.0).max(if count > 0 { 1.0 } else { 0.0 });
                    view! { <rect x=i * 4 y=40.0 - h width="3" height=h><title>{count}</title></rect> }
                })
                .collect_view()
        })
    };
    view! {
        <section class="panel usage" aria-label="Usage and cost">
            <div class="panel-head">
                <h2>"Usage"</h2>
                <span class="muted small-text" data-testid="model">{move || usage.with(|u| u.model.clone().unwrap_or_default())}</span>
            </div>
            <dl class="figures-grid">
                {figure("Cost", "cost", |u| if u.known { format::cost(u.cost_usd) } else { "–".into() })}
                {figure("Input", "tokens-in", |u| format::tokens(u.input_tokens))}
                {figure("Output", "tokens-out", |u| format::tokens(u.output_tokens))}
                {figure("Cache read", "tokens-cache-read", |u| format::tokens(u.cache_read_tokens))}
                {figure("Cache write", "tokens-cache-write", |u| format::tokens(u.cache_creation_tokens))}
            </dl>
            <svg
                class="chart"
                data-testid="activity-chart"
                viewBox=format!("0 0 {} 40", ACTIVITY_BARS * 4)
                preserveAspectRatio="none"
                role="img"
                aria-label=move || bars.with(|b| format!("Events per {}", format::duration(b.bucket_ms)))
            >
                {chart}
            </svg>
            <div class="muted small-text">{move || bars.with(|b| format!("events per {}", format::duration(b.bucket_ms)))}</div>
        </section>
    }
}
