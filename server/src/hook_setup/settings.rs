//! agentcast's entries in a Claude Code `settings.json`, merged into and taken out of the
//! parsed document: pure functions over a [`Value`], so every shape a user's file may have is
//! tested without touching a disk.
//!
//! Claude Code's shape is `{"hooks": {"<Event>": [{"matcher": "...", "hooks": [{"type":
//! "command", "command": "...", "timeout": 10}]}]}}`. Our entries are recognised by their
//! command ([`is_ours`]); everything else (other keys, other events, other groups and other
//! hooks of the same event) is left as it was, in its order.

use serde_json::{Map, Value, json};

/// The hook events agentcast installs: the ones that give a session's status and what its
/// transcript lacks, as Claude Code 2.1.328 names them. `ingest::hooks` maps each.
pub(crate) const EVENTS: [&str; 13] = [
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "PostToolUseFailure",
    "Notification",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "SessionEnd",
];

/// How long Claude Code lets our command run, in seconds, before it kills it. Our command
/// gives up well before (`hooks send --timeout-ms`), so this is only a backstop.
const HOOK_TIMEOUT_S: u64 = 10;

/// The subcommand every entry of ours runs: how they are recognised.
pub(crate) const SEND_SUBCOMMAND: &str = "hooks send";

/// Why a settings document cannot take our entries. Nothing is written then.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// The document is JSON but not an object.
    #[error("the settings are not a JSON object")]
    NotAnObject,
    /// `hooks` is something other than an object.
    #[error("`hooks` is not a JSON object")]
    HooksNotAnObject,
    /// `hooks.<event>` is something other than an array.
    #[error("`hooks.{0}` is not a JSON array")]
    EventNotAnArray(String),
}

/// True for a hook command agentcast installed: it runs a program whose file name has
/// `agentcast` in it (a copy may be renamed `agentcast-dev`, `my-agentcast`) with the
/// `hooks send` subcommand.
pub(crate) fn is_ours(command: &str) -> bool {
    let command_line = command.trim_start();
    let program = match command_line.chars().next() {
        // A quoted program path ends at its closing quote.
        Some(quote @ ('\'' | '"')) => command_line[1..].split(quote).next(),
        _ => command_line.split(' ').next(),
    }
    .unwrap_or("");
    let name = program.rsplit('/').next().unwrap_or("");
    name.contains("agentcast") && command.contains(&format!(" {SEND_SUBCOMMAND}"))
}

/// Approve mode: what the `PermissionRequest` entry runs instead, and how long Claude Code
/// lets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Approve {
    pub command: String,
    pub timeout_s: u64,
}

/// The event whose entry waits for an answer in approve mode.
const APPROVE_EVENT: &str = "PermissionRequest";

/// Adds one entry running `command` to every event of [`EVENTS`] (`approve`'s for the
/// `PermissionRequest` event when given), after taking out any
/// entry of ours already there: installing twice gives the same document.
pub(crate) fn install(
    settings: &mut Value,
    command: &str,
    approve: Option<&Approve>,
) -> Result<(), ShapeError> {
    uninstall(settings)?;
    let root = settings.as_object_mut().ok_or(ShapeError::NotAnObject)?;
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or(ShapeError::HooksNotAnObject)?;
    for event in EVENTS {
        let groups = hooks
            .entry(event)
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| ShapeError::EventNotAnArray(event.to_owned()))?;
        let (command, timeout) = match approve {
            Some(approve) if event == APPROVE_EVENT => {
                (approve.command.as_str(), approve.timeout_s)
            }
            _ => (command, HOOK_TIMEOUT_S),
        };
        // No matcher: every tool, every notification.
        groups.push(json!({
            "hooks": [{"type": "command", "command": command, "timeout": timeout}]
        }));
    }
    Ok(())
}

/// Takes out every entry of ours; returns how many. A group left with no hook, an event left
/// with no group and a `hooks` object left empty by that go too; what was empty before stays.
/// The shape is checked before anything is taken out, so an error changes nothing.
pub(crate) fn uninstall(settings: &mut Value) -> Result<usize, ShapeError> {
    check_shape(settings)?;
    let Some(root) = settings.as_object_mut() else {
        return Err(ShapeError::NotAnObject);
    };
    let Some(hooks) = root.get_mut("hooks").and_then(Value::as_object_mut) else {
        return Ok(0);
    };
    let mut removed = 0;
    let mut emptied_events = Vec::new();
    for (event, groups) in hooks.iter_mut() {
        let Some(groups) = groups.as_array_mut() else {
            continue;
        };
        let before = groups.len();
        groups.retain_mut(|group| {
            let Some(entries) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
                return true;
            };
            let had = entries.len();
            entries.retain(|entry| !entry_is_ours(entry));
            removed += had - entries.len();
            !(entries.is_empty() && had > 0)
        });
        if groups.is_empty() && before > 0 {
            emptied_events.push(event.clone());
        }
    }
    for event in &emptied_events {
        hooks.shift_remove(event);
    }
    if hooks.is_empty() && !emptied_events.is_empty() {
        root.shift_remove("hooks");
    }
    Ok(removed)
}

/// The events that have an entry of ours, with its command, in the document's order.
pub(crate) fn installed(settings: &Value) -> Vec<(String, String)> {
    let Some(hooks) = settings.get("hooks").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (event, groups) in hooks {
        let entries = groups
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|group| group.get("hooks").and_then(Value::as_array))
            .flatten();
        for entry in entries {
            if entry_is_ours(entry) {
                let command = entry.get("command").and_then(Value::as_str).unwrap_or("");
                found.push((event.clone(), command.to_owned()));
            }
        }
    }
    found
}

fn entry_is_ours(entry: &Value) -> bool {
    entry
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(is_ours)
}

fn check_shape(settings: &Value) -> Result<(), ShapeError> {
    let root = settings.as_object().ok_or(ShapeError::NotAnObject)?;
    match root.get("hooks") {
        None => Ok(()),
        Some(Value::Object(hooks)) => hooks
            .iter()
            .find(|(_, groups)| !groups.is_array())
            .map_or(Ok(()), |(event, _)| {
                Err(ShapeError::EventNotAnArray(event.clone()))
            }),
        Some(_) => Err(ShapeError::HooksNotAnObject),
    }
}

/// A word for `sh -c`: single-quoted, so spaces and `$` in paths and URLs stay literal.
pub(crate) fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "'/opt/bin/agentcast' hooks send --server 'http://127.0.0.1:8080'";

    fn user_hook(command: &str) -> Value {
        json!({"matcher": "Bash", "hooks": [{"type": "command", "command": command}]})
    }

    #[test]
    fn our_commands_are_recognised_and_others_are_not() {
        assert!(is_ours(OURS));
        assert!(is_ours(
            "/usr/local/bin/agentcast hooks send --server http://x"
        ));
        assert!(is_ours("'/a b/agentcast-dev' hooks send"));
        assert!(is_ours(
            "'/tmp/my-agentcast' hooks send --server 'http://h'"
        ));
        assert!(!is_ours("/usr/bin/notify-send hooks send"));
        assert!(!is_ours("echo agentcast hooks send"));
        assert!(!is_ours("'/opt/bin/agentcast' pipe"));
        assert!(!is_ours("jq . >> /tmp/log"));
    }

    #[test]
    fn an_empty_document_gets_one_entry_per_event() {
        let mut settings = json!({});
        install(&mut settings, OURS, None).unwrap();
        let hooks = settings["hooks"].as_object().unwrap();
        assert_eq!(
            hooks.keys().collect::<Vec<_>>(),
            EVENTS.iter().collect::<Vec<_>>()
        );
        assert_eq!(
            hooks["Stop"],
            json!([{"hooks": [{"type": "command", "command": OURS, "timeout": 10}]}])
        );
        assert_eq!(installed(&settings).len(), EVENTS.len());
    }

    #[test]
    fn other_keys_and_the_users_own_hooks_stay_in_their_order() {
        let original = json!({
            "model": "opus",
            "hooks": {
                "PreToolUse": [user_hook("./check.sh")],
                "Custom": [user_hook("x")],
            },
            "permissions": {"allow": ["Bash(ls)"]},
        });
        let mut settings = original.clone();
        install(&mut settings, OURS, None).unwrap();
        let keys: Vec<_> = settings.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["model", "hooks", "permissions"]);
        let pre = settings["hooks"]["PreToolUse"].as_array().unwrap();
        assert_eq!(pre.len(), 2);
        assert_eq!(pre[0], user_hook("./check.sh"), "the user's entry first");
        assert_eq!(settings["hooks"]["Custom"], json!([user_hook("x")]));

        assert_eq!(uninstall(&mut settings).unwrap(), EVENTS.len());
        assert_eq!(settings, original, "uninstall gives the document back");
    }

    #[test]
    fn approve_mode_gives_the_permission_request_entry_its_own_command_and_time() {
        let mut settings = json!({});
        let approve = Approve {
            command: format!("{OURS} --approve --approve-wait-s 120"),
            timeout_s: 140,
        };
        install(&mut settings, OURS, Some(&approve)).unwrap();
        let entry = &settings["hooks"]["PermissionRequest"][0]["hooks"][0];
        assert_eq!(entry["command"], approve.command.as_str());
        assert_eq!(entry["timeout"], 140);
        assert_eq!(settings["hooks"]["Stop"][0]["hooks"][0]["command"], OURS);
        assert_eq!(
            installed(&settings).len(),
            EVENTS.len(),
            "still recognised as ours"
        );
        assert_eq!(uninstall(&mut settings).unwrap(), EVENTS.len());
    }

    #[test]
    fn installing_twice_gives_the_same_document() {
        let mut once = json!({"hooks": {"Stop": [user_hook("say done")]}});
        install(&mut once, OURS, None).unwrap();
        let mut twice = once.clone();
        install(&mut twice, OURS, None).unwrap();
        assert_eq!(twice, once);
        // A new server URL replaces ours, not adds to it.
        let other = "'/opt/bin/agentcast' hooks send --server 'http://10.0.0.2:9000'";
        install(&mut twice, other, None).unwrap();
        assert_eq!(installed(&twice).len(), EVENTS.len());
        assert!(installed(&twice).iter().all(|(_, c)| c == other));
    }

    #[test]
    fn a_group_shared_with_a_user_hook_keeps_the_users() {
        let mut settings = json!({"hooks": {"Stop": [{"hooks": [
            {"type": "command", "command": OURS},
            {"type": "command", "command": "say done"},
        ]}]}});
        assert_eq!(uninstall(&mut settings).unwrap(), 1);
        assert_eq!(
            settings,
            json!({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}})
        );
    }

    #[test]
    fn what_was_empty_before_stays() {
        let mut settings = json!({"hooks": {}, "x": 1});
        install(&mut settings, OURS, None).unwrap();
        uninstall(&mut settings).unwrap();
        // Our removal emptied `hooks`; an empty `hooks` the user wrote would have stayed.
        assert_eq!(settings, json!({"x": 1}));
        let mut untouched = json!({"hooks": {"Stop": []}});
        assert_eq!(uninstall(&mut untouched).unwrap(), 0);
        assert_eq!(untouched, json!({"hooks": {"Stop": []}}));
    }

    #[test]
    fn shapes_claude_code_would_not_read_are_errors_and_change_nothing() {
        for (bad, expected) in [
            (json!([]), ShapeError::NotAnObject),
            (json!({"hooks": []}), ShapeError::HooksNotAnObject),
            (
                json!({"hooks": {"Stop": [user_hook(OURS)], "PreToolUse": {}}}),
                ShapeError::EventNotAnArray("PreToolUse".into()),
            ),
        ] {
            let mut settings = bad.clone();
            assert_eq!(install(&mut settings, OURS, None).unwrap_err(), expected);
            assert_eq!(uninstall(&mut settings).unwrap_err(), expected);
            assert_eq!(settings, bad);
        }
    }

    #[test]
    fn words_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("/a b/c"), "'/a b/c'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
