// TGrid 1.2.1 benchmark server: the same service as the wsgrid benchmark server.
// Usage: node [--expose-gc] bench-server.js   (listens on 127.0.0.1, a free port; prints {"event":"listening","port":P};
// exits when stdin closes)
// Bound to loopback by an http server upgraded with WebSocketAcceptor.upgrade, the code path TGrid's own
// WebSocketServer takes for every connection.
// The connections and fan-out workload (wsgrid's client-scale) calls join, broadcast and stats: a broadcast
// calls deliver(seq) on the driver of every acceptor in the room, TGrid's way (TGrid has no notifications,
// so every member answers; the answers are not awaited). stats reads the V8 heap plus external memory
// (Buffers) after full collections when node runs with --expose-gc.
const { WebSocketAcceptor } = require("tgrid");
const fs = require("fs");
const http = require("http");
const WS = require("ws");

const rooms = new Map(); // room -> Set of member drivers
const acceptors = new Set();

class Bench {
  constructor(acceptor) { this.acceptor = acceptor; }
  plus(x, y) { return x + y; }
  echo(payload) { return payload; }
  fail(message) { throw new RangeError(message); }
  slow(ms) { return new Promise((r) => setTimeout(() => r(ms), ms)); }

  join(room) {
    let members = rooms.get(room);
    if (members === undefined) rooms.set(room, (members = new Set()));
    const driver = this.acceptor.getDriver();
    members.add(driver);
    this.acceptor.join().then(() => members.delete(driver), () => members.delete(driver));
    return members.size;
  }

  broadcast(room, seq) {
    const members = rooms.get(room);
    if (members === undefined) return 0;
    for (const driver of members) driver.deliver(seq).catch(() => {});
    return members.size;
  }

  async stats(gc) {
    if (gc && typeof global.gc === "function") {
      for (let i = 0; i < 4; ++i) {
        global.gc();
        await new Promise((r) => setImmediate(r));
      }
    }
    const m = process.memoryUsage();
    let threads = 1;
    try { threads = fs.readdirSync("/proc/self/task").length; } catch (e) { /* not Linux */ }
    return { heapUsedBytes: m.heapUsed + m.external, threads, connections: acceptors.size, pendingCalls: 0, runningCalls: 0 };
  }
}

async function main() {
  const wss = new WS.Server({ noServer: true });
  const server = http.createServer();
  server.on("upgrade", (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) =>
      WebSocketAcceptor.upgrade(request, ws, async (acceptor) => {
        await acceptor.accept(new Bench(acceptor));
        acceptors.add(acceptor);
        acceptor.join().then(() => acceptors.delete(acceptor), () => acceptors.delete(acceptor));
      })));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  process.stdout.write(JSON.stringify({ event: "listening", port: server.address().port, engine: "node" }) + "\n");
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
