//! The control latency benchmark end to end, small: the real `agentcast serve` (JWT auth)
//! runs the benchmark agent as `claude` in control mode, the benchmark's client answers each
//! of its permission requests, and every request is matched on both sides. This is what
//! `cargo xtask bench control` runs, with a handful of requests instead of hundreds.

use std::path::PathBuf;

use agentcast_tests::control_bench::{self, Cli};
use agentcast_tests::server::{ServerProcess, within};

#[tokio::test]
async fn every_request_of_the_bench_agent_goes_to_the_client_and_its_answer_back() {
    let server = ServerProcess::start(&["--auth", "jwt"]).await.unwrap();
    let token = server
        .token(&[
            "--scope",
            "admin",
            "--session",
            "*",
            "--sub",
            "control-bench",
        ])
        .await
        .unwrap();
    let cli = Cli {
        url: server.url.clone(),
        token: Some(token),
        agent: PathBuf::from(env!("CARGO_BIN_EXE_agentcast-control-bench-agent")),
        requests: 20,
        warmup: 2,
        rate: 200.0,
        server_pid: server.child.id(),
        agent_cpu: None,
        timeout_s: 30,
    };
    let report = within(40, "the benchmark run", control_bench::run(cli))
        .await
        .unwrap();
    assert_eq!(report.measured, 20, "{report:?}");
    assert_eq!(report.errors, 0, "{report:?}");
    assert_eq!(report.reference_lines, 20, "{report:?}");
    for (name, q) in [
        ("to client", &report.to_client),
        ("to agent", &report.to_agent),
        ("ack", &report.ack),
    ] {
        assert!(q.p50_us > 0 && q.p50_us <= q.max_us, "{name}: {report:?}");
    }
    // How long each process waited for a CPU is read from Linux's /proc.
    let waited = [
        report.server_waited_ms,
        report.client_waited_ms,
        report.agent_waited_ms,
    ];
    assert!(waited.iter().all(Option::is_some), "{report:?}");
    // The round trip holds both directions (and the server's work between them).
    assert!(
        report.round_trip.p50_us >= report.to_client.p50_us,
        "{report:?}"
    );
    let audit = std::fs::read_to_string(server.data_dir.join("audit.jsonl")).unwrap();
    let answers = audit
        .lines()
        .filter(|l| {
            l.contains(r#""sub":"control-bench""#) && l.contains(r#""action":"permission""#)
        })
        .count();
    assert!(
        answers >= 22,
        "every answer audited with the token's subject: {audit}"
    );
}
