//! Answering the agent from the session view: which controls a viewer gets (from the session's
//! `controllable` and the token's scopes in `whoami`), when Interrupt and End make sense, and
//! the words for the commands' answers (`queued (1 ahead)`, someone answered first).

use agentcast_shared::rest::WhoAmI;
use agentcast_shared::{ErrorBody, ErrorCode, PromptResult, Scope, SessionState};

use super::transcript::{Entry, EntryKind};

/// What the session view offers below the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The prompt box, Interrupt, End and the answer buttons of permission cards.
    Control,
    /// The session takes commands, but this token may only watch.
    WatchOnly,
    /// agentcast did not start the session: nobody can answer it from here.
    ReadOnly,
}

impl Access {
    pub fn of(controllable: bool, who: Option<&WhoAmI>) -> Access {
        match (controllable, who.is_some_and(may_control)) {
            (false, _) => Access::ReadOnly,
            (true, true) => Access::Control,
            (true, false) => Access::WatchOnly,
        }
    }

    /// The `data-access` of the control bar.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Control => "control",
            Access::WatchOnly => "watch-only",
            Access::ReadOnly => "read-only",
        }
    }
}

/// True when the token has the `control` scope (`admin` includes it, `write` does not).
pub fn may_control(who: &WhoAmI) -> bool {
    who.scope.iter().any(|scope| scope.grants(Scope::Control))
}

/// Interrupt stops a turn: only while one runs or waits for an answer.
pub fn can_interrupt(state: Option<SessionState>) -> bool {
    matches!(state, Some(SessionState::Running | SessionState::Waiting))
}

/// End needs a session that is still alive.
pub fn can_end(state: Option<SessionState>) -> bool {
    state.is_some_and(SessionState::is_active)
}

/// What the prompt box says once the server took a prompt.
pub fn prompt_sent(result: &PromptResult) -> String {
    if result.queued {
        format!("queued ({} ahead)", result.ahead)
    } else {
        "sent".to_owned()
    }
}

/// A prompt the server took, shown beside the prompt box until the agent has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPrompt {
    pub text: String,
    /// The session's head when it was sent: its `user.prompt` comes after.
    pub after_offset: u64,
    /// `queued (1 ahead)` or `sent`.
    pub label: String,
}

impl SentPrompt {
    /// True once the transcript shows the prompt (its `user.prompt` came): the agent has it.
    pub fn delivered(&self, entries: &[Entry]) -> bool {
        entries
            .iter()
            .rev()
            .take_while(|e| e.offset > self.after_offset)
            .any(|e| e.kind == EntryKind::User && e.text == self.text)
    }
}

/// What a refused command says: a short notice, never an error page. Someone answering a
/// request first is the normal race of several watchers.
pub fn refusal(error: &ErrorBody) -> String {
    match error.code {
        ErrorCode::AlreadyResolved => "Someone else answered this request first.".to_owned(),
        ErrorCode::NotFound => "This request is no longer open.".to_owned(),
        ErrorCode::Forbidden => "This token may not answer the agent.".to_owned(),
        _ => error.message.clone(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What whoami says of a token with `scope`.
    pub(crate) fn who(scope: &[Scope]) -> WhoAmI {
        WhoAmI {
            sub: "alice".into(),
            scope: scope.to_vec(),
            sessions: vec!["*".into()],
            project: None,
            exp: 2,
            iat: 1,
            expires_in_s: 1,
            auth_enabled: true,
            may_start: Vec::new(),
        }
    }

    #[test]
    fn controls_need_a_controllable_session_and_the_control_scope() {
        let admin = who(&[Scope::Admin]);
        let control = who(&[Scope::Read, Scope::Control]);
        let write = who(&[Scope::Write]);
        assert_eq!(Access::of(true, Some(&admin)), Access::Control);
        assert_eq!(Access::of(true, Some(&control)), Access::Control);
        assert_eq!(Access::of(true, Some(&write)), Access::WatchOnly);
        assert_eq!(
            Access::of(true, None),
            Access::WatchOnly,
            "whoami not known yet"
        );
        assert_eq!(Access::of(false, Some(&admin)), Access::ReadOnly);
    }

    #[test]
    fn interrupt_while_a_turn_runs_end_while_alive() {
        use SessionState::*;
        assert!(can_interrupt(Some(Running)) && can_interrupt(Some(Waiting)));
        assert!(!can_interrupt(Some(Idle)) && !can_interrupt(None));
        assert!(can_end(Some(Idle)) && can_end(Some(Waiting)));
        assert!(!can_end(Some(Completed)) && !can_end(None));
    }

    #[test]
    fn a_sent_prompt_is_delivered_when_its_user_prompt_follows() {
        use crate::model::tests::env;
        use crate::model::transcript::Transcript;
        use serde_json::json;
        let sent = SentPrompt {
            text: "next".into(),
            after_offset: 2,
            label: "queued (0 ahead)".into(),
        };
        let mut transcript = Transcript::default();
        transcript.apply(&env(2, "user.prompt", json!({"text": "next"})));
        transcript.apply(&env(3, "output.text", json!({"text": "working"})));
        assert!(
            !sent.delivered(transcript.entries()),
            "the same text before it was sent"
        );
        transcript.apply(&env(4, "user.prompt", json!({"text": "other"})));
        assert!(!sent.delivered(transcript.entries()));
        transcript.apply(&env(
            5,
            "user.prompt",
            json!({"text": "next", "by": "alice"}),
        ));
        assert!(sent.delivered(transcript.entries()));
    }

    #[test]
    fn answers_in_words() {
        assert_eq!(
            prompt_sent(&PromptResult {
                queued: true,
                ahead: 2
            }),
            "queued (2 ahead)"
        );
        assert_eq!(
            prompt_sent(&PromptResult {
                queued: false,
                ahead: 0
            }),
            "sent"
        );
        let body = |code| ErrorBody::new(code, "raw");
        assert_eq!(
            refusal(&body(ErrorCode::Forbidden)),
            "This token may not answer the agent."
        );
        assert_eq!(
            refusal(&body(ErrorCode::AlreadyResolved)),
            "Someone else answered this request first."
        );
        assert_eq!(refusal(&body(ErrorCode::Internal)), "raw");
    }
}
