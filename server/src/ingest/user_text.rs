//! What a Claude Code `user` text block is: a prompt of the person, or the marker the CLI
//! writes when a turn is interrupted (`[Request interrupted by user]`, `... for tool use]`),
//! which is shown as a notification, never as a prompt. Shared by the stream-json and the
//! transcript mappers, so both show an interruption alike.

use agentcast_shared::{AgentNotification, Event, UserPrompt};

/// How Claude Code marks an interrupted turn in the conversation.
const INTERRUPTED: &str = "[Request interrupted by user";

/// The kind of the `agent.notification` an interruption becomes.
pub(crate) const INTERRUPTED_KIND: &str = "interrupted";

/// The event of a user text block of the main agent.
pub(crate) fn user_text_event(text: String) -> Event {
    if text.starts_with(INTERRUPTED) && text.trim_end().ends_with(']') {
        return AgentNotification {
            kind: INTERRUPTED_KIND.into(),
            message: "Interrupted by the user".into(),
            title: None,
            details: None,
        }
        .into();
    }
    UserPrompt { text, by: None }.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interruption_markers_are_notifications_and_the_rest_prompts() {
        for marker in [
            "[Request interrupted by user]",
            "[Request interrupted by user for tool use]",
        ] {
            let Event::AgentNotification(note) = user_text_event(marker.into()) else {
                panic!("{marker}");
            };
            assert_eq!(note.kind, INTERRUPTED_KIND);
        }
        for prompt in ["fix it", "[Request interrupted by user] and then do X?"] {
            assert!(
                matches!(user_text_event(prompt.into()), Event::UserPrompt(_)),
                "{prompt}"
            );
        }
    }
}
