// A real TGrid 1.2.1 client that the JVM interop tests run against wsgrid servers.
// Usage: node tgrid-client.js <scenario> <url> [args...]
// It prints one JSON object per line ({"event": ...}) and exits 0 once its scenario ran;
// the JVM test judges what it printed.
const { WebSocketConnector } = require("tgrid");

const [, , scenario, url, ...args] = process.argv;
const print = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const errorOf = async (promise) => {
  try {
    await promise;
    return null;
  } catch (e) {
    // TGrid rejects with the error value as it travelled: an Error's fields, or a plain object or value
    if (e instanceof Error) return { name: e.name, message: e.message, status: e.status };
    if (e !== null && typeof e === "object" && "message" in e) return { name: e.name, message: e.message };
    return { thrown: e };
  }
};

async function connect(header, provider) {
  const connector = new WebSocketConnector(header, provider);
  try {
    await connector.connect(url);
  } catch (e) {
    print({ event: "rejected", status: e.status, message: e.message });
    process.exit(0);
  }
  return connector;
}

const scenarios = {
  // TGrid's calculator, nested and variadic calls, errors, 500 concurrent calls
  async calculator(token) {
    const connector = await connect(token === undefined ? null : { token }, null);
    const calc = connector.getDriver();
    const concurrent = await Promise.all(Array.from({ length: 500 }, (_, i) => calc.plus(i, i)));
    print({
      event: "results",
      plus: await calc.plus(1, 2),
      minus: await calc.minus(7, 10),
      multiplies: await calc.multiplies(6, 7),
      divides: await calc.divides(6, 4),
      pow: await calc.scientific.pow(2, 10),
      sqrt: await calc.scientific.sqrt(16),
      log: await calc.scientific.log(2, 8),
      mean: await calc.statistics.mean(1, 2, 3, 4),
      stdev: await calc.statistics.stdev(2, 4, 4, 4, 5, 5, 7, 9),
      concurrentOk: concurrent.every((v, i) => v === 2 * i),
      divideByZero: await errorOf(calc.divides(1, 0)),
      sqrtNegative: await errorOf(calc.scientific.sqrt(-1)),
      missing: await errorOf(calc.nothing()),
      underscore: await errorOf(calc._secret()),
      prototype: await errorOf(calc.scientific.prototype.pow(1, 1)),
    });
    await connector.close();
    print({ event: "closed" });
  },

  // values of every JSON kind through a JVM echo provider, and the JVM calling this client back
  async values() {
    const provider = { hello: (name) => `hello, ${name} (from node)`, never: () => new Promise(() => {}) };
    const connector = await connect(null, provider);
    const v = connector.getDriver();
    print({
      event: "results",
      long: await v.echoLong(9007199254740991),
      beyond: await v.echoLong(9007199254740993),
      double: await v.echoDouble(-0.125),
      text: await v.echoText("héllo ✓ 🚀 \u0000 \"quoted\""),
      yes: await v.echoBool(true),
      nothing: await v.echoNullable(null),
      absent: await v.echoNullable(undefined),
      list: await v.echoList([1, 2, 3]),
      nested: await v.echoNested({ name: "n", points: [{ x: 1, y: 2 }], extra: "ignored" }),
      date: await v.echoDate(new Date(Date.UTC(2026, 10, 22, 10, 15, 30))),
      voidReturn: await v.touch(),
      callback: await v.greetBack("node"),
    });
    await connector.close();
    print({ event: "closed" });
  },

  // a call that never returns, failed by the server's close
  async pending() {
    const connector = await connect(null, { never: () => new Promise(() => {}) });
    const v = connector.getDriver();
    const failure = errorOf(v.hold());
    print({ event: "pending" });
    print({ event: "failed", error: await failure });
    process.exit(0);
  },

  // a call from the server left pending here, then this side closes
  async closer() {
    const connector = await connect(null, { never: () => new Promise(() => {}) });
    connector.getDriver().startCallingBack().catch(() => {});
    await new Promise((r) => setTimeout(r, Number(args[0] || 300)));
    await connector.close();
    print({ event: "closed" });
  },

  // a client with a call pending on the server, and the server's call to it pending: then it is killed
  async victim() {
    const connector = await connect(null, { never: () => new Promise(() => {}) });
    const v = connector.getDriver();
    v.hold().catch(() => {});
    v.startCallingBack().catch(() => {});
    print({ event: "pending" });
    await new Promise(() => {});
  },

  // a TGrid client on a server that also serves wsgrid clients: it must see TGrid's frames only
  async mixed() {
    const connector = await connect(null, null);
    const frames = [];
    const socket = connector.socket_;
    const handle = socket.onmessage;
    socket.onmessage = (evt) => {
      frames.push(typeof evt.data === "string" ? evt.data : "<binary>");
      handle(evt);
    };
    const m = connector.getDriver();
    print({
      event: "results",
      subprotocol: socket.protocol,
      echo: await m.echo("from tgrid"),
      stream: await errorOf(m.count(3)),
      afterStream: await m.echo("still fine"),
      frames,
    });
    await connector.close();
    print({ event: "closed" });
  },

  // two participants of a chat room, in one process
  async chat() {
    const lines = { alice: [], bob: [] };
    const printer = (who) => ({ print: (name, message) => lines[who].push(`${name}: ${message}`) });
    const alice = await connect(null, printer("alice"));
    const bob = await connect(null, printer("bob"));
    const a = alice.getDriver();
    const b = bob.getDriver();
    const early = await errorOf(a.talk("hello?"));
    const names = [await a.setName("alice"), await b.setName("alice"), await b.setName("bob")];
    await a.talk("hi bob");
    await b.talk("hi alice");
    await a.talk("bye");
    print({ event: "results", early, names, alice: lines.alice, bob: lines.bob });
    await bob.close();
    await alice.close();
    print({ event: "closed" });
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}; one of ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
run(...args).catch((e) => {
  print({ event: "crashed", name: e.name, message: e.message, stack: e.stack });
  process.exit(1);
});
