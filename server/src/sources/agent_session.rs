//! The agent's own session id of a process agentcast starts, decided before it starts, so the
//! agent's transcript is recognised as this session's (and not collected as a second one).
//! For Claude Code: `--session-id <uuid>`, added when the command gives none and does not
//! resume or continue another session (those keep the id Claude Code picks).

use crate::control::is_claude_subcommand;

/// Flags after which Claude Code picks the session itself (or writes no transcript).
const CLAUDE_PICKS_ITS_ID: &[&str] = &[
    "-r",
    "--resume",
    "-c",
    "--continue",
    "--from-pr",
    "--teleport",
    "--no-session-persistence",
];

/// The agent session id of `command`, adding `--session-id <new uuid>` to a `claude` command
/// that names none; `None` for another program or when Claude Code picks it.
pub(crate) fn claude_session_id(command: &mut Vec<String>) -> Option<String> {
    let program = command.first()?;
    let name = std::path::Path::new(program).file_name()?.to_str()?;
    if name != "claude" {
        return None;
    }
    let args = &command[1..];
    if let Some(given) = given_session_id(args) {
        return Some(given);
    }
    let picks_its_own = args.iter().any(|arg| {
        let flag = arg.split_once('=').map_or(arg.as_str(), |(flag, _)| flag);
        CLAUDE_PICKS_ITS_ID.contains(&flag)
    });
    let subcommand = args
        .first()
        .is_some_and(|first| is_claude_subcommand(first));
    if picks_its_own || subcommand {
        return None;
    }
    let id = uuid::Uuid::new_v4().to_string();
    command.splice(1..1, ["--session-id".to_owned(), id.clone()]);
    Some(id)
}

/// `--session-id X` or `--session-id=X` among `args`.
fn given_session_id(args: &[String]) -> Option<String> {
    args.iter().enumerate().find_map(|(i, arg)| {
        if arg == "--session-id" {
            args.get(i + 1).cloned()
        } else {
            arg.strip_prefix("--session-id=").map(str::to_owned)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn a_claude_command_gets_a_session_id_it_did_not_give() {
        let mut run = command(&["/usr/bin/claude", "-p", "hi"]);
        let id = claude_session_id(&mut run).expect("an id");
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert_eq!(
            run,
            command(&["/usr/bin/claude", "--session-id", &id, "-p", "hi"])
        );
    }

    #[test]
    fn a_given_id_is_kept_and_resuming_or_other_programs_get_none() {
        let mut given = command(&["claude", "-p", "--session-id", "abc"]);
        assert_eq!(claude_session_id(&mut given).as_deref(), Some("abc"));
        assert_eq!(given.len(), 4, "nothing added");
        let mut inline = command(&["claude", "--session-id=abc"]);
        assert_eq!(claude_session_id(&mut inline).as_deref(), Some("abc"));
        for unchanged in [
            command(&["claude", "--resume", "x", "-p", "hi"]),
            command(&["claude", "-c"]),
            command(&["claude", "mcp", "list"]),
            command(&["codex", "exec", "hi"]),
            command(&["claude-like", "-p"]),
        ] {
            let mut after = unchanged.clone();
            assert_eq!(claude_session_id(&mut after), None, "{unchanged:?}");
            assert_eq!(after, unchanged);
        }
    }
}
