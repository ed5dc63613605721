//! The analytics page, across sessions: cost and tokens per day (bar charts), per model and
//! per project (tables with bars), sessions by outcome, for the last 7, 30 or 90 days or all.
//! The reports come from `/api/analytics/*` (the server sums the sessions' totals);
//! `model::analytics` folds them and `model::chart` draws the bars.

use agentcast_shared::rest::GroupBy;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::api::ApiError;
use crate::model::analytics::{Analytics, Range, Reports, Totals};
use crate::model::chart::{bar_chart, shares, summary};
use crate::model::format;
use crate::model::session_groups::group_label;

/// The charts' viewBox; the SVG scales to the page's width.
const CHART_WIDTH: f64 = 480.0;
const CHART_HEIGHT: f64 = 160.0;

/// Asks for every report of `range` at once.
async fn fetch(range: Range, now_ms: u64, token: Option<String>) -> Result<Reports, ApiError> {
    use crate::api::analytics as report;
    let from = range.from(now_ms);
    let (f, t) = (from.as_deref(), token.as_deref());
    let (usage_by_day, costs_by_day, usage_by_model, costs_by_model) = futures_util::try_join!(
        report("usage", GroupBy::Day, f, t),
        report("costs", GroupBy::Day, f, t),
        report("usage", GroupBy::Model, f, t),
        report("costs", GroupBy::Model, f, t),
    )?;
    let (usage_by_project, costs_by_project, sessions_by_day) = futures_util::try_join!(
        report("usage", GroupBy::Project, f, t),
        report("costs", GroupBy::Project, f, t),
        report("sessions", GroupBy::Day, f, t),
    )?;
    Ok(Reports {
        usage_by_day,
        costs_by_day,
        usage_by_model,
        costs_by_model,
        usage_by_project,
        costs_by_project,
        sessions_by_day,
    })
}

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let range = RwSignal::new(Range::default());
    let data = RwSignal::new(None::<Analytics>);
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    // Answers to an older range that come late are dropped.
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let range = range.get();
        let token = ctx.token.get();
        let id = asked.get_value() + 1;
        asked.set_value(id);
        loading.set(true);
        let now_ms = js_sys::Date::now() as u64;
        spawn_local(async move {
            let answer = fetch(range, now_ms, token).await;
            if asked.try_get_value() != Some(id) {
                return;
            }
            match answer {
                Ok(reports) => {
                    data.set(Some(Analytics::fold(&reports, range, now_ms)));
                    error.set(None);
                }
                // A token limited to some sessions may not read totals over all of them: say
                // so here, the rest of the dashboard still works with it.
                Err(err) => error.set(Some(err.message)),
            }
            loading.set(false);
        });
    });
    view! {
        <section
            class="analytics"
            data-testid="analytics"
            data-loaded=move || (!loading.get()).to_string()
            aria-label="Analytics"
        >
            <div class="analytics-head">
                <h1>"Analytics"</h1>
                <span class="spacer"></span>
                <div class="range" role="group" aria-label="Date range">
                    {Range::ALL.into_iter().map(|r| view! {
                        <button
                            class="small"
                            data-testid=format!("range-{}", r.as_str())
                            aria-pressed=move || (range.get() == r).to_string()
                            on:click=move |_| range.set(r)
                        >{r.label()}</button>
                    }).collect_view()}
                </div>
            </div>
            <p class="error" role="alert" data-testid="analytics-error">{move || error.get()}</p>
            {move || data.get().map(|page| view! { <Report page=page/> })}
        </section>
    }
}

#[component]
fn Report(page: Analytics) -> impl IntoView {
    let total = page.total.clone();
    let figure = |label: &'static str, testid: &'static str, value: String| {
        view! {
            <div class="figure">
                <dt>{label}</dt>
                <dd data-testid=testid>{value}</dd>
            </div>
        }
    };
    let cost_days = page.per_day(|d| d.cost_usd);
    let token_days = page.per_day(|d| d.tokens() as f64);
    view! {
        <dl class="figures-grid analytics-figures">
            {figure("Cost", "total-cost", format::cost(total.cost_usd))}
            {figure("Sessions", "total-sessions", total.sessions.to_string())}
            {figure("Input", "total-input", format::tokens(total.input_tokens))}
            {figure("Output", "total-output", format::tokens(total.output_tokens))}
            {figure("Cache read", "total-cache-read", format::tokens(total.cache_read_tokens))}
            {figure("Cache write", "total-cache-write", format::tokens(total.cache_creation_tokens))}
            {figure("Success", "success-rate", page.success_rate.map(|r| format!("{r:.0}%")).unwrap_or_else(|| "–".into()))}
        </dl>
        <div class="analytics-grid">
            <section class="panel" aria-label="Cost per day">
                <h2>"Cost per day"</h2>
                <BarChartView title="Cost per day" points=cost_days value_text=format::cost testid="cost-chart"/>
            </section>
            <section class="panel" aria-label="Tokens per day">
                <h2>"Tokens per day (in + out)"</h2>
                <BarChartView title="Tokens per day" points=token_days value_text=|v| format::tokens(v as u64) testid="tokens-chart"/>
            </section>
            <section class="panel" aria-label="Sessions by outcome">
                <h2>"Sessions by outcome"</h2>
                <Outcomes page=page.clone()/>
            </section>
            <section class="panel wide" aria-label="By model">
                <h2>"By model"</h2>
                <Breakdown rows=page.models.clone() heading="Model" testid="by-model" label=|key| key.unwrap_or("(none reported)").to_owned()/>
            </section>
            <section class="panel wide" aria-label="By project">
                <h2>"By project"</h2>
                <Breakdown rows=page.projects.clone() heading="Project" testid="by-project" label=project_label/>
            </section>
        </div>
    }
}

/// A project's name when the dashboard knows it.
fn project_label(key: Option<&str>) -> String {
    let ctx = expect_context::<Ctx>();
    ctx.projects.with_untracked(|names| group_label(key, names))
}

/// A bar chart in SVG, its summary as its accessible name and as a caption.
#[component]
fn BarChartView(
    title: &'static str,
    points: Vec<(String, f64)>,
    value_text: fn(f64) -> String,
    testid: &'static str,
) -> impl IntoView {
    let chart = bar_chart(&points, CHART_WIDTH, CHART_HEIGHT, value_text);
    let caption = summary(title, &points, value_text);
    let baseline = CHART_HEIGHT - crate::model::chart::LABEL_BAND;
    view! {
        <svg
            class="bar-chart"
            data-testid=testid
            viewBox=format!("0 0 {} {}", chart.width, chart.height)
            role="img"
            aria-label=caption.clone()
        >
            <line class="axis-line" x1="0" x2=chart.width y1=baseline y2=baseline></line>
            {chart.bars.into_iter().map(|bar| view! {
                <rect class="bar" x=bar.x y=bar.y width=bar.width height=bar.height>
                    <title>{bar.title}</title>
                </rect>
            }).collect_view()}
            {chart.labels.into_iter().map(|label| view! {
                <text class="axis-label" x=label.x y=chart.height - 4.0 text-anchor=label.anchor>{label.text}</text>
            }).collect_view()}
        </svg>
        <p class="muted small-text chart-caption">{caption}</p>
    }
}

/// Sessions by outcome: one bar split by outcome, and the counts.
#[component]
fn Outcomes(page: Analytics) -> impl IntoView {
    let all: f64 = page.outcomes.iter().map(|o| o.count as f64).sum();
    view! {
        <div class="outcome-bar" aria-hidden="true">
            {page.outcomes.iter().filter(|o| o.count > 0).map(|o| view! {
                <div class="seg" data-status=o.status style:width=format!("{:.2}%", o.count as f64 / all * 100.0)></div>
            }).collect_view()}
        </div>
        <ul class="outcomes" data-testid="outcomes">
            {page.outcomes.into_iter().map(|o| view! {
                <li data-testid="outcome" data-status=o.status data-count=o.count>
                    <span class="swatch" data-status=o.status aria-hidden="true"></span>
                    <span>{o.label}</span>
                    <span class="count-value">{o.count}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// Totals per model or project, most expensive first, with the share of the most expensive.
#[component]
fn Breakdown(
    rows: Vec<Totals>,
    heading: &'static str,
    testid: &'static str,
    label: fn(Option<&str>) -> String,
) -> impl IntoView {
    let share = shares(&rows.iter().map(|r| r.cost_usd).collect::<Vec<_>>());
    let empty = rows.is_empty();
    view! {
        <div class="table-scroll">
            <table class="breakdown" data-testid=testid>
                <thead>
                    <tr>
                        <th scope="col">{heading}</th>
                        <th scope="col">"Sessions"</th>
                        <th scope="col">"Input"</th>
                        <th scope="col">"Output"</th>
                        <th scope="col">"Cache read"</th>
                        <th scope="col">"Cache write"</th>
                        <th scope="col">"Cost"</th>
                        <th scope="col" class="share-col">"Share of cost"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().zip(share).map(|(row, share)| view! {
                        <tr data-testid="breakdown-row" data-key=row.key.clone().unwrap_or_default()>
                            <th scope="row">{label(row.key.as_deref())}</th>
                            <td>{row.sessions}</td>
                            <td>{format::tokens(row.input_tokens)}</td>
                            <td>{format::tokens(row.output_tokens)}</td>
                            <td>{format::tokens(row.cache_read_tokens)}</td>
                            <td>{format::tokens(row.cache_creation_tokens)}</td>
                            <td data-testid="breakdown-cost">{format::cost(row.cost_usd)}</td>
                            <td class="share-col">
                                <div class="share" aria-label=format!("{share:.0}% of the largest")>
                                    <div data-testid="share-bar" style:width=format!("{share:.1}%")></div>
                                </div>
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {empty.then(|| view! { <p class="muted">"No sessions in this range."</p> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session_groups::ProjectNames;
    use crate::ui::app::test_ctx;
    use crate::ui::virtual_rows::tests::{host, settle};
    use serde_json::json;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn attrs(host: &web_sys::HtmlElement, selector: &str, name: &str) -> Vec<String> {
        let list = host.query_selector_all(selector).unwrap();
        (0..list.length())
            .map(|i| {
                list.item(i)
                    .unwrap()
                    .unchecked_into::<web_sys::Element>()
                    .get_attribute(name)
                    .unwrap_or_default()
            })
            .collect()
    }

    fn text(host: &web_sys::HtmlElement, selector: &str) -> String {
        host.query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector}"))
            .text_content()
            .unwrap_or_default()
    }

    fn from<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).unwrap()
    }

    /// A week as the server would report it: two days with sessions, two models, a project
    /// and sessions without one.
    fn week() -> Analytics {
        let usage = |group: &str, rows| from(json!({"group_by": group, "rows": rows}));
        let costs = |group: &str, rows| {
            from(json!({"group_by": group, "rows": rows, "total_cost_usd": 0.0}))
        };
        let u = |key: Option<&str>, sessions: u64, input: u64| {
            json!({"key": key, "sessions": sessions, "input_tokens": input, "output_tokens": 0,
                   "cache_read_tokens": 0, "cache_creation_tokens": 0})
        };
        let c = |key: Option<&str>, sessions: u64, cost: f64| json!({"key": key, "sessions": sessions, "total_cost_usd": cost});
        let reports = Reports {
            usage_by_day: usage(
                "day",
                json!([
                    u(Some("2026-11-20"), 2, 3000),
                    u(Some("2026-11-24"), 1, 1000)
                ]),
            ),
            costs_by_day: costs(
                "day",
                json!([c(Some("2026-11-20"), 2, 3.0), c(Some("2026-11-24"), 1, 1.0)]),
            ),
            usage_by_model: usage(
                "model",
                json!([u(Some("haiku"), 1, 1000), u(Some("opus"), 2, 3000)]),
            ),
            costs_by_model: costs(
                "model",
                json!([c(Some("haiku"), 1, 1.0), c(Some("opus"), 2, 3.0)]),
            ),
            usage_by_project: usage(
                "project",
                json!([u(Some("api"), 2, 3000), u(None, 1, 1000)]),
            ),
            costs_by_project: costs("project", json!([c(Some("api"), 2, 3.0), c(None, 1, 1.0)])),
            sessions_by_day: from(json!({"group_by": "day", "rows": [
                {"key": "2026-11-20", "sessions": 2, "completed": 1, "failed": 1, "cancelled": 0,
                 "interrupted": 0, "active": 0, "success_rate": 0.5, "avg_duration_ms": null,
                 "total_duration_ms": 0},
                {"key": "2026-11-24", "sessions": 1, "completed": 0, "failed": 0, "cancelled": 0,
                 "interrupted": 0, "active": 1, "success_rate": null, "avg_duration_ms": null,
                 "total_duration_ms": 0}]})),
        };
        let now = crate::model::format::parse_ts_millis("2026-11-24T12:00:00Z").unwrap();
        Analytics::fold(&reports, Range::Days7, now)
    }

    #[wasm_bindgen_test]
    async fn the_report_draws_charts_tables_and_outcomes() {
        let host = host();
        let ctx = test_ctx();
        ctx.projects.set(ProjectNames::from([(
            "api".to_owned(),
            "Payments API".to_owned(),
        )]));
        let _mounted = leptos::mount::mount_to(host.clone(), move || {
            provide_context(ctx);
            view! { <Report page=week()/> }
        });
        settle().await;

        assert_eq!(text(&host, "[data-testid=total-cost]"), "$4.00");
        assert_eq!(text(&host, "[data-testid=total-sessions]"), "3");
        assert_eq!(text(&host, "[data-testid=success-rate]"), "50%");

        // Seven days, seven bars; the tallest is the 20th, the empty days are flat.
        let heights: Vec<f64> = attrs(&host, "[data-testid=cost-chart] rect.bar", "height")
            .iter()
            .map(|h| h.parse().unwrap())
            .collect();
        assert_eq!(heights.len(), 7);
        let plot = CHART_HEIGHT - crate::model::chart::LABEL_BAND;
        let expected = [0.0, 0.0, plot, 0.0, 0.0, 0.0, plot / 3.0];
        for (height, expected) in heights.iter().zip(expected) {
            assert!((height - expected).abs() < 1e-6, "{heights:?}");
        }
        assert_eq!(
            attrs(&host, "[data-testid=cost-chart]", "aria-label"),
            ["Cost per day, 2026-11-18 to 2026-11-24: total $4.00, highest $3.00 on 2026-11-20"]
        );
        assert_eq!(attrs(&host, "[data-testid=cost-chart]", "role"), ["img"]);
        assert_eq!(
            text(&host, "[data-testid=cost-chart] rect.bar title"),
            "2026-11-18: $0.00"
        );
        assert_eq!(
            attrs(&host, "[data-testid=tokens-chart] rect.bar", "height").len(),
            7
        );

        // Per model and per project, most expensive first, with their share of the largest.
        assert_eq!(
            attrs(
                &host,
                "[data-testid=by-model] [data-testid=breakdown-row]",
                "data-key"
            ),
            ["opus", "haiku"]
        );
        assert_eq!(
            text(&host, "[data-testid=by-project] tbody th"),
            "Payments API"
        );
        let widths: Vec<String> = {
            let list = host
                .query_selector_all("[data-testid=by-project] [data-testid=share-bar]")
                .unwrap();
            (0..list.length())
                .map(|i| {
                    list.item(i)
                        .unwrap()
                        .unchecked_into::<web_sys::HtmlElement>()
                        .style()
                        .get_property_value("width")
                        .unwrap()
                })
                .collect()
        };
        assert_eq!(widths, ["100%", "33.3%"]);
        assert!(
            text(&host, "[data-testid=by-project]").contains("No project"),
            "the sessions without a project have their row"
        );

        // Outcomes, every one listed.
        assert_eq!(
            attrs(&host, "[data-testid=outcome]", "data-status"),
            ["completed", "failed", "cancelled", "interrupted", "running"]
        );
        assert_eq!(
            attrs(&host, "[data-testid=outcome]", "data-count"),
            ["1", "1", "0", "0", "1"]
        );
    }

    #[wasm_bindgen_test]
    async fn the_page_offers_ranges_and_says_why_reports_could_not_load() {
        // The test runner's server has no analytics API: the page must say so, not hang.
        let host = host();
        let ctx = test_ctx();
        let _mounted = leptos::mount::mount_to(host.clone(), move || {
            provide_context(ctx);
            view! { <AnalyticsPage/> }
        });
        let page = host
            .query_selector("[data-testid=analytics]")
            .unwrap()
            .unwrap();
        let mut waited = 0;
        while page.get_attribute("data-loaded").as_deref() != Some("true") {
            assert!(waited < 100, "the reports never answered");
            settle().await;
            waited += 1;
        }
        assert!(
            text(&host, "[data-testid=analytics-error]").contains("/api/analytics/"),
            "{}",
            text(&host, "[data-testid=analytics-error]")
        );
        assert_eq!(
            attrs(&host, ".range button", "aria-pressed"),
            ["false", "true", "false", "false"]
        );
        host.query_selector("[data-testid=range-all]")
            .unwrap()
            .unwrap()
            .unchecked_into::<web_sys::HtmlElement>()
            .click();
        settle().await;
        assert_eq!(
            attrs(&host, ".range button", "aria-pressed"),
            ["false", "false", "false", "true"]
        );
    }
}
