// The official socket.io server (npm socket.io 4.8, from tests/js/node_modules) as a
// reference for agentcast-client's protocol tests (client-wasm/tests/node_reference.rs).
// Started by the test; prints `listening on <port>` once it accepts connections.
//
//   /        echo with ack, events back, binary both ways, server-side disconnect and close
//   /custom  a second namespace on the same connection
//   /admin   refuses a connect whose auth token is not "secret"

import { createServer } from "node:http";
import { Server } from "socket.io";

const http = createServer();
const io = new Server(http, {
  // A short heartbeat, so the test sees several pings in a couple of seconds.
  pingInterval: 300,
  pingTimeout: 200,
  transports: ["websocket", "polling"],
});

function common(socket) {
  socket.on("echo", (...args) => {
    const ack = typeof args.at(-1) === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
  socket.on("emit-back", (...args) => socket.emit("echoed", ...args));
  socket.on("nsp", (...args) => {
    const ack = args.at(-1);
    if (typeof ack === "function") ack(socket.nsp.name);
  });
}

io.of("/").on("connection", (socket) => {
  common(socket);
  socket.on("binary", (data, ack) => {
    if (!Buffer.isBuffer(data) || typeof ack !== "function") return;
    const reversed = Buffer.from(data).reverse();
    socket.emit("binary-back", { label: "reversed", data: reversed });
    ack(Buffer.from(data), "raw");
  });
  socket.on("disconnect-me", () => socket.disconnect());
  socket.on("close-engine", () => socket.conn.close());
});

io.of("/custom").on("connection", (socket) => {
  common(socket);
  socket.emit("welcome", { nsp: "/custom" });
});

const admin = io.of("/admin");
admin.use((socket, next) => {
  if (socket.handshake.auth?.token === "secret") next();
  else next(new Error("unauthorized: bad token"));
});
admin.on("connection", (socket) => {
  common(socket);
  socket.emit("welcome", { nsp: "/admin", auth: socket.handshake.auth });
});

http.listen(0, "127.0.0.1", () => {
  console.log(`listening on ${http.address().port}`);
});
// The test kills this process; stdin closing (the test went away) ends it too.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
