//! Key presses to what they do in `top`. While the filter is being typed, keys are text;
//! otherwise they are commands.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Quit,
    /// Moves the selection by this many rows.
    Move(isize),
    /// Moves by a screenful, down (`true`) or up.
    Page(bool),
    /// The first (`false`) or last (`true`) row.
    End(bool),
    NextSort,
    NextStatus,
    /// `/`: starts typing the filter.
    EditFilter,
    FilterChar(char),
    FilterBackspace,
    /// Enter while typing: keep the filter.
    FilterDone,
    /// Esc while typing: clear it.
    FilterCancel,
    /// Enter: `agentcast watch` on the selected session.
    Open,
    /// `r`: reconnect now instead of waiting for the backoff.
    Retry,
}

/// The footer's help, in the order the keys are listed.
pub(crate) const HELP: &[(&str, &str)] = &[
    ("↑↓/jk", "move"),
    ("Enter", "watch"),
    ("s", "sort"),
    ("f", "status"),
    ("/", "filter"),
    ("r", "reconnect"),
    ("q", "quit"),
];

/// The action of `key`, if it has one. `editing`: the filter is being typed.
pub(crate) fn action(key: KeyEvent, editing: bool) -> Option<Action> {
    // Only presses: terminals that report releases and repeats would act twice.
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('d')) {
        return Some(Action::Quit);
    }
    if editing {
        return match key.code {
            KeyCode::Enter => Some(Action::FilterDone),
            KeyCode::Esc => Some(Action::FilterCancel),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char(c) if !ctrl => Some(Action::FilterChar(c)),
            KeyCode::Up => Some(Action::Move(-1)),
            KeyCode::Down => Some(Action::Move(1)),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('q') | KeyCode::Esc => Action::Quit,
        KeyCode::Up | KeyCode::Char('k') => Action::Move(-1),
        KeyCode::Down | KeyCode::Char('j') => Action::Move(1),
        KeyCode::PageUp => Action::Page(false),
        KeyCode::PageDown | KeyCode::Char(' ') => Action::Page(true),
        KeyCode::Home | KeyCode::Char('g') => Action::End(false),
        KeyCode::End | KeyCode::Char('G') => Action::End(true),
        KeyCode::Char('s') => Action::NextSort,
        KeyCode::Char('f') => Action::NextStatus,
        KeyCode::Char('/') => Action::EditFilter,
        KeyCode::Char('r') => Action::Retry,
        KeyCode::Enter => Action::Open,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_are_commands_until_the_filter_is_typed() {
        assert_eq!(action(press(KeyCode::Char('q')), false), Some(Action::Quit));
        assert_eq!(action(press(KeyCode::Esc), false), Some(Action::Quit));
        assert_eq!(
            action(press(KeyCode::Char('j')), false),
            Some(Action::Move(1))
        );
        assert_eq!(action(press(KeyCode::Up), false), Some(Action::Move(-1)));
        assert_eq!(
            action(press(KeyCode::Char('s')), false),
            Some(Action::NextSort)
        );
        assert_eq!(
            action(press(KeyCode::Char('/')), false),
            Some(Action::EditFilter)
        );
        assert_eq!(action(press(KeyCode::Enter), false), Some(Action::Open));
        assert_eq!(action(press(KeyCode::Char('x')), false), None);

        // Typing the filter: letters are text, Esc clears instead of quitting.
        assert_eq!(
            action(press(KeyCode::Char('q')), true),
            Some(Action::FilterChar('q'))
        );
        assert_eq!(
            action(press(KeyCode::Esc), true),
            Some(Action::FilterCancel)
        );
        assert_eq!(
            action(press(KeyCode::Enter), true),
            Some(Action::FilterDone)
        );

        // Ctrl-C quits in both modes (raw mode turns it into a key, not a signal).
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action(ctrl_c, false), Some(Action::Quit));
        assert_eq!(action(ctrl_c, true), Some(Action::Quit));

        let mut release = press(KeyCode::Char('q'));
        release.kind = KeyEventKind::Release;
        assert_eq!(action(release, false), None);
    }
}
