//! The permission requests of one session: open ones with their deadlines, and the ids of
//! those already resolved, so a late answer is told `already_resolved` rather than
//! `not_found`. The first answer takes a request out; nothing can answer it twice.

use std::collections::VecDeque;

use agentcast_shared::PermissionRequested;
use tokio::time::Instant;

/// Resolved request ids remembered per session (older ones read as `not_found`).
const REMEMBERED: usize = 256;

/// An open request.
#[derive(Debug, Clone)]
pub(crate) struct OpenRequest {
    pub request: PermissionRequested,
    pub deadline: Instant,
}

/// Why a request cannot be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotOpen {
    AlreadyResolved,
    Unknown,
}

#[derive(Debug, Default)]
pub(crate) struct Permissions {
    open: Vec<OpenRequest>,
    resolved: VecDeque<String>,
}

impl Permissions {
    pub fn open(&mut self, request: PermissionRequested, deadline: Instant) {
        self.open.push(OpenRequest { request, deadline });
    }

    /// Takes request `id` out to answer it.
    pub fn take(&mut self, id: &str) -> Result<OpenRequest, NotOpen> {
        match self.open.iter().position(|o| o.request.request_id == id) {
            Some(index) => {
                let taken = self.open.remove(index);
                self.remember(id);
                Ok(taken)
            }
            None if self.resolved.iter().any(|r| r == id) => Err(NotOpen::AlreadyResolved),
            None => Err(NotOpen::Unknown),
        }
    }

    /// Takes out the requests whose deadline has passed at `now`.
    pub fn take_expired(&mut self, now: Instant) -> Vec<OpenRequest> {
        let (expired, open) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(|o| o.deadline <= now);
        self.open = open;
        for o in &expired {
            self.remember(&o.request.request_id);
        }
        expired
    }

    /// Takes out every open request (the session ends).
    pub fn take_all(&mut self) -> Vec<OpenRequest> {
        let all = std::mem::take(&mut self.open);
        for o in &all {
            self.remember(&o.request.request_id);
        }
        all
    }

    /// The earliest deadline of an open request.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.open.iter().map(|o| o.deadline).min()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// The open requests, oldest first.
    pub fn list(&self) -> Vec<PermissionRequested> {
        self.open.iter().map(|o| o.request.clone()).collect()
    }

    fn remember(&mut self, id: &str) {
        if self.resolved.len() == REMEMBERED {
            self.resolved.pop_front();
        }
        self.resolved.push_back(id.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn request(id: &str) -> PermissionRequested {
        PermissionRequested {
            request_id: id.into(),
            tool_use_id: None,
            tool_name: "Bash".into(),
            input: serde_json::json!({"command": "touch x"}),
            description: None,
            suggestions: Vec::new(),
            expires_at: String::new(),
        }
    }

    #[test]
    fn the_first_answer_wins_and_a_second_is_told_so() {
        let mut permissions = Permissions::default();
        let now = Instant::now();
        permissions.open(request("a"), now + Duration::from_secs(60));
        permissions.open(request("b"), now + Duration::from_secs(30));
        assert_eq!(
            permissions.next_deadline(),
            Some(now + Duration::from_secs(30))
        );
        assert_eq!(permissions.take("a").unwrap().request.request_id, "a");
        assert_eq!(permissions.take("a").unwrap_err(), NotOpen::AlreadyResolved);
        assert_eq!(permissions.take("zzz").unwrap_err(), NotOpen::Unknown);
        assert_eq!(permissions.list().len(), 1);
    }

    #[test]
    fn expired_requests_leave_and_count_as_resolved() {
        let mut permissions = Permissions::default();
        let now = Instant::now();
        permissions.open(request("soon"), now + Duration::from_secs(1));
        permissions.open(request("later"), now + Duration::from_secs(100));
        let expired = permissions.take_expired(now + Duration::from_secs(2));
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0].request.request_id, "soon");
        assert_eq!(
            permissions.take("soon").unwrap_err(),
            NotOpen::AlreadyResolved
        );
        assert_eq!(permissions.take_all().len(), 1);
        assert!(permissions.is_empty() && permissions.next_deadline().is_none());
    }

    #[test]
    fn only_so_many_resolved_ids_are_remembered() {
        let mut permissions = Permissions::default();
        for n in 0..=REMEMBERED {
            permissions.open(request(&n.to_string()), Instant::now());
            permissions.take(&n.to_string()).unwrap();
        }
        assert_eq!(permissions.take("0").unwrap_err(), NotOpen::Unknown);
        assert_eq!(
            permissions.take(&REMEMBERED.to_string()).unwrap_err(),
            NotOpen::AlreadyResolved
        );
    }
}
