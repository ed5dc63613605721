//! What a sequencer has taken from its queue and not yet given to the store: the next group
//! commit, and a catch-up that must wait until the events received before it are out.

use tokio::time::{Duration, Instant};

use super::recovery::CatchUp;
use super::session::{PublishBatch, SequencerMsg};

#[derive(Default)]
pub(super) struct Pending {
    group: Vec<PublishBatch>,
    events: usize,
    /// When the first publish of `group` arrived: a commit linger counts from it.
    since: Option<Instant>,
    /// A catch-up ends the group: it must see the group's events broadcast first, so nothing
    /// more is taken from the queue until it has run.
    catch_up: Option<CatchUp>,
}

impl Pending {
    /// Whether the sequencer takes another message from its queue: not while a catch-up
    /// waits, nor when the group is full (the queue then pushes back on the publishers).
    pub fn accepts(&self, max_events: usize) -> bool {
        self.catch_up.is_none() && self.events < max_events
    }

    /// Takes a message from the queue; returns the events it publishes.
    pub fn push(&mut self, message: SequencerMsg, now: Instant) -> usize {
        match message {
            SequencerMsg::CatchUp(catch_up) => {
                self.catch_up = Some(catch_up);
                0
            }
            SequencerMsg::Publish(batch) => {
                let events = batch.events.len();
                self.since.get_or_insert(now);
                self.events += events;
                self.group.push(batch);
                events
            }
        }
    }

    /// When the group should go to the store (`None` for no group): at once, or when the
    /// linger that lets more publishes join it is over. A full group or a waiting catch-up
    /// does not wait.
    pub fn due(&self, linger: Duration, max_events: usize) -> Option<Instant> {
        let since = self.since.filter(|_| !self.group.is_empty())?;
        if self.catch_up.is_some() || self.events >= max_events {
            return Some(since);
        }
        Some(since + linger)
    }

    pub fn take_group(&mut self) -> Vec<PublishBatch> {
        self.events = 0;
        self.since = None;
        std::mem::take(&mut self.group)
    }

    /// The catch-up, once every event received before it is committed.
    pub fn take_catch_up(&mut self) -> Option<CatchUp> {
        if self.group.is_empty() {
            self.catch_up.take()
        } else {
            None
        }
    }

    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.catch_up.is_none()
    }
}

#[cfg(test)]
mod tests {
    use agentcast_shared::Event;
    use tokio::sync::oneshot;

    use super::*;
    use crate::hub::{Recipient, SendFailure, TypeSet};

    fn publish(events: usize) -> SequencerMsg {
        let (reply, _) = oneshot::channel();
        SequencerMsg::Publish(PublishBatch {
            events: (0..events)
                .map(|_| {
                    Event::from_parts("session.ended", &serde_json::json!({"status": "completed"}))
                        .unwrap()
                })
                .collect(),
            cursor: None,
            reply,
        })
    }

    const LINGER: Duration = Duration::from_millis(5);

    #[test]
    fn a_group_is_due_after_the_linger_counted_from_its_first_publish() {
        let start = Instant::now();
        let mut pending = Pending::default();
        assert_eq!(pending.due(LINGER, 10), None);
        assert_eq!(pending.push(publish(2), start), 2);
        pending.push(publish(1), start + Duration::from_millis(3));
        assert_eq!(pending.due(LINGER, 10), Some(start + LINGER));
        assert_eq!(pending.take_group().len(), 2);
        assert_eq!(pending.due(LINGER, 10), None);
        assert!(pending.is_empty());
    }

    /// A recipient nothing is ever sent to: these tests only move its catch-up around.
    struct Nobody;

    impl Recipient for Nobody {
        fn id(&self) -> String {
            "nobody".into()
        }
        fn is_connected(&self) -> bool {
            false
        }
        fn wanted(&self) -> TypeSet {
            unreachable!("not replayed in these tests")
        }
        fn send(
            &self,
            _: &'static str,
            _: &serde_json::value::RawValue,
        ) -> Result<(), SendFailure> {
            unreachable!("not replayed in these tests")
        }
        fn go_live(
            &self,
            _: &mut dyn FnMut(TypeSet) -> Result<(), SendFailure>,
        ) -> Result<(), SendFailure> {
            unreachable!("not replayed in these tests")
        }
        fn drop_slow(&self) {}
    }

    fn catch_up() -> SequencerMsg {
        SequencerMsg::CatchUp(CatchUp {
            recipient: std::sync::Arc::new(Nobody),
            progress: crate::hub::recovery::Progress::new(0),
        })
    }

    #[test]
    fn a_catch_up_waits_for_the_group_before_it_and_stops_the_intake() {
        let start = Instant::now();
        let mut pending = Pending::default();
        pending.push(publish(1), start);
        assert_eq!(pending.push(catch_up(), start), 0);
        assert!(!pending.accepts(10));
        // The group does not linger: the catch-up is waiting for it.
        assert_eq!(pending.due(LINGER, 10), Some(start));
        assert!(pending.take_catch_up().is_none());
        pending.take_group();
        assert!(pending.take_catch_up().is_some());
        assert!(pending.accepts(10) && pending.is_empty());
    }

    #[test]
    fn a_full_group_is_due_at_once_and_takes_nothing_more() {
        let start = Instant::now();
        let mut pending = Pending::default();
        pending.push(publish(3), start);
        assert!(pending.accepts(4));
        pending.push(publish(1), start);
        assert!(!pending.accepts(4));
        assert_eq!(pending.due(LINGER, 4), Some(start));
        pending.take_group();
        assert!(pending.accepts(4));
    }
}
