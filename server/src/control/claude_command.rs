//! A `claude` command as agentcast runs it in control mode: `-p --input-format stream-json
//! --output-format stream-json --verbose --include-partial-messages --permission-prompt-tool
//! stdio` added where the user did not give them, and the prompt argument taken out (it
//! becomes the first prompt written to stdin, since stream-json input takes no argument).
//!
//! Finding the prompt means knowing which options take values: the table is Claude Code
//! 2.1.328's `claude --help`, with commander's rules (`<v>` one value, `[v]` an optional
//! one, `<v...>` every following argument that is not an option).

/// Claude Code's subcommands (2.1.328's `claude --help`): not a session.
const CLAUDE_SUBCOMMANDS: &[&str] = &[
    "agents",
    "attach",
    "auth",
    "auto-mode",
    "doctor",
    "gateway",
    "import",
    "install",
    "logs",
    "mcp",
    "plugin",
    "plugins",
    "purge",
    "respawn",
    "rm",
    "setup-token",
    "stop",
    "kill",
    "ultrareview",
    "update",
    "upgrade",
];

/// True when `arg`, as `claude`'s first argument, names a subcommand (not a session).
pub(crate) fn is_claude_subcommand(arg: &str) -> bool {
    CLAUDE_SUBCOMMANDS.contains(&arg)
}

/// Options that take one value.
const ONE_VALUE: &[&str] = &[
    "--agent",
    "--agents",
    "--append-system-prompt",
    "--autocompact",
    "--debug-file",
    "--effort",
    "--environment",
    "--fallback-model",
    "--input-format",
    "--json-schema",
    "--max-budget-usd",
    "--model",
    "-n",
    "--name",
    "--output-format",
    "--permission-mode",
    "--permission-prompt-tool",
    "--permission-prompts",
    "--plugin-dir",
    "--plugin-url",
    "--remote-control-session-name-prefix",
    "--session-id",
    "--setting-sources",
    "--settings",
    "--system-prompt",
    "--system-prompt-snapshot",
    "--max-turns",
];

/// Options with an optional value (taken when the next argument is not an option).
const OPTIONAL_VALUE: &[&str] = &[
    "--cloud",
    "-d",
    "--debug",
    "--from-pr",
    "--prompt-suggestions",
    "--remote-control",
    "-r",
    "--resume",
    "--teleport",
    "--worktree",
];

/// Options that take every following argument that is not an option.
const MANY_VALUES: &[&str] = &[
    "--add-dir",
    "--allowedTools",
    "--allowed-tools",
    "--betas",
    "--disallowedTools",
    "--disallowed-tools",
    "--file",
    "--mcp-config",
    "--tools",
];

/// The flags control mode needs, each with its value.
const CONTROL_FLAGS: &[(&str, Option<&str>)] = &[
    ("--input-format", Some("stream-json")),
    ("--output-format", Some("stream-json")),
    ("--verbose", None),
    ("--include-partial-messages", None),
    ("--permission-prompt-tool", Some("stdio")),
];

/// A command ready for control mode, and the prompt taken out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ControlledCommand {
    pub command: Vec<String>,
    pub prompt: Option<String>,
}

/// Why a command cannot run in control mode; it then runs as given (one-shot).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotControllable {
    #[error("not a claude command")]
    NotClaude,
    #[error("{0} is a subcommand, not a session")]
    Subcommand(String),
    #[error("the command gives its own --input-format: it drives the agent's input itself")]
    OwnInput,
    #[error("more than one prompt argument ({0:?})")]
    ManyPrompts(Vec<String>),
}

/// `command` in control mode, with `prompt` (from the caller) or the command's own prompt
/// argument as the first prompt.
pub(crate) fn controlled(command: &[String]) -> Result<ControlledCommand, NotControllable> {
    let (program, args) = command.split_first().ok_or(NotControllable::NotClaude)?;
    let name = std::path::Path::new(program)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(program);
    if name != "claude" {
        return Err(NotControllable::NotClaude);
    }
    if let Some(first) = args.first()
        && is_claude_subcommand(first)
    {
        return Err(NotControllable::Subcommand(first.clone()));
    }
    let mut kept = vec![program.clone()];
    let mut prompts = Vec::new();
    let mut given: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if !arg.starts_with('-') || arg == "-" {
            prompts.push(arg.clone());
            continue;
        }
        let flag = arg.split_once('=').map_or(arg.as_str(), |(flag, _)| flag);
        given.push(flag);
        if flag == "--input-format" {
            return Err(NotControllable::OwnInput);
        }
        // The output format is agentcast's to choose: the user's is dropped with its value.
        let dropped = flag == "--output-format";
        if !dropped {
            kept.push(arg.clone());
        }
        if arg.contains('=') {
            continue;
        }
        let takes = |next: Option<&String>| next.is_some_and(|n| !n.starts_with('-'));
        let values = if ONE_VALUE.contains(&flag) {
            usize::from(i < args.len())
        } else if OPTIONAL_VALUE.contains(&flag) {
            usize::from(takes(args.get(i)))
        } else if MANY_VALUES.contains(&flag) {
            args[i..].iter().take_while(|a| !a.starts_with('-')).count()
        } else {
            0
        };
        if !dropped {
            kept.extend(args[i..i + values].iter().cloned());
        }
        i += values;
    }
    if prompts.len() > 1 {
        return Err(NotControllable::ManyPrompts(prompts));
    }
    if !given.iter().any(|f| *f == "-p" || *f == "--print") {
        kept.push("-p".into());
    }
    for (flag, value) in CONTROL_FLAGS {
        if *flag != "--output-format" && given.contains(flag) {
            continue; // the user's own --permission-prompt-tool, --verbose... stay
        }
        kept.push((*flag).into());
        kept.extend(value.map(str::to_owned));
    }
    Ok(ControlledCommand {
        command: kept,
        prompt: prompts.pop(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &[&str]) -> Vec<String> {
        text.iter().map(|a| a.to_string()).collect()
    }

    const ADDED: [&str; 8] = [
        "--input-format",
        "stream-json",
        "--output-format",
        "stream-json",
        "--verbose",
        "--include-partial-messages",
        "--permission-prompt-tool",
        "stdio",
    ];

    fn with_flags(start: &[&str]) -> Vec<String> {
        let mut all = args(start);
        all.extend(ADDED.iter().map(|a| a.to_string()));
        all
    }

    #[test]
    fn a_bare_claude_gets_the_flags_and_no_prompt() {
        let done = controlled(&args(&["claude"])).unwrap();
        assert_eq!(done.command, with_flags(&["claude", "-p"]));
        assert_eq!(done.prompt, None);
    }

    #[test]
    fn the_prompt_argument_is_taken_out_and_values_stay_with_their_options() {
        let done = controlled(&args(&[
            "/usr/local/bin/claude",
            "-p",
            "fix the build",
            "--model",
            "sonnet",
            "--allowedTools",
            "Bash",
            "Edit",
            "--resume",
            "--output-format",
            "json",
            "--debug=api",
        ]))
        .unwrap();
        assert_eq!(done.prompt.as_deref(), Some("fix the build"));
        assert_eq!(
            done.command,
            with_flags(&[
                "/usr/local/bin/claude",
                "-p",
                "--model",
                "sonnet",
                "--allowedTools",
                "Bash",
                "Edit",
                "--resume",
                "--debug=api",
            ])
        );
    }

    #[test]
    fn a_variadic_option_takes_what_follows_as_claude_itself_does() {
        let done = controlled(&args(&["claude", "--allowedTools", "Bash", "hello"])).unwrap();
        assert_eq!(
            done.prompt, None,
            "commander gives `hello` to --allowedTools"
        );
    }

    #[test]
    fn the_users_own_control_flags_are_kept_once() {
        let done = controlled(&args(&[
            "claude",
            "--verbose",
            "--permission-prompt-tool",
            "mcp__x__ask",
            "hi",
        ]))
        .unwrap();
        assert_eq!(done.prompt.as_deref(), Some("hi"));
        let count = |flag: &str| done.command.iter().filter(|a| *a == flag).count();
        assert_eq!(count("--verbose"), 1);
        assert_eq!(count("--permission-prompt-tool"), 1);
        assert!(done.command.contains(&"mcp__x__ask".to_string()));
    }

    #[test]
    fn commands_that_cannot_be_controlled_say_why() {
        assert_eq!(
            controlled(&args(&["codex", "exec", "hi"])),
            Err(NotControllable::NotClaude)
        );
        assert_eq!(
            controlled(&args(&["claude", "mcp", "list"])),
            Err(NotControllable::Subcommand("mcp".into()))
        );
        assert_eq!(
            controlled(&args(&["claude", "-p", "--input-format", "stream-json"])),
            Err(NotControllable::OwnInput)
        );
        assert_eq!(
            controlled(&args(&["claude", "one", "two"])),
            Err(NotControllable::ManyPrompts(args(&["one", "two"])))
        );
        assert_eq!(controlled(&[]), Err(NotControllable::NotClaude));
    }
}
