//! The sessions list: grouped by project (a header per group with its session count, the
//! group with the newest activity first, each foldable), each session with its status, label,
//! agent kind, source, start, duration, tokens and cost; filtered by status, agent kind,
//! project and a search text. Loaded over REST when the token changes and kept current by the
//! hub namespace (see `crate::live`); a "needs you" badge on the sessions waiting for a person,
//! and the New session form above them for tokens that may start one. The list is virtualized: with thousands of sessions the
//! DOM holds a screenful of rows. Above it, the transcript import's progress while it runs.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use super::new_session::NewSession;
use super::virtual_rows::VirtualRows;
use crate::model::format;
use crate::model::import_progress::ImportProgress;
use crate::model::session_groups::{
    AgentFilter, ListRow, ProjectFilter, SessionQuery, group_label, groups, projects, rows,
};
use crate::model::sessions::{SessionText, StatusFilter};
use crate::model::window;

/// Height of a group's header row (the CSS agrees: `.group-row`).
const GROUP_HEIGHT: f64 = 36.0;
/// Height of a session's row (the CSS agrees: `.session-vrow`).
const SESSION_HEIGHT: f64 = 76.0;

/// The first page: a screenful and more, so the list shows at once.
const FIRST_PAGE: u32 = 200;
/// The pages after it (the server's largest).
const NEXT_PAGE: u32 = 1000;
/// The most sessions the list loads; past it, older ones are only in the API (and a
/// notice says so).
const MAX_LOADED: usize = 20_000;

/// Loads the list (newest page first, then the older ones page by page) and the project
/// names over REST; a refused token goes back to the prompt.
pub(crate) fn load(ctx: Ctx) {
    let token = ctx.token();
    spawn_local(async move {
        let (first, names) = futures_util::future::join(
            crate::api::sessions_page(token.as_deref(), FIRST_PAGE, None),
            crate::api::project_names(token.as_deref()),
        )
        .await;
        // Names are a nicety: without them the groups are titled by project id.
        if let Ok(names) = names {
            ctx.projects.set(names);
        }
        let mut page = first;
        let mut loaded = 0;
        loop {
            let next = match page {
                Ok((list, next)) => {
                    loaded += list.len();
                    ctx.sessions.update(|s| s.merge_loaded(list));
                    ctx.sessions_error.set(None);
                    next
                }
                Err(err) if err.refused => return ctx.refuse(err.message),
                Err(err) => return ctx.sessions_error.set(Some(err.message)),
            };
            let Some(cursor) = next else { return };
            if loaded >= MAX_LOADED {
                let notice = format!(
                    "Showing the newest {MAX_LOADED} sessions; older ones are in the API \
                     (GET /api/sessions with its cursor)."
                );
                return ctx.sessions_error.set(Some(notice));
            }
            if ctx.token() != token {
                // A new token started its own load.
                return;
            }
            page = crate::api::sessions_page(token.as_deref(), NEXT_PAGE, Some(&cursor)).await;
        }
    });
}

#[component]
pub fn SessionsList() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let query = RwSignal::new(SessionQuery::default());
    let collapsed = RwSignal::new(HashSet::<Option<String>>::new());
    // Unix milliseconds for running durations, refreshed with the clock.
    let wall_now = move || {
        ctx.now.track();
        js_sys::Date::now() as u64
    };
    let shown = Memo::new(move |_| {
        ctx.projects
            .with(|names| query.with(|q| ctx.sessions.with(|sessions| groups(sessions, q, names))))
    });
    let list = Memo::new(move |_| collapsed.with(|c| shown.with(|g| rows(g, c))));
    let tops = Memo::new(move |_| {
        list.with(|rows| {
            window::tops(rows.iter().map(|row| match row {
                ListRow::Group { .. } => GROUP_HEIGHT,
                ListRow::Session(_) => SESSION_HEIGHT,
            }))
        })
    });
    let count =
        Memo::new(move |_| shown.with(|g| g.iter().map(|g| g.sessions.len()).sum::<usize>()));
    let project_options = Memo::new(move |_| {
        ctx.projects.with(|names| {
            ctx.sessions.with(|sessions| {
                projects(sessions, names)
                    .into_iter()
                    .map(|p| {
                        let project = p.as_deref();
                        (
                            ProjectFilter::of(project).value(),
                            group_label(project, names),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    let render = move |index: usize| {
        let row = Memo::new(move |_| list.with(|rows| rows.get(index).cloned()));
        move || match row.get() {
            Some(ListRow::Group {
                project,
                count,
                collapsed: folded,
            }) => {
                view! { <GroupRow project=project count=count folded=folded collapsed=collapsed/> }
                    .into_any()
            }
            Some(ListRow::Session(id)) => {
                view! { <SessionRow id=id wall_now=wall_now/> }.into_any()
            }
            None => ().into_any(),
        }
    };
    view! {
        <nav class="panel sessions" aria-label="Sessions">
            <div class="panel-head">
                <h2>"Sessions"</h2>
                <span class="count" data-testid="sessions-count">{move || count.get()}</span>
            </div>
            <NewSession/>
            <ImportIndicator/>
            <div class="filters">
                <select
                    aria-label="Status"
                    data-testid="status-filter"
                    on:change=move |ev| query.update(|q| q.status = StatusFilter::parse(&event_target_value(&ev)))
                >
                    {StatusFilter::ALL.into_iter().map(|f| view! { <option value=f.as_str()>{f.as_str()}</option> }).collect_view()}
                </select>
                <select
                    aria-label="Agent"
                    data-testid="agent-filter"
                    on:change=move |ev| query.update(|q| q.agent = AgentFilter::parse(&event_target_value(&ev)))
                >
                    {AgentFilter::ALL.into_iter().map(|f| {
                        let label = if f == AgentFilter::All { "any agent" } else { f.as_str() };
                        view! { <option value=f.as_str()>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="filters">
                <select
                    aria-label="Project"
                    data-testid="project-filter"
                    prop:value=move || query.with(|q| q.project.value())
                    on:change=move |ev| query.update(|q| q.project = ProjectFilter::parse(&event_target_value(&ev)))
                >
                    <option value=ProjectFilter::All.value()>"every project"</option>
                    <For each=move || project_options.get() key=|option| option.clone() let:option>
                        <option value=option.0>{option.1}</option>
                    </For>
                </select>
                <input
                    type="search"
                    placeholder="Search"
                    aria-label="Search sessions"
                    data-testid="session-search"
                    on:input=move |ev| query.update(|q| q.search = event_target_value(&ev))
                />
            </div>
            <p class="error" role="alert">{move || ctx.sessions_error.get()}</p>
            <VirtualRows
                len=Signal::derive(move || list.with(Vec::len))
                row_height=SESSION_HEIGHT
                tops=tops
                render=render
                testid="sessions"
            />
            <Show when=move || count.get() == 0>
                <p class="muted empty">
                    {move || if ctx.sessions.with(|s| s.is_empty()) {
                        view! { "No sessions yet. Start one with "<code>"agentcast run"</code>"." }.into_any()
                    } else {
                        view! { "No session matches these filters." }.into_any()
                    }}
                </p>
            </Show>
        </nav>
    }
}

/// The transcript import's progress (files, bytes, percent) while it runs, and the files that
/// could not be read.
#[component]
fn ImportIndicator() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let progress = Memo::new(move |_| {
        ctx.collector
            .with(|c| c.as_ref().and_then(ImportProgress::of))
    });
    let text = move |f: fn(&ImportProgress) -> String| {
        move || progress.with(|p| p.as_ref().map(f).unwrap_or_default())
    };
    let importing = move || progress.with(|p| p.as_ref().is_some_and(|p| p.importing));
    let percent = move || progress.with(|p| p.as_ref().map_or(0.0, |p| p.percent));
    view! {
        <Show when=move || progress.with(Option::is_some)>
            <div class="import" data-testid="import-progress" role="status" aria-live="polite">
                <Show when=importing>
                    <div class="import-label" data-testid="import-label">{text(|p| p.label.clone())}</div>
                    <div
                        class="progress"
                        role="progressbar"
                        aria-label="Transcript import"
                        aria-valuemin="0"
                        aria-valuemax="100"
                        aria-valuenow=move || percent().floor()
                    >
                        <div data-testid="import-bar" style:width=move || format!("{:.1}%", percent())></div>
                    </div>
                    <div class="muted small-text" data-testid="import-detail">{text(|p| p.detail.clone())}</div>
                </Show>
                <Show when=move || progress.with(|p| p.as_ref().is_some_and(|p| p.errors.is_some()))>
                    <div class="import-errors" data-testid="import-errors">
                        {text(|p| p.errors.clone().unwrap_or_default())}
                    </div>
                </Show>
            </div>
        </Show>
    }
}

/// A group's header: its project, its session count, and the button that folds it.
#[component]
fn GroupRow(
    project: Option<String>,
    count: usize,
    folded: bool,
    collapsed: RwSignal<HashSet<Option<String>>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let label = {
        let project = project.clone();
        move || {
            ctx.projects
                .with(|names| group_label(project.as_deref(), names))
        }
    };
    let key = project.clone();
    let toggle = move |_| {
        collapsed.update(|c| {
            if !c.remove(&key) {
                c.insert(key.clone());
            }
        })
    };
    view! {
        <div class="group-row">
            <button
                class="group-head"
                data-testid="session-group"
                data-project=project.unwrap_or_default()
                data-count=count
                aria-expanded=(!folded).to_string()
                on:click=toggle
            >
                <span class="chevron" aria-hidden="true">{if folded { "▸" } else { "▾" }}</span>
                <span class="group-title" data-testid="group-title">{label}</span>
                <span class="count" title="Sessions" data-testid="group-count">{count}</span>
            </button>
        </div>
    }
}

#[component]
fn SessionRow(
    id: String,
    wall_now: impl Fn() -> u64 + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let row_id = id.clone();
    let info = Memo::new(move |_| ctx.sessions.with(|s| s.get(&row_id).cloned()));
    let field = move |f: fn(&agentcast_shared::rest::SessionRecord) -> String| {
        move || info.with(|i| i.as_ref().map(f).unwrap_or_default())
    };
    let selected = {
        let id = id.clone();
        move || ctx.route.with(|r| r.session() == Some(id.as_str()))
    };
    let open = {
        let id = id.clone();
        move |_| ctx.open(Some(id.clone()))
    };
    let status = field(|i| i.status.as_str().to_owned());
    let needs = {
        let id = id.clone();
        move || ctx.needing.with(|n| n.get(&id).copied())
    };
    let agent = field(|i| i.agent.map(|a| a.as_str().to_owned()).unwrap_or_default());
    let source = field(|i| i.source.as_str().to_owned());
    view! {
        <div class="session-vrow">
            <button
                class="session-row"
                class:selected=selected.clone()
                aria-current=move || selected().then_some("page")
                data-testid="session-row"
                data-session-id=id
                data-status=status
                data-agent=agent
                data-source=source
                on:click=open
            >
                <span class="badge" data-status=status>{status}</span>
                <span class="title">
                    {move || needs().map(|count| view! {
                        <span class="needs-you-badge" data-testid="needs-you" data-count=count
                            title=format!("{count} permission request(s) open")>"needs you"</span>
                    })}
                    {field(|i| i.title().to_owned())}
                </span>
                <span class="meta">
                    <span class="agent" title="Agent" data-testid="session-agent" data-agent=agent>{agent}</span>
                    <span title="Source" data-testid="session-source">{source}</span>
                    <span title="Started">{field(|i| format::date_time(&i.started_at))}</span>
                </span>
                <span class="figures">
                    <span title="Duration" data-testid="session-duration">
                        {move || info.with(|i| i.as_ref().map(|i| i.duration_text(wall_now())).unwrap_or_default())}
                    </span>
                    <span title="Tokens in + out">{field(|i| format!("{} tok", format::tokens(i.tokens())))}</span>
                    <span title="Cost" data-testid="session-cost">{field(|i| i.total_cost_usd.map(format::cost).unwrap_or_default())}</span>
                </span>
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::session_groups::ProjectNames;
    use crate::model::sessions::Sessions;
    use crate::ui::app::test_ctx;
    use crate::ui::virtual_rows::tests::{host, settle};
    use agentcast_shared::rest::SessionRecord;
    use agentcast_shared::{AgentKind, CollectorStats, Envelope, SessionSource, SessionState};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    fn record(
        id: &str,
        project: Option<&str>,
        agent: Option<AgentKind>,
        source: SessionSource,
        minute: u32,
    ) -> SessionRecord {
        // Minutes after 2026-11-24T00:00Z.
        let start = 1_795_478_400_000 + u64::from(minute) * 60_000;
        let mut r = SessionRecord::new(
            id,
            source,
            SessionState::Completed,
            agentcast_shared::format_ts_millis(start),
        );
        r.project_id = project.map(str::to_owned);
        r.agent = agent;
        r
    }

    fn all(host: &web_sys::HtmlElement, selector: &str) -> Vec<web_sys::Element> {
        let list = host.query_selector_all(selector).unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into())
            .collect()
    }

    fn attrs(host: &web_sys::HtmlElement, selector: &str, name: &str) -> Vec<String> {
        all(host, selector)
            .iter()
            .map(|e| e.get_attribute(name).unwrap_or_default())
            .collect()
    }

    fn texts(host: &web_sys::HtmlElement, selector: &str) -> Vec<String> {
        all(host, selector)
            .iter()
            .map(|e| e.text_content().unwrap_or_default())
            .collect()
    }

    fn one(host: &web_sys::HtmlElement, testid: &str) -> web_sys::HtmlElement {
        host.query_selector(&format!("[data-testid={testid}]"))
            .unwrap()
            .unwrap_or_else(|| panic!("no {testid}"))
            .unchecked_into()
    }

    /// Picks `value` in a `<select>` as a user would.
    fn choose(host: &web_sys::HtmlElement, testid: &str, value: &str) {
        let select = one(host, testid);
        js_sys::Reflect::set(&select, &"value".into(), &value.into()).unwrap();
        select
            .dispatch_event(&web_sys::Event::new("change").unwrap())
            .unwrap();
    }

    macro_rules! mount {
        ($host:expr, $ctx:expr) => {{
            let ctx = $ctx;
            leptos::mount::mount_to($host.clone(), move || {
                provide_context(ctx);
                view! { <SessionsList/> }
            })
        }};
    }

    #[wasm_bindgen_test]
    async fn sessions_are_grouped_by_project_with_agent_and_source_and_groups_fold() {
        let host = host();
        let ctx = test_ctx();
        ctx.sessions.set(Sessions::new(vec![
            record(
                "a1",
                Some("api"),
                Some(AgentKind::Claude),
                SessionSource::Transcript,
                540,
            ),
            record(
                "w1",
                Some("web"),
                Some(AgentKind::Codex),
                SessionSource::Transcript,
                570,
            ),
            record(
                "a2",
                Some("api"),
                Some(AgentKind::Claude),
                SessionSource::Run,
                600,
            ),
            record("n1", None, None, SessionSource::Pipe, 480),
        ]));
        ctx.projects.set(ProjectNames::from([(
            "api".to_owned(),
            "Payments API".to_owned(),
        )]));
        let _mounted = mount!(host, ctx);
        settle().await;

        let groups = "[data-testid=session-group]";
        let rows = "[data-testid=session-row]";
        assert_eq!(attrs(&host, groups, "data-project"), ["api", "web", ""]);
        assert_eq!(
            texts(&host, "[data-testid=group-title]"),
            ["Payments API", "web", "No project"]
        );
        assert_eq!(texts(&host, "[data-testid=group-count]"), ["2", "1", "1"]);
        assert_eq!(
            attrs(&host, rows, "data-session-id"),
            ["a2", "a1", "w1", "n1"]
        );
        assert_eq!(
            attrs(&host, rows, "data-agent"),
            ["claude", "claude", "codex", ""]
        );
        assert_eq!(
            texts(&host, "[data-testid=session-source]"),
            ["run", "transcript", "transcript", "pipe"]
        );
        assert_eq!(one(&host, "sessions-count").text_content().unwrap(), "4");

        // Folding a group leaves its header.
        all(&host, groups)[0]
            .unchecked_ref::<web_sys::HtmlElement>()
            .click();
        settle().await;
        assert_eq!(attrs(&host, rows, "data-session-id"), ["w1", "n1"]);
        assert_eq!(
            attrs(&host, groups, "aria-expanded"),
            ["false", "true", "true"]
        );

        // Filters by agent kind and project work across the groups.
        choose(&host, "agent-filter", "codex");
        settle().await;
        assert_eq!(attrs(&host, groups, "data-project"), ["web"]);
        assert_eq!(attrs(&host, rows, "data-session-id"), ["w1"]);
        assert_eq!(one(&host, "sessions-count").text_content().unwrap(), "1");
        choose(&host, "project-filter", "none");
        settle().await;
        assert!(all(&host, rows).is_empty());
        assert!(
            host.text_content()
                .unwrap()
                .contains("No session matches these filters.")
        );
        choose(&host, "agent-filter", "all");
        settle().await;
        assert_eq!(attrs(&host, rows, "data-session-id"), ["n1"]);
        // The project filter offers every project, by name.
        assert_eq!(
            texts(&host, "[data-testid=project-filter] option"),
            ["every project", "Payments API", "web", "No project"]
        );
    }

    #[wasm_bindgen_test]
    async fn five_thousand_sessions_keep_a_screenful_in_the_dom_and_stay_live() {
        let host = host();
        let ctx = test_ctx();
        let list = (0..5000)
            .map(|i| {
                let project = format!("p{}", i % 20);
                record(
                    &format!("s{i}"),
                    Some(&project),
                    Some(AgentKind::Claude),
                    SessionSource::Transcript,
                    i,
                )
            })
            .collect();
        ctx.sessions.set(Sessions::new(list));
        let _mounted = mount!(host, ctx);
        settle().await;
        let rows = "[data-testid=session-row]";
        assert_eq!(one(&host, "sessions-count").text_content().unwrap(), "5000");
        let shown = all(&host, rows).len();
        assert!((1..40).contains(&shown), "{shown} rows in the DOM");
        // The newest session (s4999, project p19) leads.
        assert_eq!(
            attrs(&host, "[data-testid=session-group]", "data-project")[0],
            "p19"
        );
        assert_eq!(attrs(&host, rows, "data-session-id")[0], "s4999");

        // Scrolled to the middle: another screenful, still bounded.
        let list = one(&host, "sessions");
        list.set_scroll_top(list.scroll_height() / 2);
        list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
            .unwrap();
        settle().await;
        let middle = attrs(&host, rows, "data-session-id");
        assert!(
            (1..40).contains(&middle.len()),
            "{} rows in the DOM",
            middle.len()
        );
        assert!(!middle.contains(&"s4999".to_owned()), "{middle:?}");

        // A session that starts live (hub `session.started`) joins its group at the top.
        list.set_scroll_top(0);
        list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
            .unwrap();
        ctx.sessions.update(|s| {
            s.apply(&Envelope {
                offset: 1,
                session_id: "live".into(),
                ts: "2026-11-29T00:00:00.000Z".into(),
                kind: "session.started".into(),
                data: serde_json::json!({"session_id": "live", "source": "transcript",
                    "agent": "codex", "project_id": "p3", "started_at": "2026-11-29T00:00:00.000Z"}),
            });
        });
        settle().await;
        assert_eq!(
            attrs(&host, "[data-testid=session-group]", "data-project")[0],
            "p3"
        );
        assert_eq!(attrs(&host, rows, "data-session-id")[0], "live");
        assert_eq!(attrs(&host, rows, "data-agent")[0], "codex");
        assert_eq!(one(&host, "sessions-count").text_content().unwrap(), "5001");
    }

    #[wasm_bindgen_test]
    async fn sessions_waiting_for_a_person_carry_a_badge() {
        let host = host();
        let ctx = test_ctx();
        let mut waiting = record("w", None, None, SessionSource::Http, 10);
        waiting.status = SessionState::Waiting;
        let mut running = record("r", None, None, SessionSource::Http, 20);
        running.status = SessionState::Running;
        ctx.sessions.set(Sessions::new(vec![waiting, running]));
        let _mounted = mount!(host, ctx);
        settle().await;
        let badges = "[data-testid=session-row] [data-testid=needs-you]";
        let badged = || {
            all(&host, badges)
                .iter()
                .map(|b| {
                    let row = b.closest("[data-testid=session-row]").unwrap().unwrap();
                    (
                        row.get_attribute("data-session-id").unwrap(),
                        b.get_attribute("data-count").unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(badged(), [("w".to_owned(), "1".to_owned())]);
        // Two requests open on "r" (from the hub): its badge counts them.
        let request = |id: &str| Envelope {
            offset: 3,
            session_id: "r".into(),
            ts: "2026-11-24T10:00:01.000Z".into(),
            kind: "permission.requested".into(),
            data: serde_json::json!({"request_id": id, "tool_name": "Bash", "input": {},
                "expires_at": "2026-11-24T10:10:00.000Z"}),
        };
        ctx.open_requests.update(|o| {
            o.apply_all(&[request("1"), request("2")]);
        });
        settle().await;
        assert_eq!(
            badged(),
            [
                ("r".to_owned(), "2".to_owned()),
                ("w".to_owned(), "1".to_owned())
            ]
        );
        // Who may start processes gets the New session form; others do not.
        let shown = |testid: &str| one(&host, testid).closest("[hidden]").unwrap().is_none();
        assert!(!shown("new-session-open"));
        let mut admin = crate::model::control::tests::who(&[agentcast_shared::Scope::Admin]);
        admin.may_start = vec!["claude".into()];
        ctx.who.set(Some(admin));
        settle().await;
        assert!(shown("new-session-open") && !shown("new-session"));
        one(&host, "new-session-open").click();
        settle().await;
        assert!(shown("new-session") && !shown("new-session-open"));
        assert_eq!(
            texts(&host, "[data-testid=new-session-command] option"),
            ["claude"]
        );
    }

    #[wasm_bindgen_test]
    async fn the_import_progress_shows_while_importing_then_only_errors() {
        let host = host();
        let ctx = test_ctx();
        let _mounted = mount!(host, ctx);
        settle().await;
        let present = |testid: &str| {
            host.query_selector(&format!("[data-testid={testid}]"))
                .unwrap()
                .is_some()
        };
        assert!(!present("import-progress"));
        let mut stats = CollectorStats {
            importing: true,
            files_total: 4000,
            files_imported: 1000,
            bytes_total: 2_000_000,
            bytes_imported: 1_000_000,
            files_followed: 0,
            errors: 0,
        };
        ctx.collector.set(Some(stats.clone()));
        settle().await;
        assert_eq!(
            one(&host, "import-label").text_content().unwrap(),
            "Importing transcripts: 1,000 of 4,000 files"
        );
        assert_eq!(
            one(&host, "import-detail").text_content().unwrap(),
            "1.0 MB of 2.0 MB (50%)"
        );
        assert_eq!(
            one(&host, "import-bar")
                .style()
                .get_property_value("width")
                .unwrap(),
            "50%"
        );
        assert!(!present("import-errors"));

        stats.errors = 2;
        ctx.collector.set(Some(stats.clone()));
        settle().await;
        assert_eq!(
            one(&host, "import-errors").text_content().unwrap(),
            "2 files could not be read"
        );

        // Done: the bar goes, the errors stay.
        stats.importing = false;
        ctx.collector.set(Some(stats.clone()));
        settle().await;
        assert!(!present("import-label"));
        assert!(present("import-errors"));
        // Done without errors: nothing at all.
        stats.errors = 0;
        ctx.collector.set(Some(stats));
        settle().await;
        assert!(!present("import-progress"));
    }
}
