// TGrid 1.2.1 benchmark server: the same service as the wsgrid benchmark server.
// Usage: node bench-server.js   (listens on 127.0.0.1, a free port; prints {"event":"listening","port":P};
// exits when stdin closes)
// Bound to loopback by an http server upgraded with WebSocketAcceptor.upgrade, the code path TGrid's own
// WebSocketServer takes for every connection.
const { WebSocketAcceptor } = require("tgrid");
const http = require("http");
const WS = require("ws");

class Bench {
  plus(x, y) { return x + y; }
  echo(payload) { return payload; }
  fail(message) { throw new RangeError(message); }
  slow(ms) { return new Promise((r) => setTimeout(() => r(ms), ms)); }
}

async function main() {
  const wss = new WS.Server({ noServer: true });
  const server = http.createServer();
  server.on("upgrade", (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) =>
      WebSocketAcceptor.upgrade(request, ws, (acceptor) => acceptor.accept(new Bench()))));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  process.stdout.write(JSON.stringify({ event: "listening", port: server.address().port }) + "\n");
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
