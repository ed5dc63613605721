//! The behavioural suite of the store: every backend runs every test in it, as
//! `store::tests::<backend>::<test>`. A backend joins with one line, `store_suite!(<name>,
//! <a future of its Fixture>)`, and a `Fixture` constructor that opens it fresh (and says how
//! to reopen what it stored, if anything survives). Also here: the SQLite-only crash test, a
//! writer process SIGKILLed in the middle of its batches leaves every session's offsets
//! contiguous.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use agentcast_shared::rest::{
    Checkpoint, CostRow, GroupBy, McpServer, McpServerConfig, Project, SessionFilter,
    SessionRecord, UsageRow,
};
use agentcast_shared::{
    AgentKind, Event, OutputText, SessionSource, SessionState, format_ts_millis,
};

use super::*;
use crate::clock::{now_ts, now_unix_millis};
use crate::hub::envelope;

/// Opens a backend again on what it stored.
type Reopen = Box<dyn Fn() -> Pin<Box<dyn Future<Output = Store> + Send>> + Send + Sync>;

/// A store under test, and how to get it back after a restart.
struct Fixture {
    store: Store,
    /// Opens the same data again; `None` when nothing survives a close (memory).
    reopen: Option<Reopen>,
    /// What the data lives in, removed when the test ends.
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    async fn memory() -> Option<Self> {
        Some(Fixture {
            store: Store::new(Arc::new(MemoryStore::new())),
            reopen: None,
            _dir: None,
        })
    }

    async fn sqlite() -> Option<Self> {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path: PathBuf = dir.path().to_owned();
        let reopen: Reopen = Box::new(move || {
            let path = path.clone();
            Box::pin(async move { open(&path, Durability::Normal, None).await.expect("opens") })
        });
        Some(Fixture {
            store: reopen().await,
            reopen: Some(reopen),
            _dir: Some(dir),
        })
    }

    /// A fresh database on this process's private PostgreSQL server; `None` (the test
    /// skips, after a notice) when PostgreSQL is not installed, except under CI.
    async fn postgres() -> Option<Self> {
        let url: DatabaseUrl = testing::TempPostgres::shared()?
            .new_database()
            .await
            .parse()
            .expect("a postgres:// URL");
        let reopen: Reopen = Box::new(move || {
            let url = url.clone();
            Box::pin(async move {
                // The data directory is not used with a URL.
                open(Path::new("unused"), Durability::Normal, Some(&url))
                    .await
                    .expect("opens")
            })
        });
        Some(Fixture {
            store: reopen().await,
            reopen: Some(reopen),
            _dir: None,
        })
    }

    /// Closes and reopens the store; a store where nothing survives is left as it is.
    async fn reopen(&mut self) {
        if let Some(reopen) = &self.reopen {
            self.store.close().await;
            self.store = reopen().await;
        }
    }
}

/// Every test of the suite, run against the backend `$fixture` (a future of a [`Fixture`], or
/// of `None` when the backend is not installed here) opens, in a module named after it.
macro_rules! store_suite {
    ($backend:ident, $fixture:expr) => {
        mod $backend {
            use super::*;
            store_suite!(@tests $fixture;
                appends_and_reads_in_order,
                pages_by_after_before_and_limit,
                filters_by_type,
                head_offset_survives_a_reopen,
                a_duplicate_offset_fails_the_whole_batch,
                upsert_keeps_the_highest_head,
                lists_sessions_newest_first,
                pages_through_sessions_by_key,
                marks_interrupted_on_startup,
                collected_sessions_are_left_to_their_collector,
                trims_by_count,
                trims_by_age,
                soft_delete_hides_the_session_and_drops_its_events,
                checkpoints_crud,
                projects_crud,
                projects_count_their_live_sessions,
                mcp_servers_crud,
                analytics_group_by_day_model_and_project,
                file_cursors_are_committed_with_their_events,
                finds_a_session_by_the_agents_own_id,
            );
        }
    };
    (@tests $fixture:expr; $($name:ident),* $(,)?) => {
        $(#[tokio::test]
        async fn $name() {
            let Some(fixture) = $fixture.await else { return };
            super::$name(fixture).await;
        })*
    };
}

store_suite!(memory, Fixture::memory());
store_suite!(sqlite, Fixture::sqlite());
store_suite!(postgres, Fixture::postgres());

/// 2026-11-24T10:00:00.000Z
const BASE_MS: u64 = 1_795_514_400_000;

fn ts(offset: u64) -> String {
    format_ts_millis(BASE_MS + offset * 1000)
}

fn event(session: &str, offset: u64, kind: &str) -> StoredEvent {
    StoredEvent {
        session_id: session.into(),
        offset,
        kind: kind.to_owned(),
        ts: ts(offset),
        data_json: format!(r#"{{"n":{offset},"text":"event {offset} of {session}"}}"#),
    }
}

fn events(session: &str, offsets: std::ops::RangeInclusive<u64>) -> Vec<StoredEvent> {
    offsets.map(|o| event(session, o, "output.text")).collect()
}

fn offsets(page: &EventPage) -> Vec<u64> {
    page.events.iter().map(|e| e.offset).collect()
}

fn session(id: &str, status: SessionState) -> SessionRecord {
    SessionRecord::new(id, SessionSource::Run, status, ts(0))
}

fn checkpoint(id: &str, session: &str, label: Option<String>, offset: u64) -> Checkpoint {
    Checkpoint {
        id: id.to_owned(),
        session_id: session.to_owned(),
        label,
        offset,
        created_at: now_ts(),
    }
}

fn project(id: &str, name: &str, settings: serde_json::Value) -> Project {
    Project {
        id: id.to_owned(),
        name: name.to_owned(),
        settings,
        created_at: now_ts(),
        path: None,
        session_count: 0,
    }
}

fn mcp_server(
    name: &str,
    command: &str,
    args: Vec<String>,
    env: BTreeMap<String, String>,
) -> McpServer {
    McpServer {
        config: McpServerConfig {
            name: name.to_owned(),
            command: command.to_owned(),
            args,
            env,
        },
        created_at: now_ts(),
    }
}

async fn read(log: &dyn EventLog, session: &str, query: EventQuery<'_>) -> EventPage {
    log.read_events(session, &query).await.expect("reads")
}

async fn appends_and_reads_in_order(f: Fixture) {
    let log = &**f.store.events();
    // Two sessions interleaved in batches, as group commit mixes them.
    let mut a = events("a", 1..=250).into_iter();
    let mut b = events("b", 1..=120).into_iter();
    for size in [1, 7, 100, 300] {
        let batch: Vec<_> = a
            .by_ref()
            .take(size)
            .chain(b.by_ref().take(size / 2))
            .collect();
        log.append_batch(&batch).await.unwrap();
    }
    log.append_batch(&[]).await.unwrap();
    // Larger than one statement: several in one transaction.
    log.append_batch(&events("big", 1..=2500)).await.unwrap();
    let page = read(
        log,
        "big",
        EventQuery {
            limit: 3000,
            ..EventQuery::after(0)
        },
    )
    .await;
    assert_eq!(page.events, events("big", 1..=2500));

    let page = read(log, "a", EventQuery::after(0)).await;
    assert_eq!(page.events, events("a", 1..=250));
    assert!(!page.has_more);
    let page = read(log, "b", EventQuery::after(0)).await;
    assert_eq!(offsets(&page), (1..=120).collect::<Vec<_>>());
    assert!(
        read(log, "nobody", EventQuery::after(0))
            .await
            .events
            .is_empty()
    );

    // The replayed envelope is the live one, byte for byte.
    let live = envelope::stored_event(
        "c".into(),
        1,
        ts(1),
        &Event::OutputText(OutputText {
            message_id: Some("m1".into()),
            text: "héllo \"quoted\"\n".into(),
            delta: true,
            parent_tool_use_id: None,
        }),
    );
    log.append_batch(std::slice::from_ref(&live)).await.unwrap();
    let replayed = &read(log, "c", EventQuery::after(0)).await.events[0];
    assert_eq!(
        envelope::of_stored(replayed).unwrap().get(),
        envelope::of_stored(&live).unwrap().get()
    );
}

async fn pages_by_after_before_and_limit(f: Fixture) {
    let log = &**f.store.events();
    log.append_batch(&events("s", 1..=10)).await.unwrap();
    let q = |after, before, limit, direction| EventQuery {
        after,
        before,
        types: None,
        limit,
        direction,
    };
    use Direction::{Backward, Forward};

    let page = read(log, "s", q(3, None, 4, Forward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![4, 5, 6, 7], true));
    let page = read(log, "s", q(7, None, 4, Forward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![8, 9, 10], false));
    let page = read(log, "s", q(6, None, 4, Forward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![7, 8, 9, 10], false));
    let page = read(log, "s", q(0, Some(5), 10, Forward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![1, 2, 3, 4], false));
    let page = read(log, "s", q(0, Some(5), 2, Forward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![1, 2], true));

    // Backward: the newest before `before`, still in offset order.
    let page = read(log, "s", q(0, Some(9), 3, Backward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![6, 7, 8], true));
    let page = read(log, "s", q(0, None, 3, Backward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![8, 9, 10], true));
    let page = read(log, "s", q(5, Some(9), 10, Backward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![6, 7, 8], false));

    // Edges: no room between after and before; a limit of 0 still says whether there is more.
    assert!(
        read(log, "s", q(5, Some(6), 10, Forward))
            .await
            .events
            .is_empty()
    );
    assert!(
        read(log, "s", q(8, Some(3), 10, Backward))
            .await
            .events
            .is_empty()
    );
    let page = read(log, "s", q(0, None, 0, Forward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![], true));
    let page = read(log, "s", q(u64::MAX, None, 10, Forward)).await;
    assert_eq!((offsets(&page), page.has_more), (vec![], false));
}

async fn filters_by_type(f: Fixture) {
    let log = &**f.store.events();
    let kinds = [
        "output.text",
        "tool.started",
        "tool.completed",
        "output.text",
    ];
    let batch: Vec<_> = (1..=12)
        .map(|o| event("s", o, kinds[(o as usize - 1) % kinds.len()]))
        .collect();
    log.append_batch(&batch).await.unwrap();

    let text = ["output.text"];
    let page = read(
        log,
        "s",
        EventQuery {
            types: Some(&text),
            limit: 4,
            ..EventQuery::after(0)
        },
    )
    .await;
    assert_eq!((offsets(&page), page.has_more), (vec![1, 4, 5, 8], true));

    let tools = ["tool.started", "tool.completed"];
    let page = read(
        log,
        "s",
        EventQuery {
            types: Some(&tools),
            ..EventQuery::after(2)
        },
    )
    .await;
    assert_eq!(
        (offsets(&page), page.has_more),
        (vec![3, 6, 7, 10, 11], false)
    );

    let page = read(
        log,
        "s",
        EventQuery {
            types: Some(&tools),
            limit: 3,
            direction: Direction::Backward,
            ..EventQuery::after(0)
        },
    )
    .await;
    assert_eq!((offsets(&page), page.has_more), (vec![7, 10, 11], true));

    let none: [&str; 0] = [];
    let page = read(
        log,
        "s",
        EventQuery {
            types: Some(&none),
            ..EventQuery::after(0)
        },
    )
    .await;
    assert_eq!((offsets(&page), page.has_more), (vec![], false));
}

async fn head_offset_survives_a_reopen(mut f: Fixture) {
    assert_eq!(f.store.events().head_offset("s").await.unwrap(), 0);
    assert_eq!(f.store.events().first_offset("s").await.unwrap(), None);
    f.store
        .events()
        .append_batch(&events("s", 1..=5))
        .await
        .unwrap();
    f.store
        .sessions()
        .upsert_session(&session("s", SessionState::Running))
        .await
        .unwrap();

    f.reopen().await;
    assert_eq!(f.store.events().head_offset("s").await.unwrap(), 5);
    assert_eq!(f.store.events().first_offset("s").await.unwrap(), Some(1));
    // The sequencer continues from the head.
    f.store
        .events()
        .append_batch(&events("s", 6..=7))
        .await
        .unwrap();
    f.reopen().await;
    assert_eq!(f.store.events().head_offset("s").await.unwrap(), 7);
    assert_eq!(
        f.store
            .sessions()
            .get_session("s")
            .await
            .unwrap()
            .unwrap()
            .head_offset,
        7
    );
    let page = read(&**f.store.events(), "s", EventQuery::after(0)).await;
    assert_eq!(page.events, events("s", 1..=7));
}

async fn a_duplicate_offset_fails_the_whole_batch(f: Fixture) {
    let log = &**f.store.events();
    log.append_batch(&events("s", 1..=3)).await.unwrap();
    let batch = [
        event("t", 1, "output.text"),
        event("s", 4, "output.text"),
        event("s", 2, "x"),
    ];
    let err = log.append_batch(&batch).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "event", .. }),
        "{err}"
    );
    // Nothing of the failed batch is stored.
    assert_eq!(log.head_offset("s").await.unwrap(), 3);
    assert_eq!(log.head_offset("t").await.unwrap(), 0);
    let page = read(log, "s", EventQuery::after(0)).await;
    assert_eq!(page.events, events("s", 1..=3));

    let repeated = [event("u", 1, "output.text"), event("u", 1, "output.text")];
    assert!(matches!(
        log.append_batch(&repeated).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(log.first_offset("u").await.unwrap(), None);

    // A conflict in the last statement of a batch too large for one rolls back the others.
    let mut large = events("v", 1..=2100);
    large.push(event("s", 1, "output.text"));
    assert!(matches!(
        log.append_batch(&large).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(log.head_offset("v").await.unwrap(), 0);
}

async fn upsert_keeps_the_highest_head(f: Fixture) {
    let log = &**f.store.events();
    let catalog = &**f.store.sessions();
    let mut s = session("s", SessionState::Running);
    s.head_offset = 40;
    catalog.upsert_session(&s).await.unwrap();
    // A later summary with a stale head, new status and totals.
    s.head_offset = 12;
    s.status = SessionState::Completed;
    s.label = Some("fix the build".into());
    s.command = Some(vec!["claude".into(), "-p".into(), "hi".into()]);
    s.total_cost_usd = Some(0.125);
    s.input_tokens = 1_000;
    s.duration_ms = Some(61_000);
    s.ended_at = Some(ts(61));
    catalog.upsert_session(&s).await.unwrap();

    let stored = catalog.get_session("s").await.unwrap().unwrap();
    assert_eq!(
        stored,
        SessionRecord {
            head_offset: 40,
            ..s
        }
    );
    assert_eq!(log.head_offset("s").await.unwrap(), 40);
    assert_eq!(catalog.get_session("nobody").await.unwrap(), None);
}

async fn lists_sessions_newest_first(f: Fixture) {
    let catalog = &**f.store.sessions();
    for (id, status, started) in [
        ("old", SessionState::Completed, 1),
        ("mid", SessionState::Running, 2),
        ("new", SessionState::Idle, 3),
        ("failed", SessionState::Failed, 4),
    ] {
        let mut s = session(id, status);
        s.started_at = ts(started);
        catalog.upsert_session(&s).await.unwrap();
    }
    let ids = |sessions: Vec<SessionRecord>| sessions.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(
        ids(catalog
            .list_sessions(SessionFilter::All, 10, None)
            .await
            .unwrap()),
        ["failed", "new", "mid", "old"]
    );
    assert_eq!(
        ids(catalog
            .list_sessions(SessionFilter::Active, 10, None)
            .await
            .unwrap()),
        ["new", "mid"]
    );
    assert_eq!(
        ids(catalog
            .list_sessions(SessionFilter::All, 2, None)
            .await
            .unwrap()),
        ["failed", "new"]
    );
}

async fn pages_through_sessions_by_key(f: Fixture) {
    let catalog = &**f.store.sessions();
    // Three sessions share a start: the id orders them, so a page boundary between them
    // neither repeats nor skips one.
    for (id, started) in [("a", 1), ("t3", 2), ("t1", 2), ("t2", 2), ("z", 3)] {
        let mut s = session(id, SessionState::Completed);
        s.started_at = ts(started);
        catalog.upsert_session(&s).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut after: Option<SessionKey> = None;
    loop {
        let page = catalog
            .list_sessions(SessionFilter::All, 2, after.as_ref())
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(SessionKey::of(last));
        seen.extend(page.into_iter().map(|s| s.id));
    }
    assert_eq!(seen, ["z", "t1", "t2", "t3", "a"]);
}

async fn collected_sessions_are_left_to_their_collector(f: Fixture) {
    let catalog = &**f.store.sessions();
    for (id, source) in [
        ("t", SessionSource::Transcript),
        ("x", SessionSource::Tmux),
        ("r", SessionSource::Run),
    ] {
        let mut record = session(id, SessionState::Running);
        record.source = source;
        catalog.upsert_session(&record).await.unwrap();
    }
    assert_eq!(catalog.mark_interrupted_on_startup().await.unwrap(), ["r"]);
    for id in ["t", "x"] {
        let record = catalog.get_session(id).await.unwrap().unwrap();
        assert_eq!(record.status, SessionState::Idle, "{id}");
    }
}

async fn marks_interrupted_on_startup(f: Fixture) {
    let log = &**f.store.events();
    let catalog = &**f.store.sessions();
    for (id, status) in [
        ("a", SessionState::Running),
        ("b", SessionState::Idle),
        ("c", SessionState::Completed),
        ("d", SessionState::Starting),
        ("e", SessionState::Starting),
    ] {
        catalog.upsert_session(&session(id, status)).await.unwrap();
    }
    log.append_batch(&events("a", 1..=3)).await.unwrap();
    assert!(catalog.delete_session("d").await.unwrap());

    assert_eq!(
        catalog.mark_interrupted_on_startup().await.unwrap(),
        ["a", "b", "e"]
    );
    let a = catalog.get_session("a").await.unwrap().unwrap();
    assert_eq!(a.status, SessionState::Interrupted);
    assert_eq!(a.ended_at, Some(ts(3)), "ends at its last event");
    let b = catalog.get_session("b").await.unwrap().unwrap();
    assert_eq!((b.status, b.ended_at), (SessionState::Interrupted, None));
    let c = catalog.get_session("c").await.unwrap().unwrap();
    assert_eq!(c.status, SessionState::Completed);
    assert!(
        catalog
            .mark_interrupted_on_startup()
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        catalog
            .list_sessions(SessionFilter::Active, 10, None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn trims_by_count(f: Fixture) {
    let log = &**f.store.events();
    let catalog = &**f.store.sessions();
    catalog
        .upsert_session(&session("a", SessionState::Running))
        .await
        .unwrap();
    log.append_batch(&events("a", 1..=10)).await.unwrap();
    log.append_batch(&events("b", 1..=3)).await.unwrap();
    let keep = |n| Retention {
        max_events_per_session: Some(n),
        max_age: None,
    };

    let report = log.trim(TrimScope::All, &keep(5)).await.unwrap();
    assert_eq!(
        report,
        TrimReport {
            sessions: 1,
            events_removed: 5
        }
    );
    assert_eq!(log.first_offset("a").await.unwrap(), Some(6));
    assert_eq!(
        offsets(&read(log, "a", EventQuery::after(0)).await),
        [6, 7, 8, 9, 10]
    );
    assert_eq!(log.first_offset("b").await.unwrap(), Some(1));

    let report = log.trim(TrimScope::Session("b"), &keep(1)).await.unwrap();
    assert_eq!(
        report,
        TrimReport {
            sessions: 1,
            events_removed: 2
        }
    );
    assert_eq!(log.first_offset("b").await.unwrap(), Some(3));
    assert_eq!(
        log.first_offset("a").await.unwrap(),
        Some(6),
        "another session is untouched"
    );
    let report = log
        .trim(TrimScope::All, &Retention::default())
        .await
        .unwrap();
    assert_eq!(report, TrimReport::default());

    // Trimming everything does not move the head back: offsets continue from it.
    let report = log.trim(TrimScope::Session("a"), &keep(0)).await.unwrap();
    assert_eq!(report.events_removed, 5);
    assert_eq!(log.first_offset("a").await.unwrap(), None);
    assert_eq!(log.head_offset("a").await.unwrap(), 10);
    log.append_batch(&events("a", 11..=11)).await.unwrap();
    assert_eq!(log.first_offset("a").await.unwrap(), Some(11));
}

async fn trims_by_age(f: Fixture) {
    let log = &**f.store.events();
    let catalog = &**f.store.sessions();
    let now = now_unix_millis();
    let at = |session: &str, offset: u64, age: Duration| StoredEvent {
        ts: format_ts_millis(now - age.as_millis() as u64),
        ..event(session, offset, "output.text")
    };
    let day = Duration::from_secs(86_400);
    let minute = Duration::from_secs(60);
    catalog
        .upsert_session(&session("old", SessionState::Completed))
        .await
        .unwrap();
    let batch = [
        at("s", 1, 3 * day),
        at("s", 2, 3 * day),
        at("s", 3, 2 * day),
        at("s", 4, minute),
        // The clock stepped back: an old stamp after a new one stays (no hole).
        at("s", 5, 2 * day),
        at("s", 6, minute),
        at("old", 1, 5 * day),
        at("old", 2, 4 * day),
    ];
    log.append_batch(&batch).await.unwrap();

    let retention = Retention {
        max_events_per_session: None,
        max_age: Some(day),
    };
    let report = log.trim(TrimScope::All, &retention).await.unwrap();
    assert_eq!(
        report,
        TrimReport {
            sessions: 2,
            events_removed: 5
        }
    );
    assert_eq!(
        offsets(&read(log, "s", EventQuery::after(0)).await),
        [4, 5, 6]
    );
    assert_eq!(log.first_offset("old").await.unwrap(), None);
    assert_eq!(log.head_offset("old").await.unwrap(), 2);

    // Both limits: the stricter one wins.
    let both = Retention {
        max_events_per_session: Some(1),
        max_age: Some(day),
    };
    let report = log.trim(TrimScope::Session("s"), &both).await.unwrap();
    assert_eq!(
        report,
        TrimReport {
            sessions: 1,
            events_removed: 2
        }
    );
    assert_eq!(log.first_offset("s").await.unwrap(), Some(6));
}

async fn soft_delete_hides_the_session_and_drops_its_events(f: Fixture) {
    let log = &**f.store.events();
    let catalog = &**f.store.sessions();
    let analytics = &**f.store.analytics();
    let mut s = session("s", SessionState::Completed);
    s.total_cost_usd = Some(2.0);
    catalog.upsert_session(&s).await.unwrap();
    catalog
        .upsert_session(&session("keep", SessionState::Running))
        .await
        .unwrap();
    log.append_batch(&events("s", 1..=4)).await.unwrap();
    log.append_batch(&events("keep", 1..=2)).await.unwrap();
    catalog
        .add_checkpoint(&checkpoint("c1", "s", None, 2))
        .await
        .unwrap();

    assert!(catalog.delete_session("s").await.unwrap());
    assert_eq!(catalog.get_session("s").await.unwrap(), None);
    let listed = catalog
        .list_sessions(SessionFilter::All, 10, None)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["keep"]
    );
    assert!(read(log, "s", EventQuery::after(0)).await.events.is_empty());
    assert_eq!(log.first_offset("s").await.unwrap(), None);
    assert_eq!(
        log.head_offset("s").await.unwrap(),
        4,
        "a reused id never restarts at 1"
    );
    assert!(catalog.list_checkpoints("s").await.unwrap().is_empty());
    assert_eq!(
        offsets(&read(log, "keep", EventQuery::after(0)).await),
        [1, 2]
    );

    // Gone for readers, not for what it cost; a late summary does not bring it back.
    let costs = analytics
        .costs_by(GroupBy::Project, &TimeRange::default())
        .await
        .unwrap();
    assert_eq!(costs[0].total_cost_usd, 2.0);
    catalog.upsert_session(&s).await.unwrap();
    assert_eq!(catalog.get_session("s").await.unwrap(), None);
    assert!(
        !catalog.delete_session("s").await.unwrap(),
        "already deleted"
    );
    assert!(!catalog.delete_session("nobody").await.unwrap());
}

async fn checkpoints_crud(f: Fixture) {
    let catalog = &**f.store.sessions();
    let late = checkpoint("late", "s", Some("after tests".into()), 30);
    let early = checkpoint("early", "s", None, 10);
    let other = checkpoint("other", "t", None, 1);
    for c in [&late, &early, &other] {
        catalog.add_checkpoint(c).await.unwrap();
    }
    assert!(matches!(
        catalog.add_checkpoint(&late).await,
        Err(StoreError::Conflict {
            what: "checkpoint",
            ..
        })
    ));
    assert_eq!(
        catalog.get_checkpoint("late").await.unwrap(),
        Some(late.clone())
    );
    assert_eq!(catalog.get_checkpoint("nope").await.unwrap(), None);
    assert_eq!(
        catalog.list_checkpoints("s").await.unwrap(),
        [early.clone(), late]
    );
    assert!(catalog.delete_checkpoint("late").await.unwrap());
    assert!(!catalog.delete_checkpoint("late").await.unwrap());
    assert_eq!(catalog.list_checkpoints("s").await.unwrap(), [early]);
}

async fn projects_count_their_live_sessions(f: Fixture) {
    let mut web = project("web", "Web", serde_json::json!({}));
    web.path = Some("/src/web".into());
    f.store.projects().create_project(&web).await.unwrap();
    let sessions = f.store.sessions();
    for id in ["a", "b", "c"] {
        let mut record = session(id, SessionState::Completed);
        record.project_id = (id != "c").then(|| "web".to_owned());
        sessions.upsert_session(&record).await.unwrap();
    }
    let counted = f
        .store
        .projects()
        .get_project("web")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (counted.session_count, counted.path.as_deref()),
        (2, Some("/src/web"))
    );
    assert!(sessions.delete_session("b").await.unwrap());
    let listed = f.store.projects().list_projects().await.unwrap();
    assert_eq!(
        listed[0].session_count, 1,
        "a deleted session is not counted"
    );
}

async fn projects_crud(f: Fixture) {
    let projects = &**f.store.projects();
    let web = project(
        "web",
        "Web app",
        serde_json::json!({"budget_usd": 20, "tags": ["a"]}),
    );
    let api = project("api", "API", serde_json::json!({}));
    projects.create_project(&web).await.unwrap();
    projects.create_project(&api).await.unwrap();
    assert!(matches!(
        projects.create_project(&web).await,
        Err(StoreError::Conflict {
            what: "project",
            ..
        })
    ));
    assert_eq!(
        projects.get_project("web").await.unwrap(),
        Some(web.clone())
    );
    assert_eq!(projects.list_projects().await.unwrap(), [api, web.clone()]);

    let settings = serde_json::json!({"budget_usd": 50, "nested": {"k": null}});
    assert!(
        projects
            .update_project_settings("web", &settings)
            .await
            .unwrap()
    );
    assert!(
        !projects
            .update_project_settings("nope", &settings)
            .await
            .unwrap()
    );
    let updated = projects.get_project("web").await.unwrap().unwrap();
    assert_eq!(updated, Project { settings, ..web });
}

async fn mcp_servers_crud(f: Fixture) {
    let projects = &**f.store.projects();
    let env = BTreeMap::from([("TOKEN".to_owned(), "x=1 \"y\"".to_owned())]);
    let files = mcp_server("files", "npx", vec!["-y".into(), "server-fs".into()], env);
    let git = mcp_server("git", "uvx", vec![], BTreeMap::new());
    projects.add_mcp_server(&git).await.unwrap();
    projects.add_mcp_server(&files).await.unwrap();
    assert!(matches!(
        projects.add_mcp_server(&git).await,
        Err(StoreError::Conflict {
            what: "mcp server",
            ..
        })
    ));
    assert_eq!(
        projects.get_mcp_server("files").await.unwrap(),
        Some(files.clone())
    );
    assert_eq!(
        projects.list_mcp_servers().await.unwrap(),
        [files, git.clone()]
    );
    assert!(projects.delete_mcp_server("files").await.unwrap());
    assert!(!projects.delete_mcp_server("files").await.unwrap());
    assert_eq!(projects.list_mcp_servers().await.unwrap(), [git]);
    assert_eq!(projects.get_mcp_server("files").await.unwrap(), None);
}

async fn analytics_group_by_day_model_and_project(f: Fixture) {
    let catalog = &**f.store.sessions();
    let analytics = &**f.store.analytics();
    struct Row {
        id: &'static str,
        day: &'static str,
        model: Option<&'static str>,
        project: Option<&'static str>,
        status: SessionState,
        duration_ms: Option<u64>,
        cost: Option<f64>,
        tokens: [u64; 4],
    }
    let rows = [
        Row {
            id: "a",
            day: "2026-11-24",
            model: Some("sonnet"),
            project: Some("p1"),
            status: SessionState::Completed,
            duration_ms: Some(1000),
            cost: Some(0.5),
            tokens: [100, 10, 5, 1],
        },
        Row {
            id: "b",
            day: "2026-11-24",
            model: Some("opus"),
            project: Some("p1"),
            status: SessionState::Failed,
            duration_ms: Some(3000),
            cost: Some(1.5),
            tokens: [200, 20, 0, 0],
        },
        Row {
            id: "c",
            day: "2026-11-25",
            model: Some("sonnet"),
            project: None,
            status: SessionState::Running,
            duration_ms: None,
            cost: None,
            tokens: [50, 0, 0, 0],
        },
        Row {
            id: "d",
            day: "2026-11-25",
            model: None,
            project: Some("p2"),
            status: SessionState::Interrupted,
            duration_ms: Some(2000),
            cost: Some(0.25),
            tokens: [0, 0, 0, 0],
        },
        Row {
            id: "e",
            day: "2026-11-26",
            model: Some("sonnet"),
            project: Some("p2"),
            status: SessionState::Cancelled,
            duration_ms: None,
            cost: Some(1.0),
            tokens: [1, 2, 3, 4],
        },
    ];
    for r in &rows {
        let mut s = session(r.id, r.status);
        s.started_at = format!("{}T12:00:00.000Z", r.day);
        s.model = r.model.map(Into::into);
        s.project_id = r.project.map(Into::into);
        s.duration_ms = r.duration_ms;
        s.total_cost_usd = r.cost;
        [
            s.input_tokens,
            s.output_tokens,
            s.cache_read_tokens,
            s.cache_creation_tokens,
        ] = r.tokens;
        catalog.upsert_session(&s).await.unwrap();
    }
    // Deleted sessions still count.
    assert!(catalog.delete_session("e").await.unwrap());
    let all = TimeRange::default();
    let key = |k: &str| Some(k.to_owned());

    let usage = analytics.usage_by(GroupBy::Day, &all).await.unwrap();
    let usage_row = |k: &str, sessions, t: [u64; 4]| UsageRow {
        key: key(k),
        sessions,
        input_tokens: t[0],
        output_tokens: t[1],
        cache_read_tokens: t[2],
        cache_creation_tokens: t[3],
    };
    assert_eq!(
        usage,
        [
            usage_row("2026-11-24", 2, [300, 30, 5, 1]),
            usage_row("2026-11-25", 2, [50, 0, 0, 0]),
            usage_row("2026-11-26", 1, [1, 2, 3, 4]),
        ]
    );

    let costs = analytics.costs_by(GroupBy::Model, &all).await.unwrap();
    let cost_row = |key, sessions, total_cost_usd| CostRow {
        key,
        sessions,
        total_cost_usd,
    };
    assert_eq!(
        costs,
        [
            cost_row(key("opus"), 1, 1.5),
            cost_row(key("sonnet"), 3, 1.5),
            cost_row(None, 1, 0.25),
        ]
    );

    let stats = analytics.sessions_by(GroupBy::Project, &all).await.unwrap();
    assert_eq!(stats.len(), 3);
    let p1 = &stats[0];
    assert_eq!(p1.key, key("p1"));
    assert_eq!((p1.sessions, p1.completed, p1.failed), (2, 1, 1));
    // Both reported a duration: 4000 ms in all over 2 timed sessions, 2000 ms on average.
    assert_eq!(p1.total_duration_ms, 4000);
    assert_eq!(p1.avg_duration_ms, Some(2000.0));
    assert_eq!(p1.success_rate, Some(0.5));
    let p2 = &stats[1];
    assert_eq!(p2.key, key("p2"));
    assert_eq!(
        (p2.sessions, p2.interrupted, p2.cancelled, p2.completed),
        (2, 1, 1, 0)
    );
    assert_eq!(p2.success_rate, Some(0.0));
    assert_eq!(
        p2.avg_duration_ms,
        Some(2000.0),
        "the mean of the sessions that reported a duration"
    );
    let none = &stats[2];
    assert_eq!((none.key.clone(), none.sessions, none.active), (None, 1, 1));
    assert_eq!((none.success_rate, none.avg_duration_ms), (None, None));

    // A range: the 25th only (a date is a bound; `to` is exclusive).
    let range = TimeRange {
        from: Some("2026-11-25".into()),
        to: Some("2026-11-26".into()),
    };
    let days = analytics.sessions_by(GroupBy::Day, &range).await.unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(
        (days[0].key.clone(), days[0].sessions),
        (key("2026-11-25"), 2)
    );
    assert!(
        analytics
            .usage_by(
                GroupBy::Model,
                &TimeRange {
                    from: Some("2027".into()),
                    to: None,
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
}

// ----- a writer killed mid-write -----

/// The child's database path; set only in the child process.
const CRASH_DB_ENV: &str = "AGENTCAST_STORE_CRASH_DB";
const CRASH_SESSIONS: [&str; 3] = ["crash-a", "crash-b", "crash-c"];

/// The child half of `a_killed_writer_leaves_contiguous_offsets`: without the environment
/// variable it is an empty test. With it, it appends batches of ~1 KB events to three
/// sessions, continuing from their heads, and prints the heads after every commit, until it
/// is killed (or, as a bound, for 30 seconds).
#[test]
fn crash_writer_child() {
    let Some(path) = std::env::var_os(CRASH_DB_ENV) else {
        return;
    };
    use std::io::Write as _;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(path.as_ref(), SqliteOptions::default())
            .await
            .unwrap();
        let mut heads = Vec::new();
        for id in CRASH_SESSIONS {
            heads.push(store.head_offset(id).await.unwrap());
        }
        let padding = "x".repeat(1000);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut round = 0_usize;
        while std::time::Instant::now() < deadline {
            round += 1;
            let mut batch = Vec::new();
            for (i, id) in CRASH_SESSIONS.iter().enumerate() {
                // Up to 3 x 401 events: some batches take several statements.
                for _ in 0..(round * (i + 3)) % 401 + 1 {
                    heads[i] += 1;
                    batch.push(StoredEvent {
                        data_json: format!(r#"{{"n":{},"pad":"{padding}"}}"#, heads[i]),
                        ..event(id, heads[i], "output.text")
                    });
                }
            }
            store.append_batch(&batch).await.unwrap();
            let mut out = std::io::stdout().lock();
            writeln!(out, "committed {} {} {}", heads[0], heads[1], heads[2]).unwrap();
            out.flush().unwrap();
        }
    });
}

#[tokio::test]
async fn a_killed_writer_leaves_contiguous_offsets() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE);
    let mut committed = [0_u64; 3];
    for kill_after in [5, 23, 61] {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["store::tests::crash_writer_child", "--exact", "--nocapture"])
            .env(CRASH_DB_ENV, &path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut commits = 0;
        for line in stdout.lines() {
            let line = line.unwrap();
            let Some(heads) = line.strip_prefix("committed ") else {
                continue;
            };
            for (slot, head) in committed.iter_mut().zip(heads.split(' ')) {
                *slot = head.parse().unwrap();
            }
            commits += 1;
            if commits == kill_after {
                break;
            }
        }
        assert_eq!(commits, kill_after, "the child wrote and reported batches");
        // SIGKILL while it is in the middle of its next batches.
        child.kill().unwrap();
        child.wait().unwrap();

        let store = SqliteStore::open(&path, SqliteOptions::default())
            .await
            .unwrap();
        for (id, committed) in CRASH_SESSIONS.iter().zip(committed) {
            let head = store.head_offset(id).await.unwrap();
            assert!(
                head >= committed,
                "{id}: head {head} lost commits up to {committed}"
            );
            let mut expected = 1;
            let mut after = 0;
            loop {
                let page = store
                    .read_events(id, &EventQuery::after(after))
                    .await
                    .unwrap();
                for e in &page.events {
                    assert_eq!(e.offset, expected, "{id}: a gap or a repeat");
                    envelope::of_stored(e).unwrap();
                    expected += 1;
                }
                match page.events.last() {
                    Some(last) if page.has_more => after = last.offset,
                    _ => break,
                }
            }
            assert_eq!(
                expected - 1,
                head,
                "{id}: every offset up to the head is stored"
            );
        }
        store.close().await;
    }
}

fn cursor(path: &str, session: &str, position: u64) -> FileCursor {
    FileCursor {
        path: path.to_owned(),
        agent: AgentKind::Claude,
        session_id: session.to_owned(),
        position,
        file_id: Some("2049:77".to_owned()),
    }
}

async fn file_cursors_are_committed_with_their_events(mut f: Fixture) {
    let log = f.store.events().clone();
    assert!(log.file_cursors().await.unwrap().is_empty());
    log.commit(&events("t", 1..=3), &[cursor("/p/t.jsonl", "t", 300)])
        .await
        .unwrap();
    // Lines that carried nothing to show still move the cursor, with no event.
    log.commit(&[], &[cursor("/p/u.jsonl", "u", 42)])
        .await
        .unwrap();
    // A later position replaces the earlier one of the same path.
    log.commit(&events("t", 4..=4), &[cursor("/p/t.jsonl", "t", 410)])
        .await
        .unwrap();
    f.reopen().await;
    let log = f.store.events().clone();
    assert_eq!(
        log.file_cursors().await.unwrap(),
        [
            cursor("/p/t.jsonl", "t", 410),
            cursor("/p/u.jsonl", "u", 42)
        ]
    );
    assert_eq!(log.head_offset("t").await.unwrap(), 4);
    // A batch that fails stores neither its events nor its cursor.
    let err = log
        .commit(&events("t", 4..=5), &[cursor("/p/t.jsonl", "t", 999)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(
        log.file_cursors().await.unwrap()[0],
        cursor("/p/t.jsonl", "t", 410)
    );
    assert_eq!(log.head_offset("t").await.unwrap(), 4);
}

async fn finds_a_session_by_the_agents_own_id(mut f: Fixture) {
    let catalog = f.store.sessions().clone();
    let mut run = session("run-1", SessionState::Running);
    run.agent = Some(AgentKind::Claude);
    run.agent_session_id = Some("claude-abc".to_owned());
    run.cli_version = Some("2.1.328".to_owned());
    run.git_branch = Some("main".to_owned());
    catalog.upsert_session(&run).await.unwrap();
    catalog
        .upsert_session(&session("other", SessionState::Running))
        .await
        .unwrap();
    f.reopen().await;
    let catalog = f.store.sessions().clone();
    assert_eq!(
        catalog
            .find_by_agent_session_id("claude-abc")
            .await
            .unwrap(),
        Some(run.clone()),
        "found, with the agent's fields kept"
    );
    assert_eq!(
        catalog.find_by_agent_session_id("nope").await.unwrap(),
        None
    );
    catalog.delete_session("run-1").await.unwrap();
    assert_eq!(
        catalog
            .find_by_agent_session_id("claude-abc")
            .await
            .unwrap(),
        None,
        "a deleted session is not found"
    );
}

/// `db copy`: everything a SQLite store holds reads the same from PostgreSQL afterwards,
/// deleted sessions (for the analytics) and heads included; a second copy is refused.
#[tokio::test]
async fn copy_moves_every_table_into_postgres() {
    let Some(postgres) = testing::TempPostgres::shared() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = open(dir.path(), Durability::Normal, None).await.unwrap();
    let mut kept = session("kept", SessionState::Completed);
    kept.model = Some("m".into());
    kept.input_tokens = 10;
    let mut gone = session("gone", SessionState::Failed);
    gone.model = Some("m".into());
    gone.input_tokens = 5;
    for s in [&kept, &gone] {
        source.sessions().upsert_session(s).await.unwrap();
    }
    let cursors = [cursor("/t/a.jsonl", "kept", 4096)];
    source
        .events()
        .commit(&events("kept", 1..=2500), &cursors)
        .await
        .unwrap();
    source
        .events()
        .append_batch(&events("gone", 1..=9))
        .await
        .unwrap();
    source.sessions().delete_session("gone").await.unwrap();
    let retention = Retention {
        max_events_per_session: Some(2000),
        max_age: None,
    };
    source
        .events()
        .trim(TrimScope::All, &retention)
        .await
        .unwrap();
    let mark = checkpoint("c1", "kept", Some("mark".into()), 2100);
    source.sessions().add_checkpoint(&mark).await.unwrap();
    let web = project("web", "Web", serde_json::json!({"k": 1}));
    source.projects().create_project(&web).await.unwrap();
    let server = mcp_server("fs", "npx", vec!["-y".into()], BTreeMap::new());
    source.projects().add_mcp_server(&server).await.unwrap();
    source.close().await;

    let url: DatabaseUrl = postgres.new_database().await.parse().unwrap();
    let file = sqlite_source(&format!("sqlite://{}", dir.path().display())).unwrap();
    let report = copy_sqlite_to_postgres(&file, &url, false, |_, _| {})
        .await
        .unwrap();
    assert_eq!(
        report,
        CopyReport {
            sessions: 2,
            events: 2000,
            checkpoints: 1,
            projects: 1,
            mcp_servers: 1,
            file_cursors: 1,
        }
    );
    let refused = copy_sqlite_to_postgres(&file, &url, false, |_, _| {}).await;
    assert!(
        matches!(refused, Err(CopyError::NotEmpty { .. })),
        "{refused:?}"
    );

    let target = open(Path::new("unused"), Durability::Normal, Some(&url))
        .await
        .unwrap();
    let log = target.events();
    assert_eq!(log.head_offset("kept").await.unwrap(), 2500);
    assert_eq!(
        log.head_offset("gone").await.unwrap(),
        9,
        "a deleted session's head"
    );
    assert_eq!(log.first_offset("kept").await.unwrap(), Some(501));
    let page = read(&**log, "kept", EventQuery::after(2400)).await;
    assert_eq!(page.events, events("kept", 2401..=2500));
    assert_eq!(log.file_cursors().await.unwrap(), cursors);
    let sessions = target.sessions();
    assert!(sessions.get_session("gone").await.unwrap().is_none());
    assert_eq!(sessions.get_checkpoint("c1").await.unwrap(), Some(mark));
    assert_eq!(
        target
            .projects()
            .get_project("web")
            .await
            .unwrap()
            .unwrap()
            .settings,
        web.settings
    );
    assert_eq!(
        target.projects().list_mcp_servers().await.unwrap(),
        [server]
    );
    let usage = target
        .analytics()
        .usage_by(GroupBy::Model, &TimeRange::default())
        .await
        .unwrap();
    assert_eq!(
        (usage[0].sessions, usage[0].input_tokens),
        (2, 15),
        "deleted ones count"
    );
}
