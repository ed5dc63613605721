//! A fake MCP server for tests: speaks the stdio transport (one JSON-RPC message per line)
//! as the MCP specification (revision 2025-06-18, basic/lifecycle) describes, and misbehaves
//! on request.
//!
//! `agentcast-fake-mcp-server <mode>`, mode one of:
//! - `ok`: pings the client, logs a `notifications/message`, prints a banner line that is no
//!   JSON (a common real-world violation of the transport), then answers `initialize` as
//!   `fake-mcp` 1.2.3 with `tools.listChanged`; reads on until stdin closes, then exits 0.
//! - `error`: answers `initialize` with the spec's "Unsupported protocol version" error.
//! - `silent`: says on stderr that it will not answer, then never does.
//! - `exit`: writes ~4 KiB of startup noise and a fatal error to stderr, then exits 3.
//! - `garbage`: reads `initialize`, writes 64 KiB of (seeded) random bytes, exits 0.
//!
//! With `FAKE_MCP_RECORD=<path>` every line received on stdin is appended to that file,
//! followed by `<stdin closed>` once stdin closes, so a test can see what the client sent and
//! that it shut the server down by closing stdin.

use std::fs::File;
use std::io::{BufRead, Write};

use serde_json::{Value, json};

/// The revisions the fake speaks, newest first.
const SUPPORTED: [&str; 3] = ["2025-06-18", "2025-03-26", "2024-11-05"];

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let mut server = Server::new();
    match mode.as_str() {
        "ok" => ok(&mut server),
        "error" => error(&mut server),
        "silent" => silent(&mut server),
        "exit" => exit(),
        "garbage" => garbage(&mut server),
        other => {
            eprintln!("fake-mcp: unknown mode {other:?} (ok, error, silent, exit, garbage)");
            std::process::exit(2);
        }
    }
}

fn ok(server: &mut Server) {
    let request = server.expect_initialize();
    // Allowed before `initialized`: pings and logging.
    server.send(&json!({"jsonrpc": "2.0", "id": "fake-ping-1", "method": "ping"}));
    server.send(&json!({
        "jsonrpc": "2.0",
        "method": "notifications/message",
        "params": {"level": "info", "logger": "fake-mcp", "data": "starting up"},
    }));
    server.raw(b"fake-mcp v1.2.3 listening on stdio\n");
    let requested = request["params"]["protocolVersion"]
        .as_str()
        .unwrap_or_default();
    let version = SUPPORTED
        .iter()
        .find(|&&v| v == requested)
        .unwrap_or(&SUPPORTED[0]);
    server.send(&json!({
        "jsonrpc": "2.0",
        "id": request["id"],
        "result": {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": true}},
            "serverInfo": {"name": "fake-mcp", "title": "Fake MCP", "version": "1.2.3"},
            "instructions": "A fake for agentcast's tests.",
        },
    }));
    while server.receive().is_some() {}
}

fn error(server: &mut Server) {
    let request = server.expect_initialize();
    eprintln!("fake-mcp: refusing the requested protocol version");
    server.send(&json!({
        "jsonrpc": "2.0",
        "id": request["id"],
        "error": {
            "code": -32602,
            "message": "Unsupported protocol version",
            "data": {"supported": ["1999-01-01"], "requested": request["params"]["protocolVersion"]},
        },
    }));
    while server.receive().is_some() {}
}

fn silent(server: &mut Server) {
    eprintln!("fake-mcp: silent mode, never answering");
    while server.receive().is_some() {}
    // Still not answering after stdin closed: only a kill ends this.
    loop {
        std::thread::park();
    }
}

fn exit() {
    let mut stderr = std::io::stderr().lock();
    for i in 0..100 {
        let _ = writeln!(stderr, "fake-mcp: loading plugin {i:03} of 100");
    }
    let _ = writeln!(stderr, "fake-mcp: fatal: FAKE_MCP_TOKEN is not set");
    std::process::exit(3);
}

fn garbage(server: &mut Server) {
    server.expect_initialize();
    eprintln!("fake-mcp: garbage mode");
    // xorshift64: random-looking bytes, newlines and invalid UTF-8 included, same every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    server.raw(&bytes);
}

/// The transport: newline-delimited JSON on stdin and stdout, plus the optional record.
struct Server {
    stdin: std::io::StdinLock<'static>,
    record: Option<File>,
}

impl Server {
    fn new() -> Self {
        let record = std::env::var_os("FAKE_MCP_RECORD").map(|path| {
            File::create(&path).unwrap_or_else(|err| {
                eprintln!("fake-mcp: cannot create {}: {err}", path.to_string_lossy());
                std::process::exit(2);
            })
        });
        Self {
            stdin: std::io::stdin().lock(),
            record,
        }
    }

    /// The next line on stdin, or None when stdin is closed.
    fn receive(&mut self) -> Option<String> {
        let mut line = String::new();
        let read = self.stdin.read_line(&mut line).unwrap_or(0);
        let line = (read > 0).then(|| line.trim_end().to_owned());
        if let Some(record) = &mut self.record {
            let entry = line.as_deref().unwrap_or("<stdin closed>");
            let _ = writeln!(record, "{entry}");
        }
        line
    }

    /// The first message must be the `initialize` request (lifecycle: "The initialization
    /// phase MUST be the first interaction"); anything else is answered as the spec's
    /// invalid request, and the fake gives up.
    fn expect_initialize(&mut self) -> Value {
        let Some(line) = self.receive() else {
            eprintln!("fake-mcp: stdin closed before initialize");
            std::process::exit(1);
        };
        let request: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        let valid = request["jsonrpc"] == "2.0"
            && request["method"] == "initialize"
            && (request["id"].is_string() || request["id"].is_i64())
            && request["params"]["protocolVersion"].is_string()
            && request["params"]["capabilities"].is_object()
            && request["params"]["clientInfo"]["name"].is_string()
            && request["params"]["clientInfo"]["version"].is_string();
        if !valid {
            eprintln!("fake-mcp: expected an initialize request, got {line}");
            self.send(&json!({
                "jsonrpc": "2.0",
                "id": request.get("id").cloned().unwrap_or(Value::Null),
                "error": {"code": -32600, "message": "Invalid Request: expected initialize"},
            }));
            std::process::exit(1);
        }
        request
    }

    fn send(&mut self, message: &Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.raw(line.as_bytes());
    }

    fn raw(&mut self, bytes: &[u8]) {
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .is_err()
        {
            std::process::exit(0); // the client went away
        }
    }
}
