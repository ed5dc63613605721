"""`GET /metrics`, `/health` and `system.error` of a real `agentcast serve`, read as Prometheus and
an operator would: the exposition is parsed by the official Prometheus Python client's text parser
(`prometheus_client.parser`), never matched as strings, and every value is checked against what
the test did (clients connected, events published and received, tokens refused, limits hit, a
store that refused a commit).

Run: AGENTCAST_BIN=/path/to/agentcast tests/python/.venv/bin/pytest tests/python/test_metrics.py
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import requests
import socketio
from prometheus_client.parser import text_string_to_metric_families

from conftest import REPO_ROOT, WAIT_S, Clients, Server

METRICS_LINE = "agentcast metrics on "
# The content type of the Prometheus text format, version 0.0.4.
TEXT_FORMAT = "text/plain; version=0.0.4"


class Metrics:
    """One scrape, parsed: its families by name and its samples by name and labels."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}
        self.samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for family in self.families.values():
            for sample in family.samples:
                self.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def value(self, name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        assert key in self.samples, f"no sample {name}{labels} in the scrape:\n{self.text}"
        return self.samples[key]

    def kind(self, family: str) -> str:
        assert family in self.families, f"no family {family} in the scrape:\n{self.text}"
        return self.families[family].type


def scrape(url: str, token: str | None = None) -> Metrics:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(url, headers=headers, timeout=WAIT_S)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith(TEXT_FORMAT), response.headers["content-type"]
    return Metrics(response.text)


def until(take: Callable[[], Metrics], done: Callable[[Metrics], bool], what: str, timeout: float = WAIT_S) -> Metrics:
    """Scrapes until `done` holds (what is counted after a reply, e.g. a delivery, may trail it by
    a moment), or fails with the last scrape after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        metrics = take()
        if done(metrics):
            return metrics
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last scrape:\n{metrics.text}")
        time.sleep(0.05)


def ok(client: socketio.Client, namespace: str, event: str, data: dict[str, Any], timeout: float = WAIT_S) -> Any:
    ack = client.call(event, data, namespace=namespace, timeout=timeout)
    assert isinstance(ack, dict) and "ok" in ack, f"{event} {data} answered {ack}"
    return ack["ok"]


def output_text(text: str) -> dict[str, Any]:
    return {"type": "output.text", "data": {"text": text, "delta": False}}


def printed_metrics_url(server: Server) -> str:
    """The URL of `--metrics-bind`'s listener, from the line the server prints once it is bound."""
    return server.printed_line(METRICS_LINE).removeprefix(METRICS_LINE)


@pytest.fixture
def new_server(tmp_path: Path) -> Callable[..., Server]:
    """Starts servers of the test's own (tokens on or off, limits, options); stops them after."""
    started: list[Server] = []

    def start(auth: bool = False, args: list[str] | None = None) -> Server:
        data_dir = tmp_path / f"data-{len(started)}"
        data_dir.mkdir()
        server = Server(data_dir, auth=auth, args=args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_metrics_count_the_clients_the_events_and_the_refusals(new_server: Callable[..., Server], session_id: str) -> None:
    server = new_server(auth=True, args=["--metrics-bind", "127.0.0.1:0"])
    metrics_url = f"{server.url}/metrics"
    reader, writer = server.token("read"), server.token("write")
    take = lambda: scrape(metrics_url, reader)  # noqa: E731

    # Protected like the rest: no token is a 401, a token for one session only a 403.
    assert requests.get(metrics_url, timeout=WAIT_S).status_code == 401
    assert requests.get(metrics_url, headers={"Authorization": "Bearer not-a-token"}, timeout=WAIT_S).status_code == 401
    one_session = server.token("read", sessions=session_id)
    refused = requests.get(metrics_url, headers={"Authorization": f"Bearer {one_session}"}, timeout=WAIT_S)
    assert refused.status_code == 403, refused.text

    # A socket with a token of another server's key is refused too.
    stranger = socketio.Client(reconnection=False, request_timeout=WAIT_S)
    with pytest.raises(socketio.exceptions.ConnectionError):
        stranger.connect(server.url, namespaces=["/"], transports=["websocket"], auth={"token": "x.y.z"}, wait_timeout=WAIT_S)

    n, m = 3, 5
    ns = f"/sessions/{session_id}"
    clients = Clients(server)
    try:
        receivers = []
        for _ in range(n):
            client, recorder = clients.connect(ns, ["websocket"], record=True, auth={"token": reader})
            assert ok(client, ns, "unsubscribe", {"patterns": ["*"]}) == {"types": []}
            assert ok(client, ns, "subscribe", {"patterns": ["output.text"]}) == {"types": ["output.text"]}
            receivers.append(recorder)
        # The publisher receives nothing: the events delivered are the receivers'.
        publisher, _ = clients.connect(ns, ["websocket"], auth={"token": writer})
        assert ok(publisher, ns, "unsubscribe", {"patterns": ["*"]}) == {"types": []}
        batch = [output_text(f"line {i}") for i in range(m)]
        assert ok(publisher, ns, "publish", {"events": batch}) == {"head_offset": m}

        received = 0
        for recorder in receivers:
            got = recorder.wait_for(lambda e, a: a[0]["offset"] == m, f"offset {m}")
            assert [a[0]["offset"] for _, a in got] == list(range(1, m + 1))
            received += len(got)
        assert received == n * m

        metrics = until(
            take, lambda s: s.value("agentcast_events_delivered_total", namespace="session") == received, f"{received} delivered"
        )
        assert metrics.kind("agentcast_events_delivered") == "counter"
        assert metrics.value("agentcast_events_delivered_total", namespace="hub") == 0
        # Connections: the receivers and the publisher, the only sockets the test holds open.
        assert metrics.kind("agentcast_connections") == "gauge"
        assert metrics.value("agentcast_connections") == n + 1
        assert metrics.value("agentcast_sockets", namespace="session") == n + 1
        assert metrics.value("agentcast_sockets", namespace="hub") == 0
        assert metrics.value("agentcast_namespaces", namespace="session") == 1
        # One room (output.text) with the n receivers in it.
        assert metrics.value("agentcast_rooms", namespace="session") == 1
        assert metrics.value("agentcast_room_members", namespace="session") == n
        # One publish of m events: m taken, m committed, one broadcast each.
        assert metrics.value("agentcast_events_ingested_total") == m
        assert metrics.value("agentcast_events_committed_total") == m
        assert metrics.value("agentcast_broadcasts_total", namespace="session") == m
        # The one session, under its status (one series per status, none per session).
        assert sum(sample.value for sample in metrics.families["agentcast_sessions"].samples) == 1
        # The group commits as histograms: the events in them add up to m.
        assert metrics.kind("agentcast_commit_duration_seconds") == "histogram"
        assert metrics.kind("agentcast_commit_events") == "histogram"
        commits = metrics.value("agentcast_commit_events_count")
        assert commits >= 1
        assert metrics.value("agentcast_commit_events_sum") == m
        assert metrics.value("agentcast_commit_duration_seconds_count") == commits
        assert metrics.value("agentcast_commit_events_bucket", le="+Inf") == commits
        assert metrics.value("agentcast_events_replayed_total") == 0

        # The refused tokens, by reason: the REST calls without a token and with a bad one, the
        # socket with a bad one (a 403 is a token accepted, then found short of a right).
        assert metrics.kind("agentcast_auth_refusals") == "counter"
        assert metrics.value("agentcast_auth_refusals_total", reason="missing") == 1
        assert metrics.value("agentcast_auth_refusals_total", reason="invalid") == 2

        # The separate address: the same numbers, no token needed.
        separate = printed_metrics_url(server)
        assert separate != metrics_url
        assert scrape(separate).value("agentcast_events_delivered_total", namespace="session") == received
        assert scrape(separate).value("agentcast_connections") == n + 1
        tasks_connected = metrics.value("agentcast_runtime_tasks")
    finally:
        clients.close()
    metrics = until(take, lambda s: s.value("agentcast_connections") == 0, "the clients to be gone")
    assert metrics.value("agentcast_sockets", namespace="session") == 0
    assert metrics.kind("process_cpu_seconds") == "counter"
    assert metrics.value("process_cpu_seconds_total") > 0
    assert metrics.value("process_resident_memory_bytes") > 1_000_000
    # Each websocket connection runs tasks of its own (reader, writer, heartbeat); they end with it.
    assert metrics.kind("agentcast_runtime_tasks") == "gauge"
    assert 0 < metrics.value("agentcast_runtime_tasks") <= tasks_connected - (n + 1)


def test_ingest_lines_and_errors_are_counted_by_kind(new_server: Callable[..., Server], session_id: str) -> None:
    server = new_server()
    init = b'{"type":"system","subtype":"init","model":"m","cwd":"/w"}'
    body = init + b"\n{not json\n" + b'{"a":"\xc3\x28"}\n' + b'{"type":"assistant"'  # the last one unterminated
    response = requests.post(
        f"{server.url}/api/sessions/{session_id}/events",
        data=body,
        headers={"Content-Type": "application/x-ndjson"},
        timeout=WAIT_S,
    )
    assert response.status_code == 200, response.text
    metrics = scrape(f"{server.url}/metrics")
    # Mapped: init, the broken JSON and the cut last line; the invalid UTF-8 never reaches a mapper.
    assert metrics.value("agentcast_ingest_lines_total") == 3
    assert metrics.value("agentcast_ingest_errors_total", kind="malformed_json") == 1
    assert metrics.value("agentcast_ingest_errors_total", kind="invalid_utf8") == 1
    assert metrics.value("agentcast_ingest_errors_total", kind="truncated_line") == 1
    assert metrics.value("agentcast_ingest_errors_total", kind="line_too_long") == 0
    assert response.json()["lines"] == 3


def test_the_connection_limit_is_counted_and_reported_as_system_error(new_server: Callable[..., Server], session_id: str) -> None:
    server = new_server(args=["--max-connections", "2", "--system-error-interval-ms", "0"])
    clients = Clients(server)
    try:
        _, hub = clients.connect("/", ["websocket"], record=True)
        clients.connect(f"/sessions/{session_id}", ["websocket"])
        over = socketio.Client(reconnection=False, request_timeout=WAIT_S)
        with pytest.raises(socketio.exceptions.ConnectionError):
            over.connect(server.url, namespaces=["/"], transports=["websocket"], wait_timeout=WAIT_S)
        assert hub is not None
        got = hub.wait_for(lambda e, a: e == "system.error", "system.error")
        error = got[-1][1][0]["data"]
        assert (error["component"], error["severity"]) == ("limits", "warning")
        assert "max_connections" in error["message"]
        metrics = scrape(f"{server.url}/metrics")
        assert metrics.value("agentcast_limit_hits_total", limit="max_connections") == 1
        assert metrics.value("agentcast_limit_hits_total", limit="messages") == 0
        assert metrics.value("agentcast_system_errors_total", component="limits", severity="warning") == 1
        assert metrics.value("agentcast_system_errors_total", component="store", severity="error") == 0
        # A limit hit is a warning: the server is still `ok`.
        health = requests.get(f"{server.url}/health", timeout=WAIT_S)
        assert (health.status_code, health.json()["status"]) == (200, "ok")
    finally:
        clients.close()


def test_a_store_that_refuses_a_commit_is_a_system_error_and_health_degraded(new_server: Callable[..., Server], session_id: str) -> None:
    server = new_server()
    health = requests.get(f"{server.url}/health", timeout=WAIT_S)
    assert health.status_code == 200
    report = health.json()
    assert (report["status"], report["database"], report["connections"], report["rooms"]) == ("ok", "ok", 0, 0)
    assert report["collector"] in ("importing", "following")
    assert report["uptime_s"] >= 0

    ns = f"/sessions/{session_id}"
    clients = Clients(server)
    try:
        _, hub = clients.connect("/", ["websocket"], record=True)
        publisher, _ = clients.connect(ns, ["websocket"])
        assert ok(publisher, ns, "publish", {"events": [output_text("stored")]}) == {"head_offset": 1}
        report = requests.get(f"{server.url}/health", timeout=WAIT_S).json()
        assert report["connections"] == 2
        assert report["rooms"] > 0

        # Another process takes the database's write lock and keeps it: the server's next commit
        # waits its busy timeout (5 s) and fails, for real.
        holder = sqlite3.connect(server.data_dir / "agentcast.db", timeout=WAIT_S, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            refused = publisher.call("publish", {"events": [output_text("lost")]}, namespace=ns, timeout=3 * WAIT_S)
            assert "error" in refused, refused
            assert hub is not None
            got = hub.wait_for(lambda e, a: e == "system.error", "system.error", timeout=3 * WAIT_S)
            error = got[-1][1][0]["data"]
            assert (error["component"], error["severity"]) == ("store", "error")
            assert "storing 1 events failed" in error["message"]
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        # Serving, the database answers, but an error of the server came within the minute.
        health = requests.get(f"{server.url}/health", timeout=WAIT_S)
        assert (health.status_code, health.json()["status"], health.json()["database"]) == (200, "degraded", "ok")
        metrics = scrape(f"{server.url}/metrics")
        assert metrics.value("agentcast_system_errors_total", component="store", severity="error") >= 1
        assert metrics.value("agentcast_events_committed_total") == 1
        assert metrics.value("agentcast_events_ingested_total") == 2
        # Nothing was lost for good: the store takes the next publish.
        assert ok(publisher, ns, "publish", {"events": [output_text("again")]}) == {"head_offset": 2}
    finally:
        clients.close()


def test_unique_session_ids_do_not_become_labels(new_server: Callable[..., Server]) -> None:
    """Many sessions leave the exposition the same size: no label carries a session id."""
    server = new_server()
    before = scrape(f"{server.url}/metrics")
    for _ in range(5):
        session_id = f"py-{secrets.token_hex(6)}"
        response = requests.post(
            f"{server.url}/api/sessions/{session_id}/publish", json={"events": [output_text("x")]}, timeout=WAIT_S
        )
        assert response.status_code == 200, response.text
    after = scrape(f"{server.url}/metrics")
    # The same series before and after, only their values moved.
    assert set(after.samples) == set(before.samples)
    assert session_id not in after.text
    assert after.value("agentcast_events_committed_total") == 5


DASHBOARD = REPO_ROOT / "server" / "deploy" / "grafana" / "agentcast.json"
# A metric name in PromQL: what is not a function, a keyword or a label (ours all have a prefix).
METRIC_NAME = re.compile(r"\b(?:agentcast|process)_[a-z_]+\b")
GROUPING = re.compile(r"\bby \(([^)]*)\)")


def test_the_grafana_dashboard_uses_only_metrics_a_real_scrape_has(new_server: Callable[..., Server]) -> None:
    """server/deploy/grafana/agentcast.json cannot drift from the code: every metric its PromQL
    names, and every label it groups by, is in a scrape of the real server."""
    dashboard = json.loads(DASHBOARD.read_text("utf-8"))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert (variables["datasource"]["type"], variables["datasource"]["query"]) == ("datasource", "prometheus")

    server = new_server(auth=True)
    # One refusal, so the family of refusals has a sample (it has one per reason seen).
    assert requests.get(f"{server.url}/metrics", timeout=WAIT_S).status_code == 401
    metrics = scrape(f"{server.url}/metrics", server.token("read"))
    names = {name for name, _ in metrics.samples}
    labels = {label for _, pairs in metrics.samples for label, _ in pairs} | {"instance"}

    used: set[str] = set()
    panels = [panel for panel in dashboard["panels"] if panel["type"] != "row"]
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    for panel in panels:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        for target in panel["targets"]:
            expr = target["expr"]
            found = set(METRIC_NAME.findall(expr))
            assert found, f"{panel['title']}: no metric in {expr}"
            assert found <= names, f"{panel['title']}: {sorted(found - names)} not in a scrape"
            for grouping in GROUPING.findall(expr):
                grouped = {label.strip() for label in grouping.split(",")}
                assert grouped <= labels, f"{panel['title']}: no label {sorted(grouped - labels)}"
            used |= found
    # The main panels are there.
    for family in [
        "agentcast_sockets", "agentcast_events_delivered_total", "agentcast_commit_duration_seconds_bucket",
        "agentcast_commit_events_bucket", "agentcast_slow_consumer_disconnects_total", "agentcast_limit_hits_total",
        "agentcast_auth_refusals_total", "agentcast_collector_files_followed", "agentcast_collector_backlog_bytes",
        "process_cpu_seconds_total", "process_resident_memory_bytes",
    ]:
        assert family in used, f"the dashboard shows no {family}"
