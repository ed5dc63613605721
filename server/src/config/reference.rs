//! The configuration reference, `server/deploy/CONFIGURATION.md`, generated from the settings
//! as declared (their clap arguments: flag, variable, value name, help with the default) and
//! the file's layout (which keys sit in which section). A test keeps the committed file
//! equal to what the code declares; `AGENTCAST_UPDATE_CONFIG_REFERENCE=1` rewrites it.

use std::fmt::Write;

use clap::{ArgAction, Args};

use super::ServeArgs;
use super::file::{SECTIONS, TOP_LEVEL_GROUPS};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/CONFIGURATION.md");
const UPDATE_VAR: &str = "AGENTCAST_UPDATE_CONFIG_REFERENCE";

const PREAMBLE: &str = "\
# Configuration reference

Generated from the settings as the code declares them (`server/src/config/`); a test keeps
this file current (`AGENTCAST_UPDATE_CONFIG_REFERENCE=1 cargo test -p agentcast-server --lib
config::reference` rewrites it). `agentcast serve --help` says the same.

Every setting of `agentcast serve` has three names: a flag, an `AGENTCAST_*` environment
variable and a key in the TOML file named by `--config` (`AGENTCAST_CONFIG`). Precedence,
highest first: flag, environment, file, default. Keys in a section go under its header
(`[auth]`, `[limits]`, `[tls]`); the others sit at the top of the file. An unknown key is an
error. A list takes the flag once per item, a comma-separated variable, or a TOML array.
Durations say their unit in their name (`_ms`, `_s`, `_hours`).

Examples: [`examples/`](examples/). Deployment: [`systemd/`](systemd/),
[`nginx/`](nginx/). When something does not work: [TROUBLESHOOTING.md](TROUBLESHOOTING.md).
";

/// Where a setting goes in the TOML file: a top-level key or `[section] key`.
fn file_key(id: &str) -> String {
    if TOP_LEVEL_GROUPS.concat().contains(&id) {
        return format!("`{id}`");
    }
    SECTIONS
        .iter()
        .find(|(_, keys)| keys.contains(&id))
        .map(|(section, _)| format!("`[{section}]` `{id}`"))
        .unwrap_or_else(|| panic!("setting {id} has no key in the file"))
}

/// The help text and the default clap shows at its end (`[default: ...]`), if any.
fn split_default(help: &str) -> (&str, Option<&str>) {
    match help.rsplit_once(" [default: ") {
        Some((text, default)) => (text, default.strip_suffix(']')),
        None => (help, None),
    }
}

/// A table cell: `|` would end it, and `<` outside a code span would start an HTML tag.
fn cell(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(part); // inside a code span
        } else {
            out.push_str(&part.replace('<', "\\<"));
        }
    }
    out.replace('|', "\\|")
}

/// The whole reference, one table per `--help` heading, in the order of `--help`.
pub fn markdown() -> String {
    let command = ServeArgs::augment_args(clap::Command::new("serve"));
    let mut out = String::from(PREAMBLE);
    let mut heading = None;
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if id == "config" {
            continue; // the file itself, described above
        }
        if heading != arg.get_help_heading() {
            heading = arg.get_help_heading();
            let title = heading.unwrap_or("Server");
            write!(
                out,
                "\n## {title}\n\n| flag | environment | file key | default | what it does |\n\
                 |---|---|---|---|---|\n"
            )
            .unwrap();
        }
        let long = arg.get_long().expect("every setting has a long flag");
        let takes_value = !matches!(arg.get_action(), ArgAction::SetTrue);
        let flag = match arg.get_value_names() {
            Some([name, ..]) if takes_value => format!("`--{long} {name}`"),
            _ => format!("`--{long}`"),
        };
        let repeatable = matches!(arg.get_action(), ArgAction::Append);
        let flag = if repeatable {
            format!("{flag} (repeatable)")
        } else {
            flag
        };
        let env = arg
            .get_env()
            .and_then(|env| env.to_str())
            .expect("every setting has a variable");
        let env = if repeatable {
            format!("`{env}` (comma-separated)")
        } else {
            format!("`{env}`")
        };
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let (text, default) = split_default(&help);
        let default = match default {
            // A value in code; a description as text.
            Some(default) if !default.contains(' ') => format!("`{default}`"),
            Some(default) => default.to_owned(),
            None if takes_value => "none".to_owned(),
            None => "off".to_owned(),
        };
        writeln!(
            out,
            "| {} | {env} | {} | {} | {} |",
            cell(&flag),
            file_key(id),
            cell(&default),
            cell(text)
        )
        .unwrap();
    }
    out
}

#[test]
fn the_configuration_reference_is_current() {
    let generated = markdown();
    if std::env::var_os(UPDATE_VAR).is_some() {
        std::fs::write(PATH, &generated).expect("reference written");
        return;
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "{PATH} is stale: run `{UPDATE_VAR}=1 cargo test -p agentcast-server --lib \
         config::reference` and commit it"
    );
}

#[test]
fn every_setting_is_in_the_reference_once() {
    let reference = markdown();
    let command = ServeArgs::augment_args(clap::Command::new("serve"));
    for arg in command
        .get_arguments()
        .filter(|arg| arg.get_id() != "config")
    {
        let long = format!("`--{} ", arg.get_long().unwrap());
        let switch = format!("`--{}`", arg.get_long().unwrap());
        let rows = reference
            .lines()
            .filter(|line| {
                line.starts_with(&format!("| {long}")) || line.starts_with(&format!("| {switch}"))
            })
            .count();
        assert_eq!(rows, 1, "{long}");
    }
}
