// One session followed with the official socket.io-client by a client behind several servers
// of one agentcast cluster (tests/tests/cluster.rs runs it). It connects to the first URL of
// its list with its last offset, as every agentcast client recovers; when the server goes away
// (or refuses the connection) it moves to the next URL with the offset it has, as a client
// behind a load balancer would. Prints one JSON line per thing it sees:
//   {"connected": url} / {"disconnected": url, "reason"}
//   {"offset": n, "type": t, "url": url}   every event of the stream, in the order received
//   {"recovered": true|false, "url": url}  the end of a catch-up (session.recovered)
// It never filters or reorders: the test checks the offsets.
//
// Run: node tests/js/cluster/follow.mjs http://127.0.0.1:1,http://127.0.0.1:2 <session>

import { io } from "socket.io-client";

const [urls, session] = process.argv.slice(2);
if (!urls || !session) {
  console.error("usage: follow.mjs <url>[,<url>...] <session id>");
  process.exit(2);
}
const servers = urls.split(",");
const print = (line) => console.log(JSON.stringify(line));

let last = 0;
let next = 0;

function connect() {
  const url = servers[next % servers.length];
  const socket = io(`${url}/sessions/${session}`, {
    auth: { offset: last },
    transports: ["websocket"],
    reconnection: false,
  });
  const moveOn = () => {
    socket.removeAllListeners();
    socket.close();
    next += 1;
    setTimeout(connect, 100);
  };
  socket.on("connect", () => print({ connected: url }));
  socket.on("connect_error", (err) => {
    print({ connect_error: url, reason: err.message });
    moveOn();
  });
  socket.on("disconnect", (reason) => {
    print({ disconnected: url, reason });
    moveOn();
  });
  socket.onAny((type, envelope) => {
    if (type === "session.recovered") {
      print({ recovered: envelope.data.recovered, url });
    } else if (envelope && envelope.offset > 0) {
      last = Math.max(last, envelope.offset);
      print({ offset: envelope.offset, type, url });
    }
  });
}

connect();
