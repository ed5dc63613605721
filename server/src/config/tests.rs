//! The names scripts and docs rely on, precedence layer by layer, and the rules between
//! settings. (The environment layer is clap's; `server/tests/cli.rs` checks it with the real
//! binary, since a test cannot change its own process's environment safely.)

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, FromArgMatches};

use super::file::{SECTIONS, TOP_LEVEL_GROUPS};
use super::*;
use crate::store::Durability;

/// Every setting's flag, environment variable and file key (with its section), as scripts
/// and the README use them. None of them may change.
#[rustfmt::skip]
const NAMES: &[(&str, &str, &str)] = &[
    ("--bind", "AGENTCAST_BIND", "bind"),
    ("--data-dir", "AGENTCAST_DATA_DIR", "data_dir"),
    ("--conformance", "AGENTCAST_CONFORMANCE", "conformance"),
    ("--log-format", "AGENTCAST_LOG_FORMAT", "log_format"),
    ("--shutdown-grace-ms", "AGENTCAST_SHUTDOWN_GRACE_MS", "shutdown_grace_ms"),
    ("--max-buffer-size", "AGENTCAST_MAX_BUFFER_SIZE", "max_buffer_size"),
    ("--max-payload", "AGENTCAST_MAX_PAYLOAD", "max_payload"),
    ("--ws-read-buffer-size", "AGENTCAST_WS_READ_BUFFER_SIZE", "ws_read_buffer_size"),
    ("--ping-interval-ms", "AGENTCAST_PING_INTERVAL_MS", "ping_interval_ms"),
    ("--ping-timeout-ms", "AGENTCAST_PING_TIMEOUT_MS", "ping_timeout_ms"),
    ("--connect-timeout-ms", "AGENTCAST_CONNECT_TIMEOUT_MS", "connect_timeout_ms"),
    ("--max-events-per-publish", "AGENTCAST_MAX_EVENTS_PER_PUBLISH", "max_events_per_publish"),
    ("--session-queue", "AGENTCAST_SESSION_QUEUE", "session_queue"),
    ("--tail-events", "AGENTCAST_TAIL_EVENTS", "tail_events"),
    ("--commit-max-events", "AGENTCAST_COMMIT_MAX_EVENTS", "commit_max_events"),
    ("--commit-linger-ms", "AGENTCAST_COMMIT_LINGER_MS", "commit_linger_ms"),
    ("--retention-max-events", "AGENTCAST_RETENTION_MAX_EVENTS", "retention_max_events"),
    ("--retention-max-age-hours", "AGENTCAST_RETENTION_MAX_AGE_HOURS", "retention_max_age_hours"),
    ("--stats-interval-ms", "AGENTCAST_STATS_INTERVAL_MS", "stats_interval_ms"),
    (
        "--system-error-interval-ms",
        "AGENTCAST_SYSTEM_ERROR_INTERVAL_MS",
        "system_error_interval_ms",
    ),
    ("--metrics-bind", "AGENTCAST_METRICS_BIND", "metrics_bind"),
    ("--durability", "AGENTCAST_DURABILITY", "durability"),
    ("--database-url", "AGENTCAST_DATABASE_URL", "database_url"),
    ("--max-line-bytes", "AGENTCAST_MAX_LINE_BYTES", "max_line_bytes"),
    ("--max-ndjson-body", "AGENTCAST_MAX_NDJSON_BODY", "max_ndjson_body"),
    ("--allow-command", "AGENTCAST_ALLOW_COMMANDS", "allow_commands"),
    ("--process-grace-ms", "AGENTCAST_PROCESS_GRACE_MS", "process_grace_ms"),
    (
        "--permission-timeout-s",
        "AGENTCAST_PERMISSION_TIMEOUT_S",
        "permission_timeout_s",
    ),
    (
        "--control-idle-timeout-s",
        "AGENTCAST_CONTROL_IDLE_TIMEOUT_S",
        "control_idle_timeout_s",
    ),
    ("--demo", "AGENTCAST_DEMO", "demo"),
    ("--demo-speed", "AGENTCAST_DEMO_SPEED", "demo_speed"),
    ("--no-collect", "AGENTCAST_NO_COLLECT", "no_collect"),
    ("--claude-projects-dir", "AGENTCAST_CLAUDE_PROJECTS_DIRS", "claude_projects_dirs"),
    ("--codex-sessions-dir", "AGENTCAST_CODEX_SESSIONS_DIRS", "codex_sessions_dirs"),
    ("--collect-watch", "AGENTCAST_COLLECT_WATCH", "collect_watch"),
    ("--collect-poll-interval-ms", "AGENTCAST_COLLECT_POLL_INTERVAL_MS", "collect_poll_interval_ms"),
    ("--collect-idle-after-ms", "AGENTCAST_COLLECT_IDLE_AFTER_MS", "collect_idle_after_ms"),
    ("--collect-max-files", "AGENTCAST_COLLECT_MAX_FILES", "collect_max_files"),
    ("--collect-max-watches", "AGENTCAST_COLLECT_MAX_WATCHES", "collect_max_watches"),
    ("--collect-tmux", "AGENTCAST_COLLECT_TMUX", "collect_tmux"),
    ("--tmux-poll-interval-ms", "AGENTCAST_TMUX_POLL_INTERVAL_MS", "tmux_poll_interval_ms"),
    ("--tmux-socket", "AGENTCAST_TMUX_SOCKETS", "tmux_sockets"),
    ("--tmux-timeout-ms", "AGENTCAST_TMUX_TIMEOUT_MS", "tmux_timeout_ms"),
    ("--no-mcp", "AGENTCAST_NO_MCP", "no_mcp"),
    ("--dev", "AGENTCAST_DEV", "dev"),
    ("--mcp-notify-interval-ms", "AGENTCAST_MCP_NOTIFY_INTERVAL_MS", "mcp_notify_interval_ms"),
    ("--mcp-search-max-events", "AGENTCAST_MCP_SEARCH_MAX_EVENTS", "mcp_search_max_events"),
    ("--mcp-max-transcript-bytes", "AGENTCAST_MCP_MAX_TRANSCRIPT_BYTES", "mcp_max_transcript_bytes"),
    ("--mcp-max-subscriptions", "AGENTCAST_MCP_MAX_SUBSCRIPTIONS", "mcp_max_subscriptions"),
    ("--auth", "AGENTCAST_AUTH", "[auth] mode"),
    ("--jwt-algorithm", "AGENTCAST_JWT_ALGORITHM", "[auth] jwt_algorithm"),
    ("--jwt-secret-file", "AGENTCAST_JWT_SECRET_FILE", "[auth] jwt_secret_file"),
    ("--jwt-public-key", "AGENTCAST_JWT_PUBLIC_KEY", "[auth] jwt_public_key"),
    ("--jwt-private-key", "AGENTCAST_JWT_PRIVATE_KEY", "[auth] jwt_private_key"),
    ("--jwt-keyring-dir", "AGENTCAST_JWT_KEYRING_DIR", "[auth] jwt_keyring_dir"),
    ("--jwt-key-overlap-hours", "AGENTCAST_JWT_KEY_OVERLAP_HOURS", "[auth] jwt_key_overlap_hours"),
    ("--token-expiry-grace-ms", "AGENTCAST_TOKEN_EXPIRY_GRACE_MS", "[auth] token_expiry_grace_ms"),
    ("--startup-token-ttl-hours", "AGENTCAST_STARTUP_TOKEN_TTL_HOURS", "[auth] startup_token_ttl_hours"),
    ("--cors-origin", "AGENTCAST_CORS_ORIGINS", "[auth] cors_origins"),
    ("--audit-log", "AGENTCAST_AUDIT_LOG", "[auth] audit_log"),
    ("--max-connections", "AGENTCAST_MAX_CONNECTIONS", "[limits] max_connections"),
    ("--connections-per-ip-per-s", "AGENTCAST_CONNECTIONS_PER_IP_PER_S", "[limits] connections_per_ip_per_s"),
    ("--messages-per-socket-per-s", "AGENTCAST_MESSAGES_PER_SOCKET_PER_S", "[limits] messages_per_socket_per_s"),
    ("--http-requests-per-ip-per-s", "AGENTCAST_HTTP_REQUESTS_PER_IP_PER_S", "[limits] http_requests_per_ip_per_s"),
    ("--tls-cert", "AGENTCAST_TLS_CERT", "[tls] cert"),
    ("--tls-key", "AGENTCAST_TLS_KEY", "[tls] key"),
];

fn serve_command() -> clap::Command {
    ServeArgs::augment_args(clap::Command::new("serve"))
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

#[test]
fn every_flag_and_environment_variable_keeps_its_name() {
    let command = serve_command();
    let given = command
        .get_arguments()
        .map(|arg| {
            let flag = format!("--{}", arg.get_long().expect("every option is a long flag"));
            let env = arg
                .get_env()
                .and_then(|env| env.to_str())
                .unwrap_or_default();
            (flag, env.to_owned())
        })
        .collect();
    let mut expected: Vec<(String, String)> = NAMES
        .iter()
        .map(|(flag, env, _)| (flag.to_string(), env.to_string()))
        .collect();
    expected.push(("--config".into(), "AGENTCAST_CONFIG".into()));
    assert_eq!(sorted(given), sorted(expected));
}

#[test]
fn every_file_key_keeps_its_name() {
    let mut given: Vec<String> = TOP_LEVEL_GROUPS
        .concat()
        .iter()
        .map(|key| key.to_string())
        .collect();
    for (section, keys) in SECTIONS {
        given.extend(keys.iter().map(|key| format!("[{section}] {key}")));
    }
    let expected = NAMES.iter().map(|(_, _, key)| key.to_string()).collect();
    assert_eq!(sorted(given), sorted(expected));
}

/// The README's configuration reference has a row for every setting, with its three names.
#[test]
fn the_readme_lists_every_setting() {
    let readme = include_str!("../../../README.md");
    // Without the terminal's section: its table is of `agentcast watch`'s options.
    let (before, terminal) = readme
        .split_once("\n## The terminal\n")
        .expect("a section on the terminal");
    let after = terminal.split_once("\n## ").map_or("", |(_, rest)| rest);
    let rows: Vec<&str> = before
        .lines()
        .chain(after.lines())
        .filter(|l| l.starts_with("| `--"))
        .collect();
    for (flag, env, key) in NAMES {
        let names_it = |row: &&str| {
            (row.contains(&format!("`{flag} ")) || row.contains(&format!("`{flag}`")))
                && row.contains(&format!("`{env}`"))
                && row.contains(&format!("`{key}`"))
        };
        assert!(
            rows.iter().any(names_it),
            "no README row names {flag}, {env} and {key}"
        );
    }
    assert_eq!(
        rows.len(),
        NAMES.len() + 1,
        "one row per setting, and --config"
    );
}

#[test]
fn help_shows_every_default() {
    let mut command = serve_command();
    command.build();
    let without_default = [
        "config",
        "conformance",
        "demo",
        "no_collect",
        "collect_tmux",
        "no_mcp",
        "dev",
        "metrics_bind",
        "database_url",
        "jwt_public_key",
        "jwt_private_key",
        "cert",
        "key",
        "help",
    ];
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        if without_default.contains(&id) {
            assert!(!help.contains("[default:"), "{id}: {help}");
        } else {
            assert!(help.contains("[default: "), "{id} shows no default: {help}");
        }
    }
    let help = |id: &str| {
        let arg = command.get_arguments().find(|a| a.get_id() == id).unwrap();
        arg.get_help().unwrap().to_string()
    };
    assert!(help("bind").ends_with("[default: 127.0.0.1:8080]"));
    assert!(help("ping_interval_ms").ends_with("[default: 25000]"));
    assert!(help("durability").ends_with("[default: normal]"));
    assert!(help("jwt_algorithm").ends_with("[default: HS256]"));
    assert!(help("allow_commands").ends_with("[default: claude]"));
    assert!(help("tmux_sockets").ends_with("[default: the user's default server]"));
}

fn file(text: &str) -> FileConfig {
    toml::from_str(text).unwrap_or_else(|err| panic!("{text}: {err}"))
}

#[test]
fn defaults_are_valid() {
    let config = Config::resolve(ServeArgs::default(), FileConfig::default()).unwrap();
    assert_eq!(config.server.bind.to_string(), "127.0.0.1:8080");
    assert!(
        config.server.data_dir.ends_with("agentcast")
            || config.server.data_dir.ends_with(".agentcast")
    );
    assert_eq!(config.engine.max_buffer_size, 8192);
    assert_eq!(config, Config::default());
}

#[test]
fn flag_overrides_file_which_overrides_default() {
    let file = file("bind = \"127.0.0.1:9000\"\nmax_payload = 5\nping_interval_ms = 7\n");
    let args = ServeArgs {
        engine: EngineArgs {
            max_payload: Some(9),
            ..Default::default()
        },
        ..Default::default()
    };
    let config = Config::resolve(args, file).unwrap();
    assert_eq!(config.server.bind.port(), 9000, "file beats default");
    assert_eq!(config.engine.max_payload, 9, "flag beats file");
    assert_eq!(config.engine.ping_interval, Duration::from_millis(7));
    assert_eq!(
        config.engine.ping_timeout,
        Duration::from_millis(20_000),
        "default kept"
    );
}

/// Flag over file over default in groups of each kind: top-level keys, sections, switches,
/// conversions, limits where 0 means none.
#[test]
fn each_layer_wins_over_the_next_in_every_kind_of_group() {
    let file = file(
        "retention_max_events = 50\ncommit_linger_ms = 3\ndemo = true\ndurability = \"memory\"\n\
         [auth]\nmode = \"none\"\ntoken_expiry_grace_ms = 1\n\
         [limits]\nmax_connections = 5\nconnections_per_ip_per_s = 6\n\
         [tls]\ncert = \"/tls/cert.pem\"\n",
    );
    let args = ServeArgs {
        hub: HubArgs {
            retention_max_events: Some(0),
            ..Default::default()
        },
        auth: AuthArgs {
            mode: Some(AuthMode::Jwt),
            ..Default::default()
        },
        limits: LimitsArgs {
            max_connections: Some(0),
            ..Default::default()
        },
        tls: TlsArgs {
            key: Some("/tls/key.pem".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let config = Config::resolve(args, file).unwrap();
    // Hub: the flag's 0 (keep all) beats the file's 50; the file's linger beats the default.
    assert_eq!(config.hub.retention_max_events, None);
    assert_eq!(config.hub.tail_events, 4096, "not cut to the file's 50");
    assert_eq!(config.hub.commit_linger, Duration::from_millis(3));
    assert_eq!(config.hub.commit_max_events, 500, "default");
    // Store and demo: from the file.
    assert_eq!(config.store.durability, Durability::Memory);
    assert!(config.demo.enabled);
    assert_eq!(config.demo.speed, 1.0, "default");
    // Auth: the flag beats the file; the file's grace beats the default.
    assert_eq!(config.auth.mode, AuthMode::Jwt);
    assert_eq!(config.auth.token_expiry_grace, Duration::from_millis(1));
    assert_eq!(
        config.auth.startup_token_ttl,
        Duration::from_secs(24 * 3600)
    );
    // Limits: the flag's 0 turns off what the file set; the file beats the default.
    assert_eq!(config.limits.max_connections, None);
    assert_eq!(config.limits.connections_per_ip_per_s, Some(6));
    assert_eq!(config.limits.messages_per_socket_per_s, Some(200));
    // TLS: the certificate from the file, the key from a flag.
    assert_eq!(
        config.tls.config(),
        Some(TlsConfig {
            cert: "/tls/cert.pem".into(),
            key: "/tls/key.pem".into(),
        })
    );
}

#[test]
fn a_file_with_every_key_sets_every_setting() {
    let file = file(
        r#"
bind = "127.0.0.2:9001"
metrics_bind = "10.0.0.2:9090"
data_dir = "/srv/agentcast"
conformance = true
log_format = "json"
shutdown_grace_ms = 1
max_buffer_size = 2
max_payload = 3
ws_read_buffer_size = 4
ping_interval_ms = 5
ping_timeout_ms = 6
connect_timeout_ms = 7
max_events_per_publish = 8
session_queue = 9
tail_events = 10
commit_max_events = 11
commit_linger_ms = 12
retention_max_events = 13
retention_max_age_hours = 14
stats_interval_ms = 15
system_error_interval_ms = 34
durability = "full"
database_url = "postgres://agentcast:pw@db:5432/events"
max_line_bytes = 16
max_ndjson_body = 17
allow_commands = ["codex", "claude"]
process_grace_ms = 18
permission_timeout_s = 19
control_idle_timeout_s = 20
demo = true
demo_speed = 2.5
no_collect = true
claude_projects_dirs = ["/c1", "/c2"]
codex_sessions_dirs = ["/x1"]
collect_watch = "poll"
collect_poll_interval_ms = 24
collect_idle_after_ms = 25
collect_max_files = 26
collect_max_watches = 27
collect_tmux = true
tmux_poll_interval_ms = 28
tmux_sockets = ["work", "/run/tmux/shared"]
tmux_timeout_ms = 29
no_mcp = true
dev = true
mcp_notify_interval_ms = 30
mcp_search_max_events = 31
mcp_max_transcript_bytes = 32
mcp_max_subscriptions = 33

[auth]
mode = "none"
jwt_algorithm = "EdDSA"
jwt_secret_file = "/keys/secret"
jwt_public_key = "/keys/public.pem"
jwt_private_key = "/keys/private.pem"
jwt_keyring_dir = "/keys/ring"
jwt_key_overlap_hours = 3
token_expiry_grace_ms = 19
startup_token_ttl_hours = 2
cors_origins = ["https://dash.example.com"]
audit_log = "-"

[limits]
max_connections = 20
connections_per_ip_per_s = 21
messages_per_socket_per_s = 22
http_requests_per_ip_per_s = 23

[tls]
cert = "/tls/cert.pem"
key = "/tls/key.pem"
"#,
    );
    let ms = Duration::from_millis;
    let expected = Config {
        server: ServerSettings {
            conformance: true,
            bind: "127.0.0.2:9001".parse().unwrap(),
            metrics_bind: Some("10.0.0.2:9090".parse().unwrap()),
            data_dir: "/srv/agentcast".into(),
            log_format: LogFormat::Json,
            shutdown_grace: ms(1),
        },
        engine: EngineSettings {
            max_buffer_size: 2,
            max_payload: 3,
            ws_read_buffer_size: 4,
            ping_interval: ms(5),
            ping_timeout: ms(6),
            connect_timeout: ms(7),
        },
        hub: HubSettings {
            max_events_per_publish: 8,
            session_queue: 9,
            tail_events: 10,
            commit_max_events: 11,
            commit_linger: ms(12),
            retention_max_events: Some(13),
            retention_max_age: Some(Duration::from_secs(14 * 3600)),
            stats_interval: ms(15),
            system_error_interval: ms(34),
        },
        store: StoreSettings {
            durability: Durability::Full,
            database_url: Some("postgres://agentcast:pw@db:5432/events".parse().unwrap()),
        },
        ingest: IngestSettings {
            max_line_bytes: 16,
            max_ndjson_body: 17,
        },
        processes: ProcessSettings {
            allow_commands: vec!["codex".into(), "claude".into()],
            grace: ms(18),
            permission_timeout: Duration::from_secs(19),
            control_idle_timeout: Duration::from_secs(20),
        },
        demo: DemoSettings {
            enabled: true,
            speed: 2.5,
        },
        collect: CollectSettings {
            disabled: true,
            claude_projects_dirs: vec!["/c1".into(), "/c2".into()],
            codex_sessions_dirs: vec!["/x1".into()],
            watch: WatchMode::Poll,
            poll_interval: ms(24),
            idle_after: ms(25),
            max_files: 26,
            max_watches: 27,
        },
        tmux: TmuxSettings {
            enabled: true,
            poll_interval: ms(28),
            sockets: vec!["work".into(), "/run/tmux/shared".into()],
            timeout: ms(29),
        },
        mcp: McpSettings {
            disabled: true,
            dev: true,
            notify_interval: ms(30),
            search_max_events: 31,
            max_transcript_bytes: 32,
            max_subscriptions: 33,
        },
        auth: AuthSettings {
            mode: AuthMode::None,
            jwt_algorithm: JwtAlgorithm::EdDsa,
            jwt_secret_file: "/keys/secret".into(),
            jwt_public_key: Some("/keys/public.pem".into()),
            jwt_private_key: Some("/keys/private.pem".into()),
            jwt_keyring_dir: "/keys/ring".into(),
            jwt_key_overlap: Duration::from_secs(3 * 3600),
            token_expiry_grace: ms(19),
            startup_token_ttl: Duration::from_secs(2 * 3600),
            cors_origins: vec!["https://dash.example.com".into()],
            audit: AuditTarget::Stderr,
        },
        limits: Limits {
            max_connections: Some(20),
            connections_per_ip_per_s: Some(21),
            messages_per_socket_per_s: Some(22),
            http_requests_per_ip_per_s: Some(23),
        },
        tls: TlsSettings {
            cert: Some("/tls/cert.pem".into()),
            key: Some("/tls/key.pem".into()),
        },
    };
    assert_eq!(
        Config::resolve(ServeArgs::default(), file).unwrap(),
        expected
    );
}

#[test]
fn unknown_file_keys_and_zero_limits_are_errors() {
    assert!(toml::from_str::<FileConfig>("bnid = \"x\"").is_err());
    let args = ServeArgs {
        engine: EngineArgs {
            max_buffer_size: Some(0),
            ..Default::default()
        },
        ..Default::default()
    };
    let err = Config::resolve(args, FileConfig::default()).unwrap_err();
    assert!(err.to_string().contains("max_buffer_size"), "{err}");
}

/// A mistake in the file names the key and its line, in sections too.
#[test]
fn file_errors_point_at_the_key() {
    let error = |text: &str| toml::from_str::<FileConfig>(text).unwrap_err().to_string();
    let unknown = error("bind = \"127.0.0.1:1\"\nbnid = \"x\"\n");
    assert!(
        unknown.contains("line 2") && unknown.contains("unknown field `bnid`"),
        "{unknown}"
    );
    assert!(unknown.contains("`bind`, `data_dir`"), "{unknown}");
    let wrong_type = error("demo = true\nmax_payload = \"x\"\n");
    assert!(
        wrong_type.contains("line 2") && wrong_type.contains("max_payload = \"x\""),
        "{wrong_type}"
    );
    let in_section = error("[auth]\nmdoe = \"none\"\n");
    assert!(
        in_section.contains("line 2") && in_section.contains("unknown field `mdoe`"),
        "{in_section}"
    );
    assert!(error("[tls]\ncert = 1\n").contains("line 2"));
}

/// Values that would stall or refuse everything are refused at startup, naming the key.
#[test]
fn checks_name_the_key() {
    let invalid = |text: &str| {
        Config::resolve(ServeArgs::default(), file(text))
            .unwrap_err()
            .to_string()
    };
    for key in [
        "max_payload",
        "ws_read_buffer_size",
        "ping_interval_ms",
        "ping_timeout_ms",
        "connect_timeout_ms",
        "max_events_per_publish",
        "session_queue",
        "commit_max_events",
        "stats_interval_ms",
        "max_line_bytes",
        "max_ndjson_body",
        "tmux_poll_interval_ms",
        "tmux_timeout_ms",
    ] {
        let message = invalid(&format!("{key} = 0"));
        assert_eq!(
            message,
            format!("invalid setting {key}: must be greater than 0")
        );
    }
    assert!(invalid("demo_speed = 0.0").contains("demo_speed: must be a positive number"));
    assert_eq!(
        invalid("tmux_sockets = [\"work\", \"\"]"),
        "invalid setting tmux_sockets: a socket name or path cannot be empty"
    );
}

/// The hub's in-memory tail never holds more than retention keeps.
#[test]
fn the_tail_is_cut_to_retention() {
    let config = Config::resolve(ServeArgs::default(), file("retention_max_events = 100")).unwrap();
    assert_eq!(config.hub.tail_events, 100);
    let config = Config::resolve(ServeArgs::default(), file("retention_max_events = 0")).unwrap();
    assert_eq!(config.hub.tail_events, 4096);
}

// Security: authentication, CORS, TLS and the limits.

fn security(args: ServeArgs, bind: &str) -> Result<Config, ConfigError> {
    let args = ServeArgs {
        server: ServerArgs {
            bind: Some(bind.parse::<SocketAddr>().unwrap()),
            data_dir: Some(PathBuf::from("/data")),
            ..Default::default()
        },
        ..args
    };
    Config::resolve(args, FileConfig::default())
}

fn auth(auth: AuthArgs) -> ServeArgs {
    ServeArgs {
        auth,
        ..Default::default()
    }
}

#[test]
fn secure_defaults() {
    let config = security(ServeArgs::default(), "127.0.0.1:8080").unwrap();
    assert_eq!(config.auth.mode, AuthMode::Jwt);
    assert_eq!(config.auth.jwt_algorithm, JwtAlgorithm::Hs256);
    assert_eq!(config.auth.jwt_secret_file, Path::new("/data/jwt-secret"));
    assert_eq!(
        config.auth.audit,
        AuditTarget::File("/data/audit.jsonl".into())
    );
    assert!(config.auth.cors_origins.is_empty());
    assert_eq!(config.tls.config(), None);
    assert_eq!(config.limits.connections_per_ip_per_s, Some(20));
}

#[test]
fn auth_none_only_on_loopback() {
    let none = || {
        auth(AuthArgs {
            mode: Some(AuthMode::None),
            ..Default::default()
        })
    };
    assert!(security(none(), "127.0.0.1:8080").is_ok());
    assert!(security(none(), "[::1]:8080").is_ok());
    let err = security(none(), "0.0.0.0:8080").unwrap_err().to_string();
    assert!(err.contains("loopback"), "{err}");
}

#[test]
fn zero_disables_a_limit() {
    let args = ServeArgs {
        limits: LimitsArgs {
            max_connections: Some(0),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        security(args, "127.0.0.1:1")
            .unwrap()
            .limits
            .max_connections,
        None
    );
}

#[test]
fn origins_are_checked() {
    let args = |origin: &str| {
        auth(AuthArgs {
            cors_origins: Some(vec![origin.into()]),
            ..Default::default()
        })
    };
    assert!(security(args("https://dash.example.com"), "127.0.0.1:1").is_ok());
    assert!(security(args("*"), "127.0.0.1:1").is_ok());
    assert!(security(args("dash.example.com"), "127.0.0.1:1").is_err());
    assert!(security(args("https://x.com/"), "127.0.0.1:1").is_err());
}

#[test]
fn a_certificate_needs_its_key() {
    let args = ServeArgs {
        tls: TlsArgs {
            cert: Some("/tls/cert.pem".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let err = security(args, "127.0.0.1:1").unwrap_err().to_string();
    assert!(err.contains("give both or neither"), "{err}");
}

#[test]
fn the_command_line_parses_into_the_groups() {
    let args = ServeArgs::from_arg_matches(
        &serve_command()
            .try_get_matches_from([
                "serve",
                "--auth",
                "none",
                "--allow-command",
                "claude,codex",
                "--demo",
                "--tls-cert",
                "c.pem",
                "--tls-key",
                "k.pem",
            ])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(args.auth.mode, Some(AuthMode::None));
    assert_eq!(
        args.processes.allow_commands,
        Some(vec!["claude".to_owned(), "codex".to_owned()])
    );
    assert!(args.demo.demo);
    assert_eq!(args.tls.key, Some(PathBuf::from("k.pem")));
    let alone = serve_command().try_get_matches_from(["serve", "--tls-cert", "c.pem"]);
    assert!(alone.is_err(), "--tls-cert requires --tls-key");
}

#[test]
fn audit_targets_from_text() {
    assert_eq!(AuditTarget::from("-".to_owned()), AuditTarget::Stderr);
    assert_eq!(AuditTarget::from("off".to_owned()), AuditTarget::Off);
    assert_eq!(
        AuditTarget::from("/var/log/a.jsonl".to_owned()),
        AuditTarget::File("/var/log/a.jsonl".into())
    );
}

/// The configuration examples of `server/deploy/examples/` are valid files that set what
/// their comments say.
#[test]
fn the_deployment_examples_resolve_to_what_they_describe() {
    let single = Config::resolve(
        ServeArgs::default(),
        file(include_str!("../../deploy/examples/single-user.toml")),
    )
    .expect("single-user.toml is valid");
    assert!(single.server.bind.ip().is_loopback());
    assert_eq!(single.auth.mode, AuthMode::Jwt);
    assert!(!single.collect.disabled && single.tmux.enabled);
    assert_eq!(single.processes.allow_commands, ["claude", "codex"]);

    let team = Config::resolve(
        ServeArgs::default(),
        file(include_str!("../../deploy/examples/team-server.toml")),
    )
    .expect("team-server.toml is valid");
    assert_eq!(
        team.server.bind.to_string(),
        "127.0.0.1:8080",
        "the nginx example's upstream"
    );
    assert_eq!(
        team.server.data_dir,
        Path::new("/var/lib/agentcast"),
        "the systemd unit's"
    );
    assert_eq!(team.server.log_format, LogFormat::Json);
    assert_eq!(team.auth.mode, AuthMode::Jwt);
    assert_eq!(
        team.auth.audit,
        AuditTarget::File("/var/lib/agentcast/audit.jsonl".into())
    );
    assert!(team.collect.disabled);
    assert!(team.processes.allow_commands.is_empty());
    assert_eq!(team.store.durability, Durability::Full);
    let database = team
        .store
        .database_url
        .as_ref()
        .expect("the history in PostgreSQL");
    assert_eq!(database.target(), "127.0.0.1:5432/agentcast");
    assert_eq!(
        (
            team.limits.connections_per_ip_per_s,
            team.limits.http_requests_per_ip_per_s
        ),
        (None, None),
        "per-address limits are off behind a proxy"
    );
    assert_eq!(team.limits.messages_per_socket_per_s, Some(200));
}

/// `serve` with `argv` (after the command's name), parsed as clap does.
fn serve_args(argv: &[&str]) -> Result<ServeArgs, clap::Error> {
    let matches = serve_command()
        .try_get_matches_from(std::iter::once("serve").chain(argv.iter().copied()))?;
    ServeArgs::from_arg_matches(&matches)
}

#[test]
fn a_database_url_with_memory_durability_is_refused() {
    let args = serve_args(&[
        "--durability",
        "memory",
        "--database-url",
        "postgres://u:topsecret@db/events",
    ])
    .unwrap();
    let message = Config::resolve(args, FileConfig::default())
        .unwrap_err()
        .to_string();
    assert!(message.contains("database_url"), "{message}");
    assert!(message.contains("durability = memory"), "{message}");
}

#[test]
fn a_database_url_never_shows_its_password() {
    let args = serve_args(&["--database-url", "postgres://u:topsecret@db/events"]).unwrap();
    let config = Config::resolve(args, FileConfig::default()).unwrap();
    assert!(!format!("{config:?}").contains("topsecret"));
    let args = serve_args(&["--database-url", "mysql://u:topsecret@db/x"]).unwrap();
    assert!(!format!("{args:?}").contains("topsecret"));
    let err = Config::resolve(args, FileConfig::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected a postgres:// URL"), "{err}");
    assert!(!err.contains("topsecret"), "{err}");
}
