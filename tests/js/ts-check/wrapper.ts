// A typed program on the JavaScript client (shared/ts/client.mjs): if its declarations stop
// matching the generated types, or what a user writes with them, `tsc -p .` fails.
// Type-checked only, never run (tests/js/client.test.mjs runs the client).
import { AgentcastError, connect, type SessionEvent, type ToolStarted } from "../../../shared/ts/client.mjs";

async function follow(token: string): Promise<void> {
  const hub = connect("http://127.0.0.1:8080", { token, ackTimeoutMs: 5000 });
  const session = hub.session("demo-1", {
    fromOffset: 0,
    types: ["tool.*", "output.text", "session.ended"],
    maxBuffered: 1000,
    onGap: ({ from, to }) => console.warn(`offsets ${from}..${to} are no longer kept`),
    signal: AbortSignal.timeout(60_000),
  });
  for await (const event of session) {
    const offset: number = event.offset;
    if (event.type === "output.text") console.log(offset, event.data.text);
    if (event.type === "tool.started") {
      const started: ToolStarted = event.data;
      console.log(started.name, started.input);
    }
    if (event.type === "permission.requested") {
      await session.respondPermission({ request_id: event.data.request_id, decision: "deny", message: "no" });
    }
    if (event.type === "session.ended") break;
  }
  try {
    const { queued, ahead } = await session.prompt("and now the tests");
    console.log(queued, ahead);
    const page = await session.request("get_history", { after: 0, limit: 10 }, { timeoutMs: 2000 });
    const first: SessionEvent | undefined = page.events[0] as SessionEvent | undefined;
    console.log(page.head_offset, page.has_more, first?.type);
    const { interrupted } = await session.interrupt();
    const { ending } = await session.end();
    console.log(interrupted, ending, session.lastOffset, session.id);
  } catch (err) {
    if (err instanceof AgentcastError && err.code === "forbidden") console.error(err.message);
    else throw err;
  }
  session.close();
  hub.close();
}
void follow("token");
