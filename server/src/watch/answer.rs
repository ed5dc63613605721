//! Answering permission requests with a key press: `a` allow, `d` deny (then a message, Enter
//! to send, Esc to go back), `s` skip (leave it to another watcher). Requests are asked in
//! the order they came; one answered elsewhere (the dashboard, another terminal) leaves the
//! queue. Pure: keys in, actions out; the terminal and the commands are the caller's.

use std::collections::VecDeque;

use agentcast_shared::{PermissionDecision, PermissionRequested};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Longest denial message typed here, in characters.
const MAX_MESSAGE_CHARS: usize = 2000;

/// A request waiting for this terminal's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub session_id: String,
    pub request: PermissionRequested,
}

/// What a key press asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing to send (the prompt changed, or the key means nothing now).
    None,
    /// Send this answer.
    Respond {
        session_id: String,
        request_id: String,
        decision: PermissionDecision,
        message: Option<String>,
    },
    /// Ctrl-C while asking: quit watch.
    Quit,
}

/// The open questions and what is being typed.
#[derive(Debug, Default)]
pub struct Questions {
    queue: VecDeque<Question>,
    /// The denial message being typed for the first question, when `d` was pressed.
    typing: Option<String>,
}

impl Questions {
    /// A new request to ask.
    pub fn ask(&mut self, question: Question) {
        let known = self
            .queue
            .iter()
            .any(|q| q.request.request_id == question.request.request_id);
        if !known {
            self.queue.push_back(question);
        }
    }

    /// A request answered (here or elsewhere): no longer asked.
    pub fn resolved(&mut self, request_id: &str) {
        if self
            .queue
            .front()
            .is_some_and(|q| q.request.request_id == request_id)
        {
            self.typing = None;
        }
        self.queue.retain(|q| q.request.request_id != request_id);
    }

    /// A session ended: its requests are gone.
    pub fn session_ended(&mut self, session_id: &str) {
        if self
            .queue
            .front()
            .is_some_and(|q| q.session_id == session_id)
        {
            self.typing = None;
        }
        self.queue.retain(|q| q.session_id != session_id);
    }

    /// True while a question is open.
    pub fn pending(&self) -> bool {
        !self.queue.is_empty()
    }

    /// What the prompt says now.
    pub fn prompt(&self) -> Option<String> {
        let question = self.queue.front()?;
        let more = match self.queue.len() {
            1 => String::new(),
            n => format!(" (1 of {n})"),
        };
        Some(match &self.typing {
            Some(text) => format!(
                "deny {}{more}: why? {text}▏ (Enter send, Esc back)",
                question.request.tool_name
            ),
            None => format!(
                "allow {}?{more} [a]llow [d]eny [s]kip",
                question.request.tool_name
            ),
        })
    }

    /// A key was pressed.
    pub fn key(&mut self, key: KeyEvent) -> Action {
        if key.kind == KeyEventKind::Release {
            return Action::None;
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Action::Quit;
        }
        let Some(question) = self.queue.front() else {
            return Action::None;
        };
        let session_id = question.session_id.clone();
        let request_id = question.request.request_id.clone();
        let respond = |decision, message| Action::Respond {
            session_id,
            request_id,
            decision,
            message,
        };
        if let Some(text) = &mut self.typing {
            match key.code {
                KeyCode::Enter => {
                    let message = std::mem::take(text);
                    self.typing = None;
                    self.queue.pop_front();
                    let message = (!message.trim().is_empty()).then_some(message);
                    return respond(PermissionDecision::Deny, message);
                }
                KeyCode::Esc => self.typing = None,
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) if text.chars().count() < MAX_MESSAGE_CHARS => text.push(c),
                _ => {}
            }
            return Action::None;
        }
        match key.code {
            KeyCode::Char('a' | 'A') => {
                self.queue.pop_front();
                respond(PermissionDecision::Allow, None)
            }
            KeyCode::Char('d' | 'D') => {
                self.typing = Some(String::new());
                Action::None
            }
            KeyCode::Char('s' | 'S') => {
                self.queue.pop_front();
                Action::None
            }
            _ => Action::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: &str) -> Question {
        Question {
            session_id: "s1".into(),
            request: PermissionRequested {
                request_id: id.into(),
                tool_use_id: None,
                tool_name: "Bash".into(),
                input: serde_json::json!({"command": "touch x"}),
                description: None,
                suggestions: Vec::new(),
                expires_at: "2026-12-07T00:10:00.000Z".into(),
            },
        }
    }

    fn press(questions: &mut Questions, code: KeyCode) -> Action {
        questions.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn a_allows_the_first_question_and_the_next_is_asked() {
        let mut questions = Questions::default();
        questions.ask(question("r1"));
        questions.ask(question("r2"));
        questions.ask(question("r1"));
        assert_eq!(
            questions.prompt().unwrap(),
            "allow Bash? (1 of 2) [a]llow [d]eny [s]kip"
        );
        let action = press(&mut questions, KeyCode::Char('a'));
        assert_eq!(
            action,
            Action::Respond {
                session_id: "s1".into(),
                request_id: "r1".into(),
                decision: PermissionDecision::Allow,
                message: None
            }
        );
        assert_eq!(
            questions.prompt().unwrap(),
            "allow Bash? [a]llow [d]eny [s]kip"
        );
        questions.resolved("r2");
        assert!(!questions.pending());
    }

    #[test]
    fn d_asks_why_and_enter_sends_the_message() {
        let mut questions = Questions::default();
        questions.ask(question("r1"));
        assert_eq!(press(&mut questions, KeyCode::Char('d')), Action::None);
        for c in "no!".chars() {
            press(&mut questions, KeyCode::Char(c));
        }
        press(&mut questions, KeyCode::Backspace);
        assert!(questions.prompt().unwrap().contains("why? no▏"));
        match press(&mut questions, KeyCode::Enter) {
            Action::Respond {
                decision, message, ..
            } => {
                assert_eq!(decision, PermissionDecision::Deny);
                assert_eq!(message.as_deref(), Some("no"));
            }
            other => panic!("{other:?}"),
        }
        assert!(!questions.pending());
    }

    #[test]
    fn esc_goes_back_and_skip_leaves_it_to_others() {
        let mut questions = Questions::default();
        questions.ask(question("r1"));
        press(&mut questions, KeyCode::Char('d'));
        press(&mut questions, KeyCode::Esc);
        assert!(questions.prompt().unwrap().contains("[a]llow"));
        assert_eq!(press(&mut questions, KeyCode::Char('s')), Action::None);
        assert!(!questions.pending());
    }

    #[test]
    fn answered_elsewhere_is_no_longer_asked() {
        let mut questions = Questions::default();
        questions.ask(question("r1"));
        press(&mut questions, KeyCode::Char('d'));
        questions.resolved("r1");
        assert!(!questions.pending());
        assert_eq!(press(&mut questions, KeyCode::Char('a')), Action::None);
        questions.ask(question("r2"));
        questions.session_ended("s1");
        assert!(!questions.pending());
    }

    #[test]
    fn ctrl_c_quits() {
        let mut questions = Questions::default();
        let key = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(questions.key(key), Action::Quit);
    }
}
