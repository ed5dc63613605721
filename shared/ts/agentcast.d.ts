// Generated from the Rust types of agentcast-shared. Do not edit by hand: run
// `AGENTCAST_UPDATE_TS=1 cargo test -p agentcast-shared typescript` to regenerate.

/**
 * One event as the server emits it: the Socket.IO event name is its `type`, and the envelope
 * is the event's single argument.
 *
 * ```json
 * {"offset":42,"session_id":"s1","ts":"2026-11-24T10:00:00.123Z","type":"tool.started","data":{}}
 * ```
 *
 * `offset` is per session: it starts at 1, grows by 1 with no gaps and is assigned once, at
 * ingest, by the session's sequencer. A client applies an envelope only if its offset is
 * greater than the last one it applied, which makes replay followed by live events free of
 * duplicates.
 *
 * Offset 0 marks an ephemeral control event (`session.recovered`, `system.stats`) that is not
 * part of the session stream: it is never stored or replayed, and a client must not take it
 * as its last applied offset.
 */
export type Envelope<D = JsonValue> = {
/**
 * Position in the session stream (1, 2, 3, ...); 0 for an ephemeral control event.
 */
offset: number,
/**
 * The session this event belongs to; the hub repeats it so one handler serves all sessions.
 */
session_id: string,
/**
 * When the event was ingested: RFC 3339 UTC with milliseconds, `2026-11-24T10:00:00.123Z`.
 */
ts: string,
/**
 * The event type, also the Socket.IO event name, e.g. `tool.started`.
 */
type: string,
/**
 * The event's data: the struct of its type (`ToolStarted` for `tool.started`, ...).
 */
data: D, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

/**
 * `session.started`: a session began; the first event of every session.
 */
export type SessionStarted = {
/**
 * The session's id, also in the namespace `/sessions/{session_id}`.
 */
session_id: string,
/**
 * A human name for the session list; the dashboard falls back to the id.
 */
label?: string,
/**
 * The project the session belongs to, for grouping and per-project tokens.
 */
project_id?: string,
/**
 * How the events arrive.
 */
source: SessionSource,
/**
 * The command line of a process the server or `agentcast run` started.
 */
command?: Array<string>,
/**
 * The working directory of that process.
 */
cwd?: string,
/**
 * The model the agent reported, e.g. `claude-sonnet-4-5`.
 */
model?: string,
/**
 * The tools the agent reported as available.
 */
tools?: Array<string>,
/**
 * The agent CLI's version, when it reported one.
 */
cli_version?: string,
/**
 * Which agent it is, when known.
 */
agent?: AgentKind,
/**
 * The agent's own id for the session (Claude Code's `session_id`, Codex's rollout id):
 * what joins the transcript of a session agentcast runs to that session.
 */
agent_session_id?: string,
/**
 * The git branch checked out in the working directory, when the agent reported one.
 */
git_branch?: string,
/**
 * When the session started, RFC 3339 UTC with milliseconds.
 */
started_at: string, };

/**
 * Which coding agent a session is: the CLI whose output or transcript it comes from.
 */
export type AgentKind = "claude" | "codex" | "other";

/**
 * Where a session's events come from.
 */
export type SessionSource = "run" | "pipe" | "http" | "hook" | "demo" | "publish" | "transcript" | "tmux";

/**
 * `session.status`: the session's state changed.
 */
export type SessionStatus = {
/**
 * The new state.
 */
status: SessionState,
/**
 * The agent process id while one runs, so an operator can find it.
 */
pid?: number,
/**
 * Why the state changed, when that is worth showing.
 */
message?: string, };

/**
 * The state of a session.
 */
export type SessionState = "starting" | "running" | "idle" | "waiting" | "completed" | "failed" | "cancelled" | "interrupted";

/**
 * `session.checkpoint`: a named point in the session stream to come back to.
 */
export type SessionCheckpoint = {
/**
 * The checkpoint's id.
 */
checkpoint_id: string,
/**
 * A human name for it.
 */
label?: string,
/**
 * The last offset the checkpoint covers.
 */
offset: number, };

/**
 * `session.ended`: the session is over; the last event of a session.
 */
export type SessionEnded = {
/**
 * The final state.
 */
status: SessionState,
/**
 * The process exit code, when a process exited.
 */
exit_code?: number,
/**
 * The signal that killed the process, when one did (Unix).
 */
signal?: number,
/**
 * Wall time from start to end.
 */
duration_ms?: number,
/**
 * Agent turns, as the agent's result line reported them.
 */
num_turns?: number,
/**
 * The session's total cost, as the agent reported it.
 */
total_cost_usd?: number,
/**
 * Why it ended, when that is worth showing.
 */
message?: string, };

/**
 * `session.recovered`: sent (with offset 0) after the replay that follows a connect with
 * `auth.offset`, so the client knows whether it has everything.
 */
export type SessionRecovered = {
/**
 * False when the history no longer held `offset + 1`: the client should page back with
 * `get_history` to fill the gap.
 */
recovered: boolean,
/**
 * The first offset replayed.
 */
from: number,
/**
 * The last offset replayed.
 */
to: number, };

/**
 * `permission.requested`: the agent asks before it uses a tool; any watcher with the
 * `control` scope may answer with `permission.respond`. The session is `waiting` while one
 * is open.
 */
export type PermissionRequested = {
/**
 * The id to answer with.
 */
request_id: string,
/**
 * The tool call it is about (its `tool.started`), when the agent said.
 */
tool_use_id?: string,
/**
 * The tool, e.g. `Bash`, `Edit`, `Write`.
 */
tool_name: string,
/**
 * What the tool would be called with (the command, the file and its new text, ...).
 */
input: unknown,
/**
 * What the agent says the call does, when it said.
 */
description?: string,
/**
 * The agent's own offers to allow more than this call (e.g. a rule that always allows
 * the command), to pass back as `updated_permissions`; as the agent sent them.
 */
suggestions?: unknown[],
/**
 * When it is denied with reason `timeout` if no one answers, RFC 3339 UTC with
 * milliseconds.
 */
expires_at: string, };

/**
 * `permission.resolved`: a permission request was answered; the first answer wins.
 */
export type PermissionResolved = {
/**
 * The request answered.
 */
request_id: string,
/**
 * What the agent was told.
 */
decision: PermissionDecision,
/**
 * Who answered: the token's subject, or `agentcast` when the server decided (timeout,
 * end of the session).
 */
by: string,
/**
 * Why it was resolved.
 */
reason: ResolvedReason,
/**
 * The message a denial gave the agent.
 */
message?: string, };

/**
 * The answer to a permission request.
 */
export type PermissionDecision = "allow" | "deny" | "ask";

/**
 * Why a permission request was resolved.
 */
export type ResolvedReason = "answered" | "timeout" | "session_ended" | "cancelled";

/**
 * `session.presence` (ephemeral, offset 0): who is watching the session now. Opt-in: not in
 * a new socket's default subscription, sent to the sockets that subscribed to it (or to `*`
 * explicitly) when watchers come and go, at most four times a second; also in `get_status`.
 */
export type SessionPresence = {
/**
 * One entry per token subject connected to the session's namespace, by subject.
 */
watchers: Array<Watcher>, };

/**
 * One subject watching a session.
 */
export type Watcher = {
/**
 * The token's subject (`anonymous` when the server runs without auth).
 */
sub: string,
/**
 * Its connected sockets (tabs, terminals).
 */
sockets: number,
/**
 * True when its token may answer the agent (the `control` scope).
 */
can_control: boolean, };

/**
 * `output.text`: assistant text, either a streamed piece or a whole block.
 */
export type OutputText = {
/**
 * The assistant message this text belongs to, so pieces can be joined.
 */
message_id?: string,
/**
 * The text.
 */
text: string,
/**
 * True for a streamed piece to append; false for a whole block.
 */
delta: boolean,
/**
 * Set when a sub-agent produced the text: the `tool_use_id` of the call that started it.
 */
parent_tool_use_id?: string, };

/**
 * `output.thinking`: the assistant's reasoning, shown folded.
 */
export type OutputThinking = {
/**
 * The assistant message this thinking belongs to, so pieces can be joined.
 */
message_id?: string,
/**
 * The text.
 */
text: string,
/**
 * True for a streamed piece to append; false for a whole block.
 */
delta: boolean,
/**
 * Set when a sub-agent produced the thinking: the `tool_use_id` of the call that started it.
 */
parent_tool_use_id?: string, };

/**
 * `output.stderr`: one line the agent process wrote to stderr.
 */
export type OutputStderr = {
/**
 * The line, without its newline.
 */
line: string, };

/**
 * `user.prompt`: a prompt the user gave the agent.
 */
export type UserPrompt = {
/**
 * The prompt.
 */
text: string,
/**
 * Who sent it through agentcast (the token's subject); absent for a prompt the agent's
 * own output or transcript reported.
 */
by?: string, };

/**
 * `tool.started`: the agent called a tool.
 */
export type ToolStarted = {
/**
 * The call's id; the matching `tool.completed` carries the same one.
 */
tool_use_id: string,
/**
 * The tool's name, e.g. `Bash`.
 */
name: string,
/**
 * The tool's input, as the agent sent it.
 */
input: JsonValue,
/**
 * Set when a sub-agent made the call: the `tool_use_id` of the call that started it.
 */
parent_tool_use_id?: string, };

/**
 * `tool.completed`: a tool call returned.
 */
export type ToolCompleted = {
/**
 * The id of the `tool.started` this completes.
 */
tool_use_id: string,
/**
 * The tool's name, when the call was seen (a result can arrive without its start).
 */
name?: string,
/**
 * True when the tool reported a failure.
 */
is_error: boolean,
/**
 * The start of the output, bounded so that one huge result cannot flood every client.
 */
output_preview: string,
/**
 * The size of the whole output, so a client can tell the preview was cut.
 */
output_bytes: number,
/**
 * Time from `tool.started` to this event, when the start was seen.
 */
duration_ms?: number,
/**
 * Set when a sub-agent made the call: the `tool_use_id` of the call that started it.
 */
parent_tool_use_id?: string, };

/**
 * `agent.delegation`: the agent handed a task to a sub-agent (the Task tool), or the
 * sub-agent finished; its own events carry this `tool_use_id` as `parent_tool_use_id`.
 */
export type AgentDelegation = {
/**
 * The id of the tool call that started the sub-agent.
 */
tool_use_id: string,
/**
 * The sub-agent's type or name.
 */
agent?: string,
/**
 * The task it was given.
 */
task?: string,
/**
 * Where the delegation stands.
 */
status: DelegationStatus,
/**
 * Time from start to end, once it ended.
 */
duration_ms?: number, };

/**
 * Where a delegation stands.
 */
export type DelegationStatus = "started" | "completed" | "failed";

/**
 * `todo.updated`: the whole todo list, after every change.
 */
export type TodoUpdated = {
/**
 * Every item, in the agent's order.
 */
todos: Array<TodoItem>,
/**
 * Counts by status, so a list view needs no pass over the items.
 */
stats: TodoStats, };

/**
 * One todo item.
 */
export type TodoItem = {
/**
 * What is to be done.
 */
content: string,
/**
 * Where it stands.
 */
status: TodoStatus,
/**
 * The agent's priority (`high`, `medium`, `low`), when it gives one.
 */
priority?: string,
/**
 * The present-continuous form shown while the item is in progress ("Running tests").
 * Also read as Claude Code's `activeForm`, so a TodoWrite input can be published as it is.
 */
active_form?: string,
/**
 * The agent's id for the item, when it gives one.
 */
id?: string, };

/**
 * Where a todo item stands.
 */
export type TodoStatus = "pending" | "in_progress" | "completed";

/**
 * Counts of todo items by status.
 */
export type TodoStats = {
/**
 * All items.
 */
total: number,
/**
 * Items not started.
 */
pending: number,
/**
 * Items being worked on.
 */
in_progress: number,
/**
 * Items done.
 */
completed: number, };

/**
 * `usage.updated`: the session's cumulative token counts and cost, after every change.
 */
export type UsageUpdated = {
/**
 * The model the latest usage was reported for.
 */
model?: string,
/**
 * Input tokens so far, cache reads and writes excluded.
 */
input_tokens: number,
/**
 * Output tokens so far.
 */
output_tokens: number,
/**
 * Input tokens read from the prompt cache so far.
 */
cache_read_tokens: number,
/**
 * Input tokens written to the prompt cache so far.
 */
cache_creation_tokens: number,
/**
 * Cost so far in US dollars (cumulative for the session, not a delta): the agent's own
 * total where it reports one, plus estimates (as `message_cost_usd`) of the messages
 * after it; only estimates for agents that report none (Claude Code transcripts before
 * 2.1). Replaced, not raised, when the agent's total arrives.
 */
total_cost_usd: number,
/**
 * Estimated cost in US dollars of the one API message whose usage this update reports,
 * from the hub's price table of the model's list prices: an estimate, not the bill.
 * Absent for an unknown model and for an update no single message caused (an agent's
 * total). A later update of the same message (a stream's final usage) replaces it.
 */
message_cost_usd?: number, };

/**
 * `agent.raw`: a JSON line of a type the mapper does not know; kept, never dropped.
 */
export type AgentRaw = {
/**
 * The original JSON line, unchanged.
 */
line: string, };

/**
 * `agent.error`: input that could not be used (a malformed or oversize line) or a failure
 * of the agent process; the stream goes on after it.
 */
export type AgentError = {
/**
 * A stable machine-readable cause, e.g. `malformed_json`, `line_too_long`, `spawn_failed`.
 */
code: string,
/**
 * What went wrong, for people.
 */
message: string,
/**
 * The 1-based number of the input line at fault, when a line was.
 */
line?: number,
/**
 * The start of the line at fault, bounded, to help find it.
 */
excerpt?: string, };

/**
 * `agent.hook`: a hook command Claude Code ran (stream-json `system/hook_started` and
 * `system/hook_response`), so a failing hook is visible where the session is watched.
 *
 * Hook payloads posted to `POST /api/hooks` are not this event: they describe the agent's
 * own activity and become the typed events of that activity (`tool.started`, ...).
 */
export type AgentHook = {
/**
 * The hook event that triggered it, e.g. `SessionStart`, `PreToolUse`.
 */
hook_event: string,
/**
 * The hook's name as the agent reports it, e.g. `SessionStart:startup`.
 */
hook_name?: string,
/**
 * The agent's id for this run of the hook; the response carries the start's id.
 */
hook_id?: string,
/**
 * Whether the hook started or answered.
 */
phase: HookPhase,
/**
 * How it ended (`success`, `error`, ...), once it answered.
 */
outcome?: string,
/**
 * The hook command's exit code, once it answered.
 */
exit_code?: number,
/**
 * The start of what the hook printed (its stderr when it failed), bounded.
 */
output?: string, };

/**
 * Where a hook run stands.
 */
export type HookPhase = "started" | "completed";

/**
 * `agent.task`: progress of a task the agent runs beside the conversation, such as a
 * sub-agent or a shell started in the background (stream-json `system/task_started`,
 * `task_progress` and `task_notification`).
 */
export type AgentTask = {
/**
 * The agent's id for the task; every event of one task carries the same one.
 */
task_id: string,
/**
 * The tool call that started the task, when the agent names it.
 */
tool_use_id?: string,
/**
 * Where the task stands.
 */
status: AgentTaskStatus,
/**
 * What the task does, or what it is doing now.
 */
description?: string,
/**
 * The kind of task as the agent names it, e.g. `local_agent`, `local_bash`.
 */
task_type?: string,
/**
 * The last tool the task used, while it runs.
 */
last_tool_name?: string,
/**
 * What the task produced, once it ended.
 */
summary?: string,
/**
 * Where the task wrote its full output, when it did.
 */
output_file?: string, };

/**
 * Where a background task stands.
 */
export type AgentTaskStatus = "started" | "running" | "completed" | "failed" | "stopped";

/**
 * `agent.notification`: something worth a person's attention that is neither output nor a
 * tool call: the agent waits for a permission or for input (the `Notification` hook), a
 * rate-limit report, a status change such as `requesting` or `compacting`, a compaction of
 * the context.
 */
export type AgentNotification = {
/**
 * A stable machine-readable kind: `notification` (or the agent's own notification type,
 * e.g. `permission_prompt`), `rate_limit`, `status`, `compact`.
 */
kind: string,
/**
 * What happened, for people.
 */
message: string,
/**
 * A short heading, when the agent gave one.
 */
title?: string,
/**
 * The agent's own details, as it sent them (e.g. the rate-limit window and reset time).
 */
details?: JsonValue, };

/**
 * `system.stats`: the server's vital signs, emitted on `/` every few seconds with offset 0.
 */
export type SystemStats = {
/**
 * Open Socket.IO connections.
 */
connections: number,
/**
 * Sessions whose state is starting, running or idle.
 */
sessions_active: number,
/**
 * Events ingested per second, over the last interval.
 */
events_in_per_s: number,
/**
 * Envelopes sent to clients per second, over the last interval.
 */
events_out_per_s: number,
/**
 * Resident memory of the server process.
 */
memory_bytes: number,
/**
 * CPU time the server process used over the last interval, in percent of one core
 * (200 is two cores busy).
 */
cpu_percent: number,
/**
 * Seconds since the server started.
 */
uptime_s: number,
/**
 * Sockets disconnected since start because their send buffer was full.
 */
slow_consumer_disconnects: number,
/**
 * How often each limit refused something since start.
 */
limits_hit: LimitsHit,
/**
 * The transcript collectors: the import's progress and the files followed; absent when
 * collecting is off.
 */
collector?: CollectorStats, };

/**
 * What the transcript collectors are doing (`system.stats`): the import of the transcripts
 * found at start (newest first), then the files followed live.
 */
export type CollectorStats = {
/**
 * True until every transcript found at start is read to its end.
 */
importing: boolean,
/**
 * Transcript files found at start.
 */
files_total: number,
/**
 * Of those, the files read to their end.
 */
files_imported: number,
/**
 * Bytes of the files found at start.
 */
bytes_total: number,
/**
 * Of those, the bytes read.
 */
bytes_imported: number,
/**
 * Files followed now (read as they grow).
 */
files_followed: number,
/**
 * Files that could not be read (reported in the log, skipped), since start.
 */
errors: number, };

/**
 * Refusals by limit since the server started (DESIGN.md section 5): each is also logged and
 * written to the audit log with the peer.
 */
export type LimitsHit = {
/**
 * Connections refused: too many new ones from one address in a second.
 */
connections_per_ip: number,
/**
 * Connections refused: the server's total was reached.
 */
max_connections: number,
/**
 * HTTP requests answered 429.
 */
http_requests: number,
/**
 * Socket messages answered `rate_limited`.
 */
messages: number,
/**
 * Sockets disconnected for going on sending while limited.
 */
flood_disconnects: number, };

/**
 * `system.error`: a failure of the server itself, not of one session (the store refused a
 * commit, a collector stopped, a limit of the whole server was hit). Emitted on `/` with
 * offset 0, at most once per component per `--system-error-interval-ms`; what that holds
 * back is counted in `suppressed` of the next one (and every one in `/metrics`).
 */
export type SystemError = {
/**
 * What failed: `store`, `collector` or `limits` (more may come).
 */
component: string,
/**
 * `warning` (something was refused or skipped) or `error` (work was lost or stopped).
 */
severity: Severity,
/**
 * What happened, for a person; the detail is in the server log.
 */
message: string,
/**
 * Errors of this component held back by the rate limit since the last `system.error`.
 */
suppressed: number, };

/**
 * How bad a [`SystemError`] is.
 */
export type Severity = "warning" | "error";

/**
 * `tmux.window_opened`: a window appeared.
 */
export type TmuxWindowOpened = {
/**
 * tmux's id of the window, e.g. `@2`.
 */
window_id: string,
/**
 * Its index in its tmux session (what the status line shows).
 */
index: number,
/**
 * Its name.
 */
name: string,
/**
 * tmux's id of the tmux session the window is in, e.g. `$1`.
 */
tmux_session_id: string,
/**
 * That tmux session's name.
 */
tmux_session: string, };

/**
 * `tmux.window_renamed`: a window's name changed (by `rename-window` or tmux's automatic
 * renaming after the command that runs in it).
 */
export type TmuxWindowRenamed = {
/**
 * The window, e.g. `@2`.
 */
window_id: string,
/**
 * The new name.
 */
name: string,
/**
 * The name before.
 */
previous_name: string, };

/**
 * `tmux.window_closed`: a window is gone.
 */
export type TmuxWindowClosed = {
/**
 * The window, e.g. `@2`.
 */
window_id: string,
/**
 * Its last name.
 */
name: string, };

/**
 * `tmux.pane_opened`: a pane appeared.
 */
export type TmuxPaneOpened = {
/**
 * tmux's id of the pane, e.g. `%3` (what `$TMUX_PANE` says inside it).
 */
pane_id: string,
/**
 * The window it is in.
 */
window_id: string,
/**
 * Its index in the window.
 */
index: number,
/**
 * The pid of the pane's first process (its shell, or the command it was opened with).
 */
pid?: number,
/**
 * The foreground command, e.g. `bash`.
 */
command: string,
/**
 * The foreground command's working directory, when tmux knows it.
 */
cwd?: string, };

/**
 * `tmux.pane_command_changed`: another command runs in the foreground of a pane, e.g.
 * `claude` started in `%3`, or the shell is back after it.
 */
export type TmuxPaneCommandChanged = {
/**
 * The pane, e.g. `%3`.
 */
pane_id: string,
/**
 * The window it is in.
 */
window_id: string,
/**
 * The foreground command now.
 */
command: string,
/**
 * The foreground command before.
 */
previous_command: string,
/**
 * The working directory of the command now, when tmux knows it.
 */
cwd?: string, };

/**
 * `tmux.pane_exited`: the pane's process ended and the pane stays (tmux's `remain-on-exit`);
 * a pane that closes as its process ends gives `tmux.pane_closed` only.
 */
export type TmuxPaneExited = {
/**
 * The pane, e.g. `%3`.
 */
pane_id: string,
/**
 * The window it is in.
 */
window_id: string,
/**
 * The exit status, when the process exited.
 */
exit_status?: number,
/**
 * The signal that killed it, when one did.
 */
signal?: number, };

/**
 * `tmux.pane_closed`: a pane is gone.
 */
export type TmuxPaneClosed = {
/**
 * The pane, e.g. `%3`.
 */
pane_id: string,
/**
 * The window it was in.
 */
window_id: string, };

/**
 * `tmux.agent_detected`: a coding agent runs in a pane; sent again when what is known of it
 * changes (its session id once it is written, a new one after `/clear`).
 */
export type TmuxAgentDetected = {
/**
 * The pane, e.g. `%3`.
 */
pane_id: string,
/**
 * The window it is in.
 */
window_id: string,
/**
 * Which agent.
 */
agent: AgentKind,
/**
 * The agent's process.
 */
pid: number,
/**
 * The agent's own id of the session it runs (Claude Code's session id, the name of its
 * transcript): the collected session of that transcript has it as `agent_session_id`.
 */
agent_session_id?: string,
/**
 * The agent's working directory, when it said.
 */
cwd?: string, };

/**
 * `tmux.agent_ended`: the agent detected in a pane is no longer running there.
 */
export type TmuxAgentEnded = {
/**
 * The pane, e.g. `%3`.
 */
pane_id: string,
/**
 * The window it is (or was) in.
 */
window_id: string,
/**
 * Which agent.
 */
agent: AgentKind,
/**
 * The agent's process.
 */
pid: number,
/**
 * The agent's own id of the session it ran last, when known.
 */
agent_session_id?: string, };

/**
 * Any event with its type: serializes as `{"type": "tool.started", "data": {...}}`,
 * the shape of a `publish` item.
 */
export type Event = { "type": "session.started", "data": SessionStarted } | { "type": "session.status", "data": SessionStatus } | { "type": "session.checkpoint", "data": SessionCheckpoint } | { "type": "session.ended", "data": SessionEnded } | { "type": "session.recovered", "data": SessionRecovered } | { "type": "permission.requested", "data": PermissionRequested } | { "type": "permission.resolved", "data": PermissionResolved } | { "type": "session.presence", "data": SessionPresence } | { "type": "output.text", "data": OutputText } | { "type": "output.thinking", "data": OutputThinking } | { "type": "output.stderr", "data": OutputStderr } | { "type": "user.prompt", "data": UserPrompt } | { "type": "tool.started", "data": ToolStarted } | { "type": "tool.completed", "data": ToolCompleted } | { "type": "agent.delegation", "data": AgentDelegation } | { "type": "todo.updated", "data": TodoUpdated } | { "type": "usage.updated", "data": UsageUpdated } | { "type": "agent.raw", "data": AgentRaw } | { "type": "agent.error", "data": AgentError } | { "type": "agent.hook", "data": AgentHook } | { "type": "agent.task", "data": AgentTask } | { "type": "agent.notification", "data": AgentNotification } | { "type": "system.stats", "data": SystemStats } | { "type": "system.error", "data": SystemError } | { "type": "tmux.window_opened", "data": TmuxWindowOpened } | { "type": "tmux.window_renamed", "data": TmuxWindowRenamed } | { "type": "tmux.window_closed", "data": TmuxWindowClosed } | { "type": "tmux.pane_opened", "data": TmuxPaneOpened } | { "type": "tmux.pane_command_changed", "data": TmuxPaneCommandChanged } | { "type": "tmux.pane_exited", "data": TmuxPaneExited } | { "type": "tmux.pane_closed", "data": TmuxPaneClosed } | { "type": "tmux.agent_detected", "data": TmuxAgentDetected } | { "type": "tmux.agent_ended", "data": TmuxAgentEnded };

/**
 * A command's answer: `{"ok": <result>}` or `{"error": {"code": "...", "message": "..."}}`.
 */
export type Ack<T> = { "ok": T } | { "error": ErrorBody };

/**
 * Why a command or a REST request failed: the stable JSON error body of Socket.IO acks and
 * of the REST API (`{"error": <ErrorBody>}`).
 */
export type ErrorBody = {
/**
 * The kind of failure, for programs.
 */
code: ErrorCode,
/**
 * What went wrong, for people; names the field or parameter at fault, never internals
 * such as SQL or paths.
 */
message: string, };

/**
 * The kind of a failure; each maps to one HTTP status.
 */
export type ErrorCode = "bad_request" | "unauthorized" | "forbidden" | "not_found" | "rate_limited" | "payload_too_large" | "conflict" | "already_resolved" | "unavailable" | "internal";

/**
 * Arguments of `subscribe` and `unsubscribe`.
 */
export type SubscribeArgs = {
/**
 * Patterns such as `*`, `tool.*` or `output.text` (see [`crate::Pattern`]).
 */
patterns: Array<string>, };

/**
 * Result of `subscribe` and `unsubscribe`: the subscription after the change.
 */
export type Subscription = {
/**
 * Every event type the socket now receives, in the order of `ALL_EVENT_TYPES`.
 */
types: Array<string>, };

/**
 * Arguments of `get_history`; every field is optional.
 */
export type GetHistoryArgs = {
/**
 * Patterns of the event types to return; all types when absent.
 */
types?: Array<string>,
/**
 * Return events with an offset greater than this (paging forward).
 */
after?: number,
/**
 * Return events with an offset less than this (paging back from a gap).
 */
before?: number,
/**
 * How many events at most; capped at [`MAX_HISTORY_LIMIT`].
 */
limit?: number, };

/**
 * Result of `get_history`, and the body of `GET /api/sessions/{id}/events`.
 */
export type HistoryPage = {
/**
 * The events, in offset order: envelopes `{offset, session_id, ts, type, data}`.
 */
events: Array<Envelope<JsonValue>>,
/**
 * The session's latest offset when the page was read.
 */
head_offset: number,
/**
 * True when more events match in the direction of the page.
 */
has_more: boolean, };

/**
 * Arguments of `get_status`: none. Accepts `{}`, `null`, a missing argument or anything else.
 */
export type GetStatusArgs = Record<symbol, never>;

/**
 * Result of `get_status` on a session namespace.
 */
export type SessionStatusReport = {
/**
 * The session asked about.
 */
session_id: string,
/**
 * Its state; absent when the session has produced no `session.status` or
 * `session.started` yet.
 */
status?: SessionState,
/**
 * Its latest offset (0 when it has no events).
 */
head_offset: number,
/**
 * Sockets connected to its namespace.
 */
clients: number,
/**
 * Who is watching it now (as `session.presence` reports it).
 */
watchers: Array<Watcher>,
/**
 * True when the session accepts the control commands (a process agentcast runs in
 * control mode, or a hook session in approve mode).
 */
controllable: boolean,
/**
 * The permission requests open now, oldest first.
 */
open_permissions: Array<PermissionRequested>, };

/**
 * Result of `get_status` on the hub namespace `/`.
 */
export type HubStatusReport = {
/**
 * The server's current statistics.
 */
stats: SystemStats,
/**
 * The sessions the caller may see.
 */
sessions: Array<SessionSummary>, };

/**
 * One line of the sessions list, derived from the session's record
 * (`rest::SessionRecord::summary`).
 */
export type SessionSummary = {
/**
 * The session's id.
 */
session_id: string,
/**
 * Its human name.
 */
label?: string,
/**
 * Its project.
 */
project_id?: string,
/**
 * Its state.
 */
status: SessionState,
/**
 * Its latest offset.
 */
head_offset: number,
/**
 * When it started, RFC 3339 UTC with milliseconds.
 */
started_at?: string,
/**
 * The model it reported.
 */
model?: string,
/**
 * Its cumulative cost so far.
 */
total_cost_usd?: number, };

/**
 * Arguments of `ingest`: agent output lines, mapped as if they came from a process.
 */
export type IngestArgs = {
/**
 * JSONL lines, one JSON object each, without newlines.
 */
lines: Array<string>, };

/**
 * Result of `ingest`.
 */
export type IngestResult = {
/**
 * Lines turned into events.
 */
accepted: number,
/**
 * Lines refused, each with why.
 */
rejected: Array<RejectedLine>,
/**
 * The session's latest offset after the ingest.
 */
head_offset: number, };

/**
 * A line `ingest` refused.
 */
export type RejectedLine = {
/**
 * Its 0-based index in [`IngestArgs::lines`].
 */
index: number,
/**
 * Why it was refused.
 */
error: string, };

/**
 * Arguments of `publish`: typed events from any producer.
 */
export type PublishArgs = {
/**
 * `{type, data}` items, appended in order.
 */
events: Array<Event>, };

/**
 * Result of `publish`, and the body of `POST /api/sessions/{id}/publish`.
 */
export type PublishResult = {
/**
 * The session's latest offset after the publish (the offset of the last event published).
 */
head_offset: number, };

/**
 * Arguments of `auth.refresh`.
 */
export type RefreshArgs = {
/**
 * A new token for the same subject; it replaces the socket's token and its expiry.
 */
token: string, };

/**
 * Result of `auth.refresh`.
 */
export type Refreshed = {
/**
 * The new expiry, seconds since the Unix epoch (the token's `exp`).
 */
expires_at: number, };

/**
 * Arguments of `ping`: none. Accepts `{}`, `null`, a missing argument or anything else.
 */
export type PingArgs = Record<symbol, never>;

/**
 * Result of `ping`.
 */
export type Pong = {
/**
 * The server's time, RFC 3339 UTC with milliseconds.
 */
ts: string, };

/**
 * Arguments of `prompt`, and the body of `POST /api/sessions/{id}/prompt`.
 */
export type PromptArgs = {
/**
 * The prompt (at most [`MAX_PROMPT_BYTES`]).
 */
text: string, };

/**
 * Result of `prompt`.
 */
export type PromptResult = {
/**
 * True when a turn was running: the prompt starts the turn after the ones before it.
 */
queued: boolean,
/**
 * Prompts waiting before this one (0 when it was sent to the agent now).
 */
ahead: number, };

/**
 * Arguments of `interrupt` and `end`: none. Accepts `{}`, `null`, a missing argument or
 * anything else.
 */
export type InterruptArgs = Record<symbol, never>;

/**
 * Result of `interrupt`, sent once the agent confirmed it stopped the turn.
 */
export type InterruptResult = {
/**
 * True when a turn was running and the agent stopped it; false when none ran.
 */
interrupted: boolean, };

/**
 * Result of `end`.
 */
export type EndResult = {
/**
 * Always true: the session ends once the agent has exited (`session.ended`).
 */
ending: boolean, };

/**
 * Arguments of `permission.respond`: the request and the answer.
 */
export type PermissionRespondArgs = {
/**
 * The `request_id` of the `permission.requested`.
 */
request_id: string,
/**
 * `allow` or `deny`.
 */
decision: PermissionDecision,
/**
 * What a denial tells the agent [default: "Denied by <who> through agentcast"].
 */
message?: string,
/**
 * The input the tool runs with instead of the one requested (allow only).
 */
updated_input?: unknown,
/**
 * Suggestions of the request to apply as well ("always allow"), as the request listed
 * them (allow only).
 */
updated_permissions?: unknown[], };

/**
 * Result of `permission.respond`: the answer reached the agent.
 */
export type PermissionResponded = {
/**
 * The request answered.
 */
request_id: string,
/**
 * The decision the agent got.
 */
decision: PermissionDecision, };

/**
 * The Socket.IO handshake `auth` object; unknown fields are ignored.
 */
export type ConnectAuth = {
/**
 * The JWT; may be absent when the server runs with `--auth none`.
 */
token?: string,
/**
 * The last offset the client applied on this session namespace: the server replays
 * everything after it before live events. Absent: no replay.
 */
offset?: number, };

/**
 * The claims of an agentcast token.
 */
export type Claims = {
/**
 * Who the token is for; written to the audit log.
 */
sub: string,
/**
 * Expiry, seconds since the Unix epoch; enforced on live sockets too.
 */
exp: number,
/**
 * Issue time, seconds since the Unix epoch.
 */
iat: number,
/**
 * Not valid before, seconds since the Unix epoch.
 */
nbf?: number,
/**
 * What the token may do; absent means nothing.
 */
scope: Array<Scope>,
/**
 * The session ids the token may access, or `*` for all; absent means none.
 */
sessions: Array<string>,
/**
 * The project the token is limited to.
 */
project?: string, };

/**
 * A permission. `admin` includes every other; `write` and `control` each include `read`, and
 * neither includes the other: a producer may publish without steering the agent, and a
 * person who answers the agent need not be able to forge its events.
 */
export type Scope = "read" | "write" | "control" | "admin";

/**
 * A session as the server keeps it: what `session.started` said, the latest status, and the
 * totals that usage and end events carry (the analytics read these, never the events).
 */
export type SessionRecord = {
/**
 * The session's id.
 */
id: string,
/**
 * Its human name.
 */
label: string | null,
/**
 * Its project.
 */
project_id: string | null,
/**
 * `run`, `pipe`, `http`, `hook`, `demo`, `publish`, `transcript` or `tmux`.
 */
source: SessionSource,
/**
 * The command line, when a process was started.
 */
command: Array<string> | null,
/**
 * The working directory of that process.
 */
cwd: string | null,
/**
 * The model the agent reported.
 */
model: string | null,
/**
 * `starting`, `running`, `idle`, `completed`, `failed`, `cancelled` or `interrupted`.
 */
status: SessionState,
/**
 * RFC 3339 UTC with milliseconds; the analytics group days by its first ten characters.
 */
started_at: string,
/**
 * When it ended, if it did.
 */
ended_at: string | null,
/**
 * From `session.ended`; the analytics' durations.
 */
duration_ms: number | null,
/**
 * The latest offset of its stream; only moves forward.
 */
head_offset: number,
/**
 * Cumulative, as the last `usage.updated` or `session.ended` reported it.
 */
total_cost_usd: number | null,
/**
 * Cumulative input tokens.
 */
input_tokens: number,
/**
 * Cumulative output tokens.
 */
output_tokens: number,
/**
 * Cumulative tokens read from the prompt cache.
 */
cache_read_tokens: number,
/**
 * Cumulative tokens written to the prompt cache.
 */
cache_creation_tokens: number,
/**
 * `claude`, `codex` or `other`, when known.
 */
agent: AgentKind | null,
/**
 * The agent's own id for the session (equal to `id` for a collected transcript).
 */
agent_session_id: string | null,
/**
 * The agent CLI's version.
 */
cli_version: string | null,
/**
 * The git branch of the working directory.
 */
git_branch: string | null, };

/**
 * The body of `GET /api/sessions`: newest first.
 */
export type SessionList = {
/**
 * The sessions the caller may see.
 */
sessions: Array<SessionView>,
/**
 * Present when more sessions may follow: pass it as `cursor` for the next page.
 */
next_cursor?: string, };

/**
 * A session as the REST API shows it: its record, and whether this server runs a process
 * for it.
 */
export type SessionView = {
/**
 * True while a process this server started for it runs.
 */
process_running: boolean,
/**
 * True when it accepts the control commands (prompt, interrupt, permission answers).
 */
controllable: boolean,
/**
 * The session's id.
 */
id: string,
/**
 * Its human name.
 */
label: string | null,
/**
 * Its project.
 */
project_id: string | null,
/**
 * `run`, `pipe`, `http`, `hook`, `demo`, `publish`, `transcript` or `tmux`.
 */
source: SessionSource,
/**
 * The command line, when a process was started.
 */
command: Array<string> | null,
/**
 * The working directory of that process.
 */
cwd: string | null,
/**
 * The model the agent reported.
 */
model: string | null,
/**
 * `starting`, `running`, `idle`, `completed`, `failed`, `cancelled` or `interrupted`.
 */
status: SessionState,
/**
 * RFC 3339 UTC with milliseconds; the analytics group days by its first ten characters.
 */
started_at: string,
/**
 * When it ended, if it did.
 */
ended_at: string | null,
/**
 * From `session.ended`; the analytics' durations.
 */
duration_ms: number | null,
/**
 * The latest offset of its stream; only moves forward.
 */
head_offset: number,
/**
 * Cumulative, as the last `usage.updated` or `session.ended` reported it.
 */
total_cost_usd: number | null,
/**
 * Cumulative input tokens.
 */
input_tokens: number,
/**
 * Cumulative output tokens.
 */
output_tokens: number,
/**
 * Cumulative tokens read from the prompt cache.
 */
cache_read_tokens: number,
/**
 * Cumulative tokens written to the prompt cache.
 */
cache_creation_tokens: number,
/**
 * `claude`, `codex` or `other`, when known.
 */
agent: AgentKind | null,
/**
 * The agent's own id for the session (equal to `id` for a collected transcript).
 */
agent_session_id: string | null,
/**
 * The agent CLI's version.
 */
cli_version: string | null,
/**
 * The git branch of the working directory.
 */
git_branch: string | null, };

/**
 * The body of `GET /api/sessions/{id}`: one session and its checkpoints.
 */
export type SessionDetail = {
/**
 * Its checkpoints, by offset.
 */
checkpoints: Array<Checkpoint>,
/**
 * True while a process this server started for it runs.
 */
process_running: boolean,
/**
 * True when it accepts the control commands (prompt, interrupt, permission answers).
 */
controllable: boolean,
/**
 * The session's id.
 */
id: string,
/**
 * Its human name.
 */
label: string | null,
/**
 * Its project.
 */
project_id: string | null,
/**
 * `run`, `pipe`, `http`, `hook`, `demo`, `publish`, `transcript` or `tmux`.
 */
source: SessionSource,
/**
 * The command line, when a process was started.
 */
command: Array<string> | null,
/**
 * The working directory of that process.
 */
cwd: string | null,
/**
 * The model the agent reported.
 */
model: string | null,
/**
 * `starting`, `running`, `idle`, `completed`, `failed`, `cancelled` or `interrupted`.
 */
status: SessionState,
/**
 * RFC 3339 UTC with milliseconds; the analytics group days by its first ten characters.
 */
started_at: string,
/**
 * When it ended, if it did.
 */
ended_at: string | null,
/**
 * From `session.ended`; the analytics' durations.
 */
duration_ms: number | null,
/**
 * The latest offset of its stream; only moves forward.
 */
head_offset: number,
/**
 * Cumulative, as the last `usage.updated` or `session.ended` reported it.
 */
total_cost_usd: number | null,
/**
 * Cumulative input tokens.
 */
input_tokens: number,
/**
 * Cumulative output tokens.
 */
output_tokens: number,
/**
 * Cumulative tokens read from the prompt cache.
 */
cache_read_tokens: number,
/**
 * Cumulative tokens written to the prompt cache.
 */
cache_creation_tokens: number,
/**
 * `claude`, `codex` or `other`, when known.
 */
agent: AgentKind | null,
/**
 * The agent's own id for the session (equal to `id` for a collected transcript).
 */
agent_session_id: string | null,
/**
 * The agent CLI's version.
 */
cli_version: string | null,
/**
 * The git branch of the working directory.
 */
git_branch: string | null, };

/**
 * A named point in a session's stream (`POST /api/sessions/{id}/checkpoint`), also announced
 * as a `session.checkpoint` event.
 */
export type Checkpoint = {
/**
 * The checkpoint's id.
 */
checkpoint_id: string,
/**
 * The session it marks.
 */
session_id: string,
/**
 * A human name for it.
 */
label: string | null,
/**
 * The last offset the checkpoint covers: the session's head when it was made. It may
 * fall below the session's first stored offset once trimming passed it: the checkpoint
 * stays, as a label.
 */
offset: number,
/**
 * When it was made, RFC 3339 UTC with milliseconds.
 */
created_at: string, };

/**
 * The query parameters of `GET /api/sessions`.
 */
export type ListSessionsParams = {
/**
 * `active` (starting, running or idle) or `all` [default: all].
 */
status?: SessionFilter,
/**
 * The most sessions returned, newest first [default: 100, max: 1000].
 */
limit?: number,
/**
 * The `next_cursor` of the previous page: the sessions after it.
 */
cursor?: string, };

/**
 * Which sessions a list returns (`GET /api/sessions?status=active`).
 */
export type SessionFilter = "active" | "all";

/**
 * The body of `POST /api/sessions`.
 */
export type CreateSession = {
/**
 * Program and arguments, e.g. `["claude"]` or `["claude", "--model", "sonnet"]`. The
 * program must be on the server's allow-list (`allow_commands`). Claude Code runs in
 * control mode (see `control`) unless the command drives its own input.
 */
command: Array<string>,
/**
 * Working directory [default: the server's].
 */
cwd?: string,
/**
 * A human name for the session.
 */
label?: string,
/**
 * Session id [default: a new random id].
 */
session_id?: string,
/**
 * Its project: a path (with a `/`, or `.`, `..`, `~`; relative to `cwd`) means that
 * directory's project (its git root), anything else the project of that name, created if
 * need be [default: the project of `cwd`].
 */
project?: string,
/**
 * The first prompt of a session in control mode [default: none: the session waits,
 * idle, for a `prompt`].
 */
prompt?: string,
/**
 * Run Claude Code in control mode (stream-json in and out, permission requests
 * answered by watchers, alive across turns) [default: true]; false runs the command
 * as given, one-shot.
 */
control?: boolean, };

/**
 * An answer to a permission request: the body of
 * `POST /api/sessions/{id}/permissions/{request_id}`.
 */
export type PermissionAnswer = {
/**
 * `allow` or `deny`.
 */
decision: PermissionDecision,
/**
 * What a denial tells the agent [default: "Denied by <who> through agentcast"].
 */
message?: string,
/**
 * The input the tool runs with instead of the one requested (allow only).
 */
updated_input?: unknown,
/**
 * Suggestions of the request to apply as well ("always allow"), as the request listed
 * them (allow only).
 */
updated_permissions?: unknown[], };

/**
 * The answer to `POST /api/sessions`: the process started.
 */
export type CreatedSession = {
/**
 * The new session's id.
 */
session_id: string,
/**
 * The Socket.IO namespace to watch it on.
 */
namespace: string, };

/**
 * The answer to `DELETE /api/sessions/{id}` while its process is being stopped (202).
 */
export type Stopping = {
/**
 * The session whose process is stopping.
 */
session_id: string,
/**
 * Always true.
 */
stopping: boolean, };

/**
 * The body of `POST /api/sessions/{id}/checkpoint`; the body may also be empty.
 */
export type CreateCheckpoint = {
/**
 * A human name for it.
 */
label?: string, };

/**
 * The query parameters of `GET /api/sessions/{id}/events`, the semantics of the
 * `get_history` command (`GetHistoryArgs`); the answer is a `HistoryPage`.
 */
export type HistoryParams = {
/**
 * Comma-separated type patterns, e.g. `tool.*,output.text` [default: every type].
 */
types?: string,
/**
 * Only events with a greater offset.
 */
after?: number,
/**
 * Only events with a smaller offset. Given without `after`, the page is the newest
 * events before it (paging back); otherwise the oldest after `after`.
 */
before?: number,
/**
 * The most events returned [default and max: 1000].
 */
limit?: number, };

/**
 * The body of `GET /api/projects`: every project, by id.
 */
export type ProjectList = {
/**
 * The projects.
 */
projects: Array<Project>, };

/**
 * A project, as stored and as every project route answers.
 */
export type Project = {
/**
 * 1 to 128 letters, digits, `-`, `_` or `.`.
 */
id: string,
/**
 * Its human name.
 */
name: string,
/**
 * Free-form settings, a JSON object.
 */
settings: JsonValue,
/**
 * When it was created, RFC 3339 UTC with milliseconds.
 */
created_at: string,
/**
 * The directory it is the project of (a git root, or a working directory outside any
 * work tree); none for a project made by name.
 */
path?: string | null,
/**
 * Its sessions, deleted ones left out (as the store counts them; `0` when creating).
 */
session_count: number, };

/**
 * The body of `POST /api/projects`. (`PUT /api/projects/{id}/settings` takes the new
 * settings object itself.)
 */
export type CreateProject = {
/**
 * 1 to 128 letters, digits, `-`, `_` or `.` [default: a new random id].
 */
id?: string,
/**
 * 1 to 200 characters.
 */
name: string,
/**
 * Free-form settings [default: `{}`].
 */
settings?: { [key in string]: JsonValue }, };

/**
 * How to start one MCP server over stdio, as MCP clients configure it: the body of
 * `POST /api/mcp-servers`.
 */
export type McpServerConfig = {
/**
 * The name the user knows the server by (the key in an `mcpServers` table): 1 to 128
 * letters, digits, `-`, `_` or `.`.
 */
name: string,
/**
 * The program that starts the server, looked up on `PATH` like a shell would.
 */
command: string,
/**
 * Its arguments [default: none].
 */
args: Array<string>,
/**
 * Extra environment variables for it (API keys go here) [default: none].
 */
env: { [key in string]: string }, };

/**
 * The body of `GET /api/mcp-servers`: every configured server, by name.
 */
export type McpServerList = {
/**
 * The servers.
 */
servers: Array<McpServer>, };

/**
 * A configured MCP server: its configuration and when it was added.
 */
export type McpServer = {
/**
 * When it was added, RFC 3339 UTC with milliseconds.
 */
created_at: string,
/**
 * The name the user knows the server by (the key in an `mcpServers` table): 1 to 128
 * letters, digits, `-`, `_` or `.`.
 */
name: string,
/**
 * The program that starts the server, looked up on `PATH` like a shell would.
 */
command: string,
/**
 * Its arguments [default: none].
 */
args: Array<string>,
/**
 * Extra environment variables for it (API keys go here) [default: none].
 */
env: { [key in string]: string }, };

/**
 * The query parameters of `POST /api/mcp-servers/{name}/test`.
 */
export type McpTestParams = {
/**
 * How long the server gets to answer `initialize` [default: 10000, max: 60000].
 */
timeout_ms?: number, };

/**
 * The outcome of a check: `ok` and what the server said, or why it failed.
 */
export type McpTestReport = {
/**
 * The server answered `initialize`.
 */
ok: boolean,
/**
 * `serverInfo.name`, when it answered.
 */
server_name: string | null,
/**
 * `serverInfo.version`, when it gave one.
 */
server_version: string | null,
/**
 * The protocol revision the server chose.
 */
protocol_version: string | null,
/**
 * Its capabilities object as sent.
 */
capabilities: JsonValue | null,
/**
 * Usage hints the server gives to the model, if any.
 */
instructions: string | null,
/**
 * Why it failed.
 */
error: string | null,
/**
 * The end of its stderr, where servers explain a failure.
 */
stderr_tail: string | null,
/**
 * How long the check took.
 */
duration_ms: number, };

/**
 * The query parameters of every analytics route.
 */
export type AnalyticsParams = {
/**
 * `day`, `model` or `project` [default: day].
 */
group_by?: GroupBy,
/**
 * Sessions started at or after this RFC 3339 time or date (`2026-11-01`).
 */
from?: string,
/**
 * Sessions started before this RFC 3339 time or date.
 */
to?: string, };

/**
 * What rows are grouped by.
 */
export type GroupBy = "day" | "model" | "project";

/**
 * The body of `GET /api/analytics/usage`.
 */
export type UsageReport = {
/**
 * What the rows are grouped by.
 */
group_by: GroupBy,
/**
 * One row per group, by key, the `null` group last.
 */
rows: Array<UsageRow>, };

/**
 * Tokens of one group.
 */
export type UsageRow = {
/**
 * The day, model or project; `null` groups the sessions without one.
 */
key: string | null,
/**
 * Sessions in the group.
 */
sessions: number,
/**
 * Their input tokens.
 */
input_tokens: number,
/**
 * Their output tokens.
 */
output_tokens: number,
/**
 * Their tokens read from the prompt cache.
 */
cache_read_tokens: number,
/**
 * Their tokens written to the prompt cache.
 */
cache_creation_tokens: number, };

/**
 * The body of `GET /api/analytics/costs`.
 */
export type CostReport = {
/**
 * What the rows are grouped by.
 */
group_by: GroupBy,
/**
 * One row per group, by key, the `null` group last.
 */
rows: Array<CostRow>,
/**
 * The sum over the rows.
 */
total_cost_usd: number, };

/**
 * Cost of one group.
 */
export type CostRow = {
/**
 * The day, model or project; `null` groups the sessions without one.
 */
key: string | null,
/**
 * Sessions in the group.
 */
sessions: number,
/**
 * The sum of the sessions' cumulative costs in USD (those without one count 0).
 */
total_cost_usd: number, };

/**
 * The body of `GET /api/analytics/sessions`.
 */
export type SessionsReport = {
/**
 * What the rows are grouped by.
 */
group_by: GroupBy,
/**
 * One row per group, by key, the `null` group last.
 */
rows: Array<SessionStatsRow>, };

/**
 * Session counts, outcomes and durations of one group.
 */
export type SessionStatsRow = {
/**
 * The day, model or project; `null` groups the sessions without one.
 */
key: string | null,
/**
 * Sessions in the group.
 */
sessions: number,
/**
 * Of them, completed.
 */
completed: number,
/**
 * Failed.
 */
failed: number,
/**
 * Cancelled.
 */
cancelled: number,
/**
 * Interrupted.
 */
interrupted: number,
/**
 * Still starting, running or idle.
 */
active: number,
/**
 * Completed over ended (completed, failed, cancelled or interrupted); `null` when none
 * has ended.
 */
success_rate: number | null,
/**
 * Mean duration of the sessions that reported one; `null` when none did.
 */
avg_duration_ms: number | null,
/**
 * The sum of the durations reported.
 */
total_duration_ms: number, };

/**
 * The body of `GET /api/auth/whoami`: the claims of the caller's token.
 */
export type WhoAmI = {
/**
 * The token's subject.
 */
sub: string,
/**
 * `read`, `write`, `control`, `admin`.
 */
scope: Array<Scope>,
/**
 * Session ids, or `*`.
 */
sessions: Array<string>,
/**
 * The project the token is limited to.
 */
project: string | null,
/**
 * Seconds since the Unix epoch.
 */
exp: number,
/**
 * When the token was issued, seconds since the Unix epoch.
 */
iat: number,
/**
 * Seconds until `exp`.
 */
expires_in_s: number,
/**
 * False when the server runs with `--auth none`.
 */
auth_enabled: boolean,
/**
 * The programs this caller may start with `POST /api/sessions`: the server's
 * allow-list for an admin token, empty otherwise.
 */
may_start: Array<string>, };

/**
 * The body of `POST /api/auth/refresh`.
 */
export type RefreshedToken = {
/**
 * The new token: the same claims and lifetime, starting now.
 */
token: string,
/**
 * The new `exp`, seconds since the Unix epoch.
 */
expires_at: number, };

/**
 * The body of `GET /health` (200 when `ok` or `degraded`, 503 when `failing`).
 */
export type Health = {
/**
 * `ok`; `degraded` when it serves but something is wrong (a collector stopped, an
 * error of the server in the last minute); `failing` when the database does not answer.
 */
status: HealthStatus,
/**
 * `ok` or `error` (the detail is in the server log).
 */
database: DatabaseStatus,
/**
 * The server's version.
 */
version: string,
/**
 * Seconds since the server started.
 */
uptime_s: number,
/**
 * Sockets connected now, over every namespace.
 */
connections: number,
/**
 * Rooms with at least one member now (a room is a namespace's subscribed event type).
 */
rooms: number,
/**
 * The transcript collector.
 */
collector: CollectorState,
/**
 * The connection that brings other servers' events, when several servers share one
 * PostgreSQL; `off` for a server alone on its store.
 */
broker: BrokerState, };

/**
 * Whether a server that shares its store with others hears of their events.
 */
export type BrokerState = "off" | "connected" | "lost";

/**
 * What the transcript collector is doing.
 */
export type CollectorState = "off" | "importing" | "following" | "stopped";

/**
 * Whether the database answered.
 */
export type DatabaseStatus = "ok" | "error";

/**
 * Whether the server serves fully.
 */
export type HealthStatus = "ok" | "degraded" | "failing";

/**
 * What an ndjson body did: lines read and refused, bytes, and the head after it.
 */
export type StreamIngest = {
/**
 * Lines read.
 */
lines: number,
/**
 * Lines that were malformed or could not be mapped (counted, not fatal).
 */
errors: number,
/**
 * Bytes read.
 */
bytes: number,
/**
 * The session's latest offset after the body.
 */
head_offset: number, };

/**
 * The answer to `POST /api/hooks`.
 */
export type HookIngested = {
/**
 * The session the payload named.
 */
session_id: string,
/**
 * The session's latest offset after the payload's events.
 */
head_offset: number, };

/**
 * The answer to `POST /api/hooks/approve`: what the `PermissionRequest` hook tells Claude
 * Code (`ask`: nothing, so Claude Code shows its own prompt).
 */
export type HookDecision = {
/**
 * The request it answers (as `permission.requested` named it).
 */
request_id: string,
/**
 * `allow`, `deny` or `ask`.
 */
decision: PermissionDecision,
/**
 * Who answered (a token's subject), absent for `ask` after the wait.
 */
by?: string,
/**
 * What a denial tells the agent.
 */
message?: string,
/**
 * The input the tool runs with instead of the requested one (allow only).
 */
updated_input?: unknown, };

/**
 * The query parameters of `POST /api/hooks/approve`.
 */
export type ApproveParams = {
/**
 * How long to wait for a watcher's answer, in seconds, before answering `ask`
 * [default and max: the server's `--permission-timeout-s`].
 */
wait_s?: number, };

/**
 * The body of every error answer of the REST API; its `error` is the same `ErrorBody` a
 * failed Socket.IO command acknowledges with.
 */
export type ErrorResponse = {
/**
 * What failed and why.
 */
error: ErrorBody, };

/** Every event type (the Socket.IO event name of its envelope). */
export type EventType =
  | "session.started"
  | "session.status"
  | "session.checkpoint"
  | "session.ended"
  | "session.recovered"
  | "permission.requested"
  | "permission.resolved"
  | "session.presence"
  | "output.text"
  | "output.thinking"
  | "output.stderr"
  | "user.prompt"
  | "tool.started"
  | "tool.completed"
  | "agent.delegation"
  | "todo.updated"
  | "usage.updated"
  | "agent.raw"
  | "agent.error"
  | "agent.hook"
  | "agent.task"
  | "agent.notification"
  | "system.stats"
  | "system.error"
  | "tmux.window_opened"
  | "tmux.window_renamed"
  | "tmux.window_closed"
  | "tmux.pane_opened"
  | "tmux.pane_command_changed"
  | "tmux.pane_exited"
  | "tmux.pane_closed"
  | "tmux.agent_detected"
  | "tmux.agent_ended";

/**
 * Server-to-client events: each event type is emitted under its own name with one
 * argument, its envelope. Type a socket with
 * `const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url)`.
 */
export interface ServerToClientEvents {
  "session.started": (envelope: Envelope<SessionStarted>) => void;
  "session.status": (envelope: Envelope<SessionStatus>) => void;
  "session.checkpoint": (envelope: Envelope<SessionCheckpoint>) => void;
  "session.ended": (envelope: Envelope<SessionEnded>) => void;
  "session.recovered": (envelope: Envelope<SessionRecovered>) => void;
  "permission.requested": (envelope: Envelope<PermissionRequested>) => void;
  "permission.resolved": (envelope: Envelope<PermissionResolved>) => void;
  "session.presence": (envelope: Envelope<SessionPresence>) => void;
  "output.text": (envelope: Envelope<OutputText>) => void;
  "output.thinking": (envelope: Envelope<OutputThinking>) => void;
  "output.stderr": (envelope: Envelope<OutputStderr>) => void;
  "user.prompt": (envelope: Envelope<UserPrompt>) => void;
  "tool.started": (envelope: Envelope<ToolStarted>) => void;
  "tool.completed": (envelope: Envelope<ToolCompleted>) => void;
  "agent.delegation": (envelope: Envelope<AgentDelegation>) => void;
  "todo.updated": (envelope: Envelope<TodoUpdated>) => void;
  "usage.updated": (envelope: Envelope<UsageUpdated>) => void;
  "agent.raw": (envelope: Envelope<AgentRaw>) => void;
  "agent.error": (envelope: Envelope<AgentError>) => void;
  "agent.hook": (envelope: Envelope<AgentHook>) => void;
  "agent.task": (envelope: Envelope<AgentTask>) => void;
  "agent.notification": (envelope: Envelope<AgentNotification>) => void;
  "system.stats": (envelope: Envelope<SystemStats>) => void;
  "system.error": (envelope: Envelope<SystemError>) => void;
  "tmux.window_opened": (envelope: Envelope<TmuxWindowOpened>) => void;
  "tmux.window_renamed": (envelope: Envelope<TmuxWindowRenamed>) => void;
  "tmux.window_closed": (envelope: Envelope<TmuxWindowClosed>) => void;
  "tmux.pane_opened": (envelope: Envelope<TmuxPaneOpened>) => void;
  "tmux.pane_command_changed": (envelope: Envelope<TmuxPaneCommandChanged>) => void;
  "tmux.pane_exited": (envelope: Envelope<TmuxPaneExited>) => void;
  "tmux.pane_closed": (envelope: Envelope<TmuxPaneClosed>) => void;
  "tmux.agent_detected": (envelope: Envelope<TmuxAgentDetected>) => void;
  "tmux.agent_ended": (envelope: Envelope<TmuxAgentEnded>) => void;
}

/**
 * Client-to-server commands: each takes its arguments and an acknowledgement callback
 * that receives `{ ok: result }` or `{ error: { code, message } }`.
 */
export interface ClientToServerEvents {
  subscribe: (args: SubscribeArgs, ack: (res: Ack<Subscription>) => void) => void;
  unsubscribe: (args: SubscribeArgs, ack: (res: Ack<Subscription>) => void) => void;
  get_history: (args: GetHistoryArgs, ack: (res: Ack<HistoryPage>) => void) => void;
  get_status: (args: GetStatusArgs, ack: (res: Ack<SessionStatusReport | HubStatusReport>) => void) => void;
  ingest: (args: IngestArgs, ack: (res: Ack<IngestResult>) => void) => void;
  publish: (args: PublishArgs, ack: (res: Ack<PublishResult>) => void) => void;
  "auth.refresh": (args: RefreshArgs, ack: (res: Ack<Refreshed>) => void) => void;
  ping: (args: PingArgs, ack: (res: Ack<Pong>) => void) => void;
  prompt: (args: PromptArgs, ack: (res: Ack<PromptResult>) => void) => void;
  interrupt: (args: InterruptArgs, ack: (res: Ack<InterruptResult>) => void) => void;
  "permission.respond": (args: PermissionRespondArgs, ack: (res: Ack<PermissionResponded>) => void) => void;
  end: (args: InterruptArgs, ack: (res: Ack<EndResult>) => void) => void;
}
