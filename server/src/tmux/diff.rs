//! What changed between two [`Snapshot`]s of a tmux server, as `tmux.*` events: windows and
//! panes opened, renamed, closed, a pane's foreground command changing, a pane exiting. Two
//! equal snapshots give nothing: the collector reports changes, never the state again.
//!
//! Order within one poll: windows opened, panes opened, renames, command changes, exits,
//! panes closed, windows closed; so a pane comes after its window and goes before it.

use agentcast_shared::{
    Event, TmuxPaneClosed, TmuxPaneCommandChanged, TmuxPaneExited, TmuxPaneOpened,
    TmuxWindowClosed, TmuxWindowOpened, TmuxWindowRenamed,
};

use std::collections::BTreeSet;

use super::snapshot::{Pane, Snapshot};

/// The events that take a client from `before` to `after`; records in `after` which exits
/// were reported.
pub(crate) fn diff(before: &Snapshot, after: &mut Snapshot) -> Vec<Event> {
    let mut events = Vec::new();
    for (key, window) in &after.windows {
        if !before.windows.contains_key(key) {
            events.push(
                TmuxWindowOpened {
                    window_id: window.id.clone(),
                    index: window.index,
                    name: window.name.clone(),
                    tmux_session_id: window.session_id.clone(),
                    tmux_session: window.session_name.clone(),
                }
                .into(),
            );
        }
    }
    for (key, pane) in &after.panes {
        if !before.panes.contains_key(key) {
            events.push(opened(pane));
        }
    }
    for (key, window) in &after.windows {
        match before.windows.get(key) {
            Some(old) if old.name != window.name => events.push(
                TmuxWindowRenamed {
                    window_id: window.id.clone(),
                    name: window.name.clone(),
                    previous_name: old.name.clone(),
                }
                .into(),
            ),
            _ => {}
        }
    }
    for (key, pane) in &after.panes {
        let Some(old) = before.panes.get(key) else {
            continue;
        };
        // A dead pane's command is whatever tmux last saw: not a change worth reporting.
        // A respawned pane (dead, then alive) shows as its new command.
        if pane.exit.is_none() && (old.command != pane.command || old.exit.is_some()) {
            events.push(
                TmuxPaneCommandChanged {
                    pane_id: pane.id.clone(),
                    window_id: pane.window_id.clone(),
                    command: pane.command.clone(),
                    previous_command: old.command.clone(),
                    cwd: pane.cwd.clone(),
                }
                .into(),
            );
        }
    }
    let mut reported = BTreeSet::new();
    for (key, pane) in &after.panes {
        if pane.exit.is_none() {
            continue; // alive, or respawned: a later death is a new exit
        }
        if before.exits_reported.contains(key) {
            reported.insert(*key);
        } else if let Some(exit) = exited(before.panes.get(key), pane) {
            events.push(exit);
            reported.insert(*key);
        }
    }
    after.exits_reported = reported;
    for (key, pane) in &before.panes {
        if !after.panes.contains_key(key) {
            events.push(
                TmuxPaneClosed {
                    pane_id: pane.id.clone(),
                    window_id: pane.window_id.clone(),
                }
                .into(),
            );
        }
    }
    for (key, window) in &before.windows {
        if !after.windows.contains_key(key) {
            events.push(
                TmuxWindowClosed {
                    window_id: window.id.clone(),
                    name: window.name.clone(),
                }
                .into(),
            );
        }
    }
    events
}

fn opened(pane: &Pane) -> Event {
    TmuxPaneOpened {
        pane_id: pane.id.clone(),
        window_id: pane.window_id.clone(),
        index: pane.index,
        pid: pane.pid,
        command: pane.command.clone(),
        cwd: pane.cwd.clone(),
    }
    .into()
}

/// `tmux.pane_exited` for a dead `pane` not reported yet: at once when its status is known;
/// a pane dead with its status still unknown waits one poll for it, then is reported
/// without one (tmux 3.3a sometimes never learns it: seen here 2 runs in 8).
fn exited(before: Option<&Pane>, pane: &Pane) -> Option<Event> {
    let exit = pane.exit?;
    let waited = before.is_some_and(|old| old.exit.is_some());
    if !exit.is_known() && !waited {
        return None;
    }
    Some(
        TmuxPaneExited {
            pane_id: pane.id.clone(),
            window_id: pane.window_id.clone(),
            exit_status: exit.status,
            signal: exit.signal,
        }
        .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tmux::snapshot::PaneExit;
    use crate::tmux::snapshot::Window;

    fn window(n: u32, name: &str) -> Window {
        Window {
            id: format!("@{n}"),
            index: n,
            name: name.into(),
            session_id: "$0".into(),
            session_name: "work".into(),
        }
    }

    fn pane(n: u32, window: u32, command: &str) -> Pane {
        Pane {
            id: format!("%{n}"),
            window_id: format!("@{window}"),
            index: 0,
            pid: Some(1000 + n),
            command: command.into(),
            cwd: Some("/src".into()),
            exit: None,
        }
    }

    fn snapshot(windows: Vec<Window>, panes: Vec<Pane>) -> Snapshot {
        let number = |id: &str| id[1..].parse::<u32>().unwrap();
        Snapshot {
            windows: windows.into_iter().map(|w| (number(&w.id), w)).collect(),
            panes: panes.into_iter().map(|p| (number(&p.id), p)).collect(),
            ..Snapshot::default()
        }
    }

    /// `(type, the data's id and the field that changed)`, to compare sequences briefly.
    fn brief(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| {
                let data = e.data_json();
                let id = data.get("pane_id").or(data.get("window_id")).unwrap();
                let detail = ["name", "command", "exit_status", "signal"]
                    .iter()
                    .find_map(|field| data.get(*field))
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default();
                format!("{} {}{detail}", e.kind(), id.as_str().unwrap())
            })
            .collect()
    }

    #[test]
    fn an_unchanged_poll_gives_nothing() {
        let state = snapshot(vec![window(0, "w")], vec![pane(0, 0, "bash")]);
        assert!(diff(&state, &mut state.clone()).is_empty());
        assert!(diff(&Snapshot::default(), &mut Snapshot::default()).is_empty());
    }

    #[test]
    fn the_first_poll_opens_everything_with_its_details() {
        let mut state = snapshot(
            vec![window(0, "editor"), window(1, "agent")],
            vec![pane(0, 0, "vim"), pane(1, 1, "claude"), pane(2, 1, "bash")],
        );
        let events = diff(&Snapshot::default(), &mut state);
        assert_eq!(
            brief(&events),
            [
                "tmux.window_opened @0 \"editor\"",
                "tmux.window_opened @1 \"agent\"",
                "tmux.pane_opened %0 \"vim\"",
                "tmux.pane_opened %1 \"claude\"",
                "tmux.pane_opened %2 \"bash\"",
            ]
        );
        assert_eq!(
            events[3],
            TmuxPaneOpened {
                pane_id: "%1".into(),
                window_id: "@1".into(),
                index: 0,
                pid: Some(1001),
                command: "claude".into(),
                cwd: Some("/src".into()),
            }
            .into()
        );
        assert_eq!(
            events[0],
            TmuxWindowOpened {
                window_id: "@0".into(),
                index: 0,
                name: "editor".into(),
                tmux_session_id: "$0".into(),
                tmux_session: "work".into(),
            }
            .into()
        );
    }

    #[test]
    fn renames_command_changes_exits_and_closes() {
        let before = snapshot(
            vec![window(0, "w"), window(1, "old"), window(2, "gone")],
            vec![
                pane(0, 0, "bash"),
                pane(1, 1, "sh"),
                pane(2, 2, "bash"),
                pane(3, 0, "bash"),
            ],
        );
        let mut exited = pane(1, 1, "sh");
        exited.exit = Some(PaneExit {
            status: Some(3),
            signal: None,
        });
        let mut after = snapshot(
            vec![window(0, "w"), window(1, "new"), window(3, "fresh")],
            vec![
                pane(0, 0, "claude"),
                exited.clone(),
                pane(3, 0, "bash"),
                pane(4, 3, "zsh"),
            ],
        );
        let events = diff(&before, &mut after);
        assert_eq!(
            brief(&events),
            [
                "tmux.window_opened @3 \"fresh\"",
                "tmux.pane_opened %4 \"zsh\"",
                "tmux.window_renamed @1 \"new\"",
                "tmux.pane_command_changed %0 \"claude\"",
                "tmux.pane_exited %1 3",
                "tmux.pane_closed %2",
                "tmux.window_closed @2 \"gone\"",
            ]
        );
        assert_eq!(
            events[2],
            TmuxWindowRenamed {
                window_id: "@1".into(),
                name: "new".into(),
                previous_name: "old".into(),
            }
            .into()
        );
        assert_eq!(
            events[3],
            TmuxPaneCommandChanged {
                pane_id: "%0".into(),
                window_id: "@0".into(),
                command: "claude".into(),
                previous_command: "bash".into(),
                cwd: Some("/src".into()),
            }
            .into()
        );
        // The dead pane stays dead: no second exit, and its command is not a change.
        let mut still_dead = exited;
        still_dead.command = "".into();
        let mut later = snapshot(
            vec![window(0, "w"), window(1, "new"), window(3, "fresh")],
            vec![
                pane(0, 0, "claude"),
                still_dead,
                pane(3, 0, "bash"),
                pane(4, 3, "zsh"),
            ],
        );
        assert!(diff(&after, &mut later).is_empty());
        // Respawned: alive again with a command.
        let mut respawned = snapshot(
            vec![window(0, "w"), window(1, "new"), window(3, "fresh")],
            vec![
                pane(0, 0, "claude"),
                pane(1, 1, "sh"),
                pane(3, 0, "bash"),
                pane(4, 3, "zsh"),
            ],
        );
        assert_eq!(
            brief(&diff(&later, &mut respawned)),
            ["tmux.pane_command_changed %1 \"sh\""]
        );
    }

    #[test]
    fn a_pane_exits_once_its_status_is_known() {
        let alive = snapshot(vec![window(0, "w")], vec![pane(1, 0, "sh")]);
        let mut dying = pane(1, 0, "sh");
        dying.exit = Some(PaneExit {
            status: None,
            signal: None,
        });
        let mut pending = snapshot(vec![window(0, "w")], vec![dying.clone()]);
        assert!(
            diff(&alive, &mut pending).is_empty(),
            "the status is not known yet"
        );
        dying.exit = Some(PaneExit {
            status: Some(0),
            signal: None,
        });
        let mut known = snapshot(vec![window(0, "w")], vec![dying]);
        assert_eq!(
            brief(&diff(&pending, &mut known)),
            ["tmux.pane_exited %1 0"]
        );
        assert!(diff(&known, &mut known.clone()).is_empty());
    }

    #[test]
    fn a_pane_whose_status_never_comes_exits_one_poll_later_without_it() {
        let alive = snapshot(vec![window(0, "w")], vec![pane(1, 0, "sh")]);
        let mut dying = pane(1, 0, "sh");
        dying.exit = Some(PaneExit {
            status: None,
            signal: None,
        });
        let mut pending = snapshot(vec![window(0, "w")], vec![dying.clone()]);
        assert!(diff(&alive, &mut pending).is_empty());
        let mut still_pending = pending.clone();
        let events = diff(&pending, &mut still_pending);
        assert_eq!(
            events,
            [TmuxPaneExited {
                pane_id: "%1".into(),
                window_id: "@0".into(),
                exit_status: None,
                signal: None,
            }
            .into()]
        );
        // The status arriving after all is not a second exit.
        dying.exit = Some(PaneExit {
            status: Some(3),
            signal: None,
        });
        let mut known = snapshot(vec![window(0, "w")], vec![dying]);
        assert!(diff(&still_pending, &mut known).is_empty());
        // Respawned, then dead again: a new exit.
        let mut respawned = snapshot(vec![window(0, "w")], vec![pane(1, 0, "sh")]);
        diff(&known, &mut respawned);
        let mut dead_again = pane(1, 0, "sh");
        dead_again.exit = Some(PaneExit {
            status: Some(0),
            signal: None,
        });
        let mut dead_again = snapshot(vec![window(0, "w")], vec![dead_again]);
        assert_eq!(
            brief(&diff(&respawned, &mut dead_again)),
            ["tmux.pane_exited %1 0"]
        );
    }

    #[test]
    fn a_pane_dead_when_first_seen_opens_then_exits_and_everything_closes_at_the_end() {
        let mut dead = pane(5, 0, "sh");
        dead.exit = Some(PaneExit {
            status: None,
            signal: Some(9),
        });
        let mut state = snapshot(vec![window(0, "w")], vec![dead]);
        assert_eq!(
            brief(&diff(&Snapshot::default(), &mut state)),
            [
                "tmux.window_opened @0 \"w\"",
                "tmux.pane_opened %5 \"sh\"",
                "tmux.pane_exited %5 9",
            ]
        );
        // The tmux server went away: everything closes, panes before their windows.
        assert_eq!(
            brief(&diff(&state, &mut Snapshot::default())),
            ["tmux.pane_closed %5", "tmux.window_closed @0 \"w\""]
        );
    }
}
