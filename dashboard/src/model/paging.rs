//! [`Paging`]: which history pages the session view asks for, and what it does with them.
//!
//! The view shows the newest page first, pages back on "load older", and pages in what a
//! reconnect did not replay (`session.recovered {recovered: false}`), one page at a time until
//! nothing is missing or the server no longer holds it. This decides; the component fetches:
//! each decision is a [`PageRequest`] (`after`, `before`, `limit`, as `get_history` and
//! `GET /api/sessions/{id}/events` take them), and its answer comes back to [`Paging::answer`]
//! with the request's id. An answer to a request given up since (the history started over, a
//! newer gap fill replaced it) is ignored, so a slow answer never lands in a log it was not
//! asked for.

use agentcast_shared::{Envelope, MAX_HISTORY_LIMIT, SessionRecovered};

use super::event_log::EventLog;
use super::session::SessionModel;

/// Rounds of gap filling at most: a bound in case a server keeps answering without the gap
/// ever closing.
const MAX_GAP_ROUNDS: u32 = 1000;

/// A page of history to fetch: the events with `after < offset < before`, at most `limit`;
/// with only `before`, the newest ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// What the answer is matched by.
    pub id: u64,
    pub after: Option<u64>,
    pub before: Option<u64>,
    pub limit: u32,
}

/// What the view does about a `session.recovered`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// Nothing was missed.
    Complete,
    /// The server's history is not the one held (a wiped data directory): clear the log and
    /// load the newest page again. Pages on their way were given up.
    Reload { notice: String },
    /// Events were not replayed: say so, and fetch the first gap (none left: the notice says
    /// nothing is missing).
    Missed {
        notice: String,
        fetch: Option<PageRequest>,
    },
}

/// What became of an answer.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Answered {
    /// A message for the notice line.
    pub notice: Option<String>,
    /// The next page to fetch: the next round of a gap fill.
    pub fetch: Option<PageRequest>,
}

/// The pages one session view has asked for; see the module docs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Paging {
    /// The last id given out: ids are never reused, so no old answer matches a new request.
    last_id: u64,
    /// The newest page, while it is on its way.
    newest: Option<u64>,
    /// The "load older" page, while it is on its way.
    older: Option<u64>,
    /// The gap being filled.
    gap: Option<GapFill>,
}

/// A gap fill in progress: the request on its way for the missing `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GapFill {
    request: u64,
    from: u64,
    to: u64,
    /// Requests made so far, this one included.
    rounds: u32,
}

impl Paging {
    /// The newest page of a session whose head is `head`: the end of a long session is what
    /// a watcher wants first.
    pub fn newest(&mut self, head: u64) -> PageRequest {
        let request = self.request(None, Some(head + 1));
        self.newest = Some(request.id);
        request
    }

    /// "Load older": the newest page before the first event held. `None` while one is on its
    /// way, or when the log holds the start of the session (or nothing yet).
    pub fn older(&mut self, log: &EventLog) -> Option<PageRequest> {
        if self.older.is_some() || !log.has_older() {
            return None;
        }
        let request = self.request(None, Some(log.first()));
        self.older = Some(request.id);
        Some(request)
    }

    /// True while a "load older" page is on its way.
    pub fn loading_older(&self) -> bool {
        self.older.is_some()
    }

    /// A `session.recovered`, judged against the log as the replay before it left it.
    pub fn recovered(&mut self, recovered: &SessionRecovered, log: &EventLog) -> Recovery {
        if recovered.recovered {
            return Recovery::Complete;
        }
        if recovered.from == 1 && recovered.to < log.head() {
            self.reset();
            return Recovery::Reload {
                notice: "The server's history changed: reloading this session.".into(),
            };
        }
        // A gap fill on its way started from an older log: this one replaces it.
        self.gap = None;
        match self.next_gap(log, 0) {
            Some(fetch) => Recovery::Missed {
                notice: format!(
                    "Some events were not replayed after reconnecting (recovered: false, from {}); loading them…",
                    recovered.from
                ),
                fetch: Some(fetch),
            },
            None => Recovery::Missed {
                notice: nothing_missing(),
                fetch: None,
            },
        }
    }

    /// Gives up every page on its way (the log starts over); their answers will be ignored.
    pub fn reset(&mut self) {
        *self = Paging {
            last_id: self.last_id,
            ..Paging::default()
        };
    }

    /// The answer to request `id`, its events or why it failed: the events go into `model`,
    /// and what the view does next is returned.
    pub fn answer(
        &mut self,
        id: u64,
        answer: Result<Vec<Envelope>, String>,
        model: &mut SessionModel,
    ) -> Answered {
        if self.newest == Some(id) {
            self.newest = None;
            return match answer {
                Ok(events) => {
                    model.extend(events);
                    Answered::default()
                }
                Err(message) => notice(message),
            };
        }
        if self.older == Some(id) {
            self.older = None;
            return match answer {
                Ok(events) => {
                    model.merge_page(events);
                    Answered::default()
                }
                Err(message) => notice(format!("Could not load older events: {message}")),
            };
        }
        match self.gap.take() {
            Some(gap) if gap.request == id => self.gap_answer(gap, answer, model),
            other => {
                self.gap = other;
                Answered::default()
            }
        }
    }

    fn gap_answer(
        &mut self,
        gap: GapFill,
        answer: Result<Vec<Envelope>, String>,
        model: &mut SessionModel,
    ) -> Answered {
        let GapFill { from, to, .. } = gap;
        match answer {
            Ok(events) if !events.is_empty() && gap.rounds < MAX_GAP_ROUNDS => {
                model.merge_page(events);
                match self.next_gap(&model.log, gap.rounds) {
                    Some(fetch) => Answered {
                        notice: None,
                        fetch: Some(fetch),
                    },
                    None => notice(nothing_missing()),
                }
            }
            Ok(_) => notice(format!(
                "Events {from} to {to} are no longer kept by the server."
            )),
            Err(message) => notice(format!("Could not load missing events: {message}")),
        }
    }

    /// The request for the first gap of `log`, if it has one, as round `rounds + 1`.
    fn next_gap(&mut self, log: &EventLog, rounds: u32) -> Option<PageRequest> {
        let (from, to) = log.gaps().first().copied()?;
        let request = self.request(Some(from - 1), Some(to + 1));
        self.gap = Some(GapFill {
            request: request.id,
            from,
            to,
            rounds: rounds + 1,
        });
        Some(request)
    }

    fn request(&mut self, after: Option<u64>, before: Option<u64>) -> PageRequest {
        self.last_id += 1;
        PageRequest {
            id: self.last_id,
            after,
            before,
            limit: MAX_HISTORY_LIMIT,
        }
    }
}

fn notice(message: String) -> Answered {
    Answered {
        notice: Some(message),
        fetch: None,
    }
}

fn nothing_missing() -> String {
    "Missed events were loaded: nothing is missing.".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::env;
    use serde_json::json;

    fn text(offset: u64) -> Envelope {
        env(
            offset,
            "output.text",
            json!({"text": format!("line {offset}")}),
        )
    }

    fn texts(offsets: impl IntoIterator<Item = u64>) -> Vec<Envelope> {
        offsets.into_iter().map(text).collect()
    }

    /// A model holding these offsets.
    fn holding(offsets: impl IntoIterator<Item = u64>) -> SessionModel {
        let mut model = SessionModel::default();
        model.extend(texts(offsets));
        model
    }

    fn offsets(model: &SessionModel) -> Vec<u64> {
        model.log.events().iter().map(|e| e.offset).collect()
    }

    fn not_recovered(from: u64, to: u64) -> SessionRecovered {
        SessionRecovered {
            recovered: false,
            from,
            to,
        }
    }

    /// The events of the server's history that `request` asks for, as the server pages them:
    /// from the `after` end, except with only `before`, then the newest before it.
    fn serve(history: &[u64], request: &PageRequest) -> Vec<Envelope> {
        let after = request.after.unwrap_or(0);
        let before = request.before.unwrap_or(u64::MAX);
        let matching: Vec<u64> = history
            .iter()
            .copied()
            .filter(|o| after < *o && *o < before)
            .collect();
        let limit = request.limit as usize;
        let page = if request.after.is_none() && request.before.is_some() {
            &matching[matching.len().saturating_sub(limit)..]
        } else {
            &matching[..matching.len().min(limit)]
        };
        texts(page.iter().copied())
    }

    /// The first page a `recovered: false` from `from` to `to` asks for.
    fn first_gap_page(paging: &mut Paging, from: u64, to: u64, log: &EventLog) -> PageRequest {
        match paging.recovered(&not_recovered(from, to), log) {
            Recovery::Missed {
                fetch: Some(request),
                ..
            } => request,
            other => panic!("a gap to fill, not {other:?}"),
        }
    }

    /// The (after, before) of each page a gap fill asked for.
    type Asked = Vec<(Option<u64>, Option<u64>)>;

    /// Answers `request` with `page(request)`, and every page that follows, until the gap fill
    /// ends: its last answer (the only one with a notice) and the pages asked.
    fn fill(
        paging: &mut Paging,
        mut request: PageRequest,
        model: &mut SessionModel,
        page: impl Fn(&PageRequest) -> Vec<Envelope>,
    ) -> (Answered, Asked) {
        let mut asked = Vec::new();
        loop {
            asked.push((request.after, request.before));
            let answered = paging.answer(request.id, Ok(page(&request)), model);
            match answered.fetch {
                Some(next) => {
                    assert_eq!(answered.notice, None, "a notice only at the end");
                    request = next;
                }
                None => return (answered, asked),
            }
        }
    }

    #[test]
    fn the_first_page_is_the_newest() {
        let mut paging = Paging::default();
        let mut model = SessionModel::default();
        let request = paging.newest(2500);
        assert_eq!(
            (request.after, request.before, request.limit),
            (None, Some(2501), MAX_HISTORY_LIMIT)
        );
        let history: Vec<u64> = (1..=2500).collect();
        let page = serve(&history, &request);
        assert_eq!(
            paging.answer(request.id, Ok(page), &mut model),
            Answered::default()
        );
        assert_eq!(offsets(&model), (1501..=2500).collect::<Vec<_>>());

        let failed = paging.newest(0);
        let answered = paging.answer(failed.id, Err("network error: offline".into()), &mut model);
        assert_eq!(answered.notice.as_deref(), Some("network error: offline"));
    }

    #[test]
    fn load_older_pages_back_to_the_start_one_page_at_a_time() {
        let history: Vec<u64> = (1..=2500).collect();
        let mut model = holding(1501..=2500);
        let mut paging = Paging::default();
        let mut pages = 0;
        while let Some(request) = paging.older(&model.log) {
            assert_eq!(
                (request.after, request.before),
                (None, Some(model.log.first()))
            );
            assert!(paging.loading_older());
            assert_eq!(paging.older(&model.log), None, "one page at a time");
            let page = serve(&history, &request);
            assert_eq!(
                paging.answer(request.id, Ok(page), &mut model),
                Answered::default()
            );
            assert!(!paging.loading_older());
            pages += 1;
        }
        assert_eq!(pages, 2);
        assert_eq!(offsets(&model), history);
        assert!(model.log.gaps().is_empty());
    }

    #[test]
    fn nothing_to_page_back_to_from_the_start_or_an_empty_log() {
        let mut paging = Paging::default();
        assert_eq!(paging.older(&holding(1..=3).log), None);
        assert_eq!(paging.older(&SessionModel::default().log), None);
        assert!(!paging.loading_older());
    }

    #[test]
    fn a_failed_older_page_says_why_and_can_be_tried_again() {
        let mut model = holding(11..=20);
        let mut paging = Paging::default();
        let request = paging.older(&model.log).unwrap();
        let answered = paging.answer(request.id, Err("network error: offline".into()), &mut model);
        assert_eq!(
            answered,
            Answered {
                notice: Some("Could not load older events: network error: offline".into()),
                fetch: None
            }
        );
        assert!(!paging.loading_older());
        assert_eq!(offsets(&model), (11..=20).collect::<Vec<_>>());
        let again = paging.older(&model.log).unwrap();
        assert_eq!(again.before, Some(11));
        assert_ne!(again.id, request.id);
    }

    #[test]
    fn a_clean_recovery_needs_nothing() {
        let mut paging = Paging::default();
        let recovered = SessionRecovered {
            recovered: true,
            from: 61,
            to: 80,
        };
        assert_eq!(
            paging.recovered(&recovered, &holding(1..=80).log),
            Recovery::Complete
        );
        assert_eq!(paging, Paging::default());
    }

    #[test]
    fn a_gap_after_a_reconnect_is_filled_page_by_page() {
        // The page held 1..=60, the reconnect replayed 2561..=2600: 2,500 events are missing,
        // more than one page holds.
        let history: Vec<u64> = (1..=2600).collect();
        let mut model = holding((1..=60).chain(2561..=2600));
        let mut paging = Paging::default();
        let Recovery::Missed { notice, fetch } =
            paging.recovered(&not_recovered(2561, 2600), &model.log)
        else {
            panic!("a gap to fill")
        };
        assert_eq!(
            notice,
            "Some events were not replayed after reconnecting (recovered: false, from 2561); loading them…"
        );
        let (last, asked) = fill(&mut paging, fetch.unwrap(), &mut model, |r| {
            serve(&history, r)
        });
        assert_eq!(
            asked,
            [
                (Some(60), Some(2561)),
                (Some(1060), Some(2561)),
                (Some(2060), Some(2561))
            ]
        );
        assert_eq!(
            last.notice.as_deref(),
            Some("Missed events were loaded: nothing is missing.")
        );
        assert_eq!(offsets(&model), history);
    }

    #[test]
    fn a_gap_the_server_no_longer_holds_is_named() {
        // Retention trimmed 61..=110 while the page was away; 111..=160 were replayed.
        let history: Vec<u64> = (111..=160).collect();
        let mut model = holding((1..=60).chain(111..=160));
        let mut paging = Paging::default();
        let request = first_gap_page(&mut paging, 111, 160, &model.log);
        assert_eq!((request.after, request.before), (Some(60), Some(111)));
        let answered = paging.answer(request.id, Ok(serve(&history, &request)), &mut model);
        assert_eq!(
            answered,
            Answered {
                notice: Some("Events 61 to 110 are no longer kept by the server.".into()),
                fetch: None
            }
        );
        assert_eq!(model.log.gaps(), [(61, 110)]);

        // Partly trimmed: what is held is paged in, and the rest is named.
        let history: Vec<u64> = (81..=160).collect();
        let mut model = holding((1..=60).chain(111..=160));
        let mut paging = Paging::default();
        let request = first_gap_page(&mut paging, 111, 160, &model.log);
        let (last, asked) = fill(&mut paging, request, &mut model, |r| serve(&history, r));
        assert_eq!(asked, [(Some(60), Some(111)), (Some(60), Some(81))]);
        assert_eq!(
            last.notice.as_deref(),
            Some("Events 61 to 80 are no longer kept by the server.")
        );
    }

    #[test]
    fn a_failed_gap_page_says_why() {
        let mut model = holding((1..=5).chain(9..=10));
        let mut paging = Paging::default();
        let request = first_gap_page(&mut paging, 9, 10, &model.log);
        let answered = paging.answer(request.id, Err("timed out".into()), &mut model);
        assert_eq!(
            answered.notice.as_deref(),
            Some("Could not load missing events: timed out")
        );
        assert_eq!(answered.fetch, None);
    }

    #[test]
    fn recovered_false_with_nothing_missing_says_so_at_once() {
        let mut paging = Paging::default();
        assert_eq!(
            paging.recovered(&not_recovered(1, 10), &holding(1..=10).log),
            Recovery::Missed {
                notice: "Missed events were loaded: nothing is missing.".into(),
                fetch: None
            }
        );
    }

    #[test]
    fn a_changed_history_reloads_and_drops_the_answers_on_their_way() {
        let mut model = holding(501..=900);
        let mut paging = Paging::default();
        let older = paging.older(&model.log).unwrap();
        // The server came back with a new history: offsets from 1 again, below our head.
        assert_eq!(
            paging.recovered(&not_recovered(1, 40), &model.log),
            Recovery::Reload {
                notice: "The server's history changed: reloading this session.".into()
            }
        );
        assert!(!paging.loading_older());
        model.clear();
        let newest = paging.newest(40);
        // The old history's page arrives late: it is not merged into the new one.
        let stale = paging.answer(older.id, Ok(texts(1..=500)), &mut model);
        assert_eq!(stale, Answered::default());
        assert!(model.log.is_empty());
        paging.answer(newest.id, Ok(texts(1..=40)), &mut model);
        assert_eq!(offsets(&model), (1..=40).collect::<Vec<_>>());
    }

    #[test]
    fn a_newer_gap_fill_replaces_one_on_its_way() {
        let history: Vec<u64> = (1..=100).collect();
        let mut model = holding((1..=10).chain(51..=60));
        let mut paging = Paging::default();
        let first = first_gap_page(&mut paging, 51, 60, &model.log);
        // Another reconnect before the answer: more is missing now.
        model.extend(texts(91..=100));
        let second = first_gap_page(&mut paging, 91, 100, &model.log);
        assert_ne!(first.id, second.id);
        fill(&mut paging, second, &mut model, |r| serve(&history, r));
        assert_eq!(offsets(&model), history);
        // The first answer comes last of all: ignored.
        let late = paging.answer(first.id, Ok(serve(&history, &first)), &mut model);
        assert_eq!(late, Answered::default());
        assert_eq!(offsets(&model), history);
    }

    #[test]
    fn a_gap_that_never_closes_is_given_up_after_a_bound() {
        // A server that answers every page with one old event and never the missing ones.
        let mut model = holding([1, 2000]);
        let mut paging = Paging::default();
        let request = first_gap_page(&mut paging, 2000, 2000, &model.log);
        let (last, asked) = fill(&mut paging, request, &mut model, |_| texts([1]));
        assert_eq!(asked.len(), MAX_GAP_ROUNDS as usize);
        assert_eq!(
            last.notice.as_deref(),
            Some("Events 2 to 1999 are no longer kept by the server.")
        );
    }
}
