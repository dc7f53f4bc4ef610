// A real TGrid 1.2.1 server that the JVM interop tests run wsgrid connectors against.
// Usage: node tgrid-server.js
// Listens on 127.0.0.1 on a free port (an http server bound to loopback, upgraded with
// WebSocketAcceptor.upgrade: the code path TGrid's WebSocketServer uses), prints
// {"event":"listening","port":P}, and obeys lines on stdin:
//   close CODE REASON   every client is closed with that code and reason
//   terminate           every client's socket is dropped (what WebSocketServer.close() does)
const { WebSocketAcceptor } = require("tgrid");
const http = require("http");
const WS = require("ws");
const readline = require("readline");

const print = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const acceptors = new Set();

class Calculator {
  constructor(acceptor) {
    this.acceptor = acceptor;
    this.scientific = {
      pow: (x, y) => Math.pow(x, y),
      sqrt: (x) => {
        if (x < 0) throw new Error("Negative value on square.");
        return Math.sqrt(x);
      },
      log: (x, y) => Math.log(y) / Math.log(x),
    };
    this.statistics = {
      mean: (...elems) => elems.reduce((a, b) => a + b, 0) / elems.length,
      stdev: (...elems) => {
        const mean = elems.reduce((a, b) => a + b, 0) / elems.length;
        return Math.sqrt(elems.reduce((a, b) => a + (b - mean) ** 2, 0) / elems.length);
      },
    };
  }
  plus(x, y) { return x + y; }
  minus(x, y) { return x - y; }
  multiplies(x, y) { return x * y; }
  divides(x, y) {
    if (y === 0) throw new Error("Divided by zero.");
    return x / y;
  }
  fail(kind) {
    if (kind === "string") throw "just a string";
    const e = new RangeError("out of range");
    e.code = 42;
    throw e;
  }
  // replies come back out of order: a later call with a shorter delay answers first
  delay(ms, tag) {
    return new Promise((r) => setTimeout(() => r(tag), ms));
  }
  echo(value) { return value; }
  big() { return 2 ** 53 + 2; }
  date() { return new Date(Date.UTC(2026, 10, 22, 10, 15, 30)); }
  nothing() {}
  callClient(message) { return this.acceptor.getDriver().print(message); }
  never() { return new Promise(() => {}); }
}

async function main() {
  const wss = new WS.Server({ noServer: true });
  const server = http.createServer();
  const handler = (ws) => async (acceptor) => {
    if (acceptor.header && acceptor.header.token === "bad") {
      await acceptor.reject(4001, "bad token");
      return;
    }
    acceptors.add(acceptor);
    await acceptor.accept(new Calculator(acceptor));
    acceptor.join().then(() => acceptors.delete(acceptor)).catch(() => {});
    // TGrid never sends binary frames; a wsgrid client must ignore one all the same
    ws.send(Buffer.from([1, 2, 3]));
  };
  server.on("upgrade", (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => WebSocketAcceptor.upgrade(request, ws, handler(ws))));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  print({ event: "listening", port: server.address().port });

  readline.createInterface({ input: process.stdin }).on("line", async (line) => {
    const [command, code, ...reason] = line.trim().split(" ");
    if (command === "close") for (const a of acceptors) await a.close(Number(code), reason.join(" ")).catch(() => {});
    else if (command === "terminate") for (const ws of wss.clients) ws.terminate();
    print({ event: "done", command });
  });
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
