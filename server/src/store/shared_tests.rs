//! A store several servers share (PostgreSQL): offsets assigned at the head whichever server
//! appends, and the change feed that announces every append. Each test opens the same
//! database more than once, as several `agentcast serve` would.

use std::path::Path;
use std::time::Duration;

use sqlx::Connection;

use super::*;
use crate::clock::now_ts;

/// A fresh database on this process's private PostgreSQL server (`None`: skipped, see
/// `TempPostgres::shared`), and a way to open it as one more server.
async fn database() -> Option<DatabaseUrl> {
    let url = testing::TempPostgres::shared()?.new_database().await;
    Some(url.parse().expect("a postgres:// URL"))
}

async fn server(url: &DatabaseUrl) -> Store {
    open(Path::new("unused"), Durability::Normal, Some(url))
        .await
        .expect("opens")
}

/// `count` events of `session` numbered from 1, as a sequencer that knows nothing of the
/// other servers would number them.
fn batch(session: &str, count: u64) -> Vec<StoredEvent> {
    (1..=count)
        .map(|n| StoredEvent {
            session_id: session.into(),
            offset: n,
            kind: "output.text".into(),
            ts: now_ts(),
            data_json: format!(r#"{{"text":"{n}"}}"#),
        })
        .collect()
}

async fn next_change(feed: &mut Box<dyn ChangeFeed>) -> Change {
    tokio::time::timeout(Duration::from_secs(20), feed.next())
        .await
        .expect("a change within 20 s")
}

#[tokio::test]
async fn two_servers_appending_to_one_session_get_gapless_offsets_in_commit_order() {
    let Some(url) = database().await else { return };
    let (a, b) = (server(&url).await, server(&url).await);
    // History from before the servers shared the store (`db copy`): the heads start above it.
    a.events().commit(&batch("s", 5), &[]).await.unwrap();
    let mut feed = server(&url)
        .await
        .change_feed()
        .expect("PostgreSQL has a feed");
    assert_eq!(next_change(&mut feed).await, Change::Resumed, "listening");

    let append = |store: Store| async move {
        let mut ranges = Vec::new();
        for _ in 0..40 {
            let mut events = batch("s", 3);
            store
                .events()
                .append_at_head(&mut events, &[])
                .await
                .unwrap();
            let offsets: Vec<u64> = events.iter().map(|e| e.offset).collect();
            assert_eq!(offsets[2], offsets[0] + 2, "a batch stays contiguous");
            ranges.push((offsets[0], offsets[2]));
        }
        ranges
    };
    let (from_a, from_b) = tokio::join!(append(a.clone()), append(b.clone()));
    let mut ranges: Vec<_> = from_a.into_iter().chain(from_b).collect();
    ranges.sort();
    let expected: Vec<_> = (0..80).map(|i| (6 + 3 * i, 8 + 3 * i)).collect();
    assert_eq!(ranges, expected, "every offset once, from both servers");

    let page = b
        .events()
        .read_events("s", &EventQuery::after(0))
        .await
        .unwrap();
    let offsets: Vec<u64> = page.events.iter().map(|e| e.offset).collect();
    assert_eq!(offsets, (1..=245).collect::<Vec<_>>());
    assert_eq!(a.events().head_offset("s").await.unwrap(), 245);

    // Announced in commit order, which for one session is offset order.
    let mut announced = Vec::new();
    while announced.len() < 80 {
        match next_change(&mut feed).await {
            Change::Appended(appended) => {
                assert_eq!(appended.session_id, "s");
                announced.push((appended.first, appended.last));
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(announced, expected);
}

#[tokio::test]
async fn the_feed_says_it_lost_its_connection_and_resumes_when_it_is_back() {
    let Some(url) = database().await else { return };
    let store = server(&url).await;
    let mut feed = store.change_feed().expect("PostgreSQL has a feed");
    assert_eq!(next_change(&mut feed).await, Change::Resumed);

    let mut admin = sqlx::PgConnection::connect_with(&url.connect_options())
        .await
        .unwrap();
    let terminated: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(terminated, [true], "the feed's one listening connection");

    assert!(
        matches!(next_change(&mut feed).await, Change::Lost(_)),
        "the loss is said"
    );
    assert_eq!(next_change(&mut feed).await, Change::Resumed);
    let mut events = batch("after", 2);
    store
        .events()
        .append_at_head(&mut events, &[])
        .await
        .unwrap();
    assert_eq!(
        next_change(&mut feed).await,
        Change::Appended(Appended {
            session_id: "after".into(),
            first: 1,
            last: 2
        })
    );
}

#[tokio::test]
async fn a_store_only_this_server_writes_keeps_the_sequencers_offsets() {
    let dir = tempfile::tempdir().unwrap();
    for store in [
        Store::new(std::sync::Arc::new(MemoryStore::new())),
        open(dir.path(), Durability::Normal, None).await.unwrap(),
    ] {
        assert!(!store.events().is_shared());
        assert!(store.change_feed().is_none());
        let mut events = batch("s", 3);
        store
            .events()
            .append_at_head(&mut events, &[])
            .await
            .unwrap();
        let offsets: Vec<u64> = events.iter().map(|e| e.offset).collect();
        assert_eq!(offsets, [1, 2, 3]);
    }
}
