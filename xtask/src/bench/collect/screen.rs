//! The first screen: the request the dashboard makes first for its sessions list
//! (`dashboard/src/api.rs`: `GET /api/sessions?limit=200`), asked again and again until its
//! answer shows the newest sessions of the tree.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The dashboard's first request for its list.
pub(super) const SESSIONS_LIST: &str = "/api/sessions?limit=200";
/// Between two tries: often enough that the figure is not the interval.
const RETRY_EVERY: Duration = Duration::from_millis(10);
/// One request's bound.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Asks `url` for the sessions list until the answer names every id of `newest`; returns
/// the time from `since` to that answer, and how many requests it took.
pub(super) fn wait_for_newest(
    url: &str,
    newest: &[String],
    since: Instant,
    timeout: Duration,
) -> Result<(Duration, u32)> {
    let addr = url
        .strip_prefix("http://")
        .with_context(|| format!("{url}: expected http://HOST:PORT"))?;
    let deadline = Instant::now() + timeout;
    let mut tries = 0;
    loop {
        tries += 1;
        // A refused or failed request is retried like an answer without the sessions: the
        // server may still be starting.
        if let Ok(answer) = get(addr, SESSIONS_LIST)
            && shows_all(&answer, newest)
        {
            return Ok((since.elapsed(), tries));
        }
        if Instant::now() + RETRY_EVERY >= deadline {
            bail!("the sessions list did not show the newest sessions within {timeout:?}");
        }
        std::thread::sleep(RETRY_EVERY);
    }
}

/// The answer is a 200 whose body names every id.
fn shows_all(answer: &str, ids: &[String]) -> bool {
    answer.starts_with("HTTP/1.1 200")
        && ids
            .iter()
            .all(|id| answer.contains(&format!("\"id\":\"{id}\"")))
}

/// `GET path` on a new connection; the whole answer, head and body.
fn get(addr: &str, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_shows_the_newest_only_with_every_id() {
        let ids = vec!["a-1".to_string(), "b-2".to_string()];
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n";
        let both = format!(r#"{head}{{"sessions":[{{"id":"b-2"}},{{"id":"a-1"}}]}}"#);
        assert!(shows_all(&both, &ids));
        let one = format!(r#"{head}{{"sessions":[{{"id":"b-2"}}]}}"#);
        assert!(!shows_all(&one, &ids));
        let refused = r#"HTTP/1.1 503 Service Unavailable\r\n\r\n{"id":"a-1","id":"b-2"}"#;
        assert!(!shows_all(refused, &ids));
    }
}
