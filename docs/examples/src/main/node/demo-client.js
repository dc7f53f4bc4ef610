// The demo's TGrid 1.2.1 client (node): it calls the JVM server's calculator, then joins its chat.
// Usage: node demo-client.js <ws://host:port>
// It prints what it does, one line each, and exits 0 when everything answered as expected.
const { WebSocketConnector } = require("tgrid");

const base = process.argv[2];
const say = (line) => process.stdout.write(`  ${line}\n`);
let failed = 0;
const check = (what, value, expected) => {
  const ok = value === expected;
  if (!ok) failed++;
  say(`${what.padEnd(38)} = ${String(value).padEnd(8)} ${ok ? "✓" : `✗ expected ${expected}`}`);
};

async function main() {
  const calculator = new WebSocketConnector({ token: "demo" }, null);
  await calculator.connect(`${base}/calculator`);
  say(`node client: connected to ${base}/calculator with TGrid's own WebSocketConnector`);
  const calc = calculator.getDriver();
  check("calc.plus(1, 2)", await calc.plus(1, 2), 3);
  check("calc.scientific.sqrt(16)", await calc.scientific.sqrt(16), 4);
  check("calc.statistics.mean(1, 2, 3, 4)", await calc.statistics.mean(1, 2, 3, 4), 2.5);
  try {
    await calc.divides(1, 0);
    failed++;
    say("calc.divides(1, 0) did not fail ✗");
  } catch (e) {
    say(`${"calc.divides(1, 0)".padEnd(38)} ! ${e.name}: ${e.message} ✓`);
  }
  await calculator.close();

  // the chat: the JVM server calls this printer back for every message said in the room
  let answered;
  const answer = new Promise((resolve) => (answered = resolve));
  const printer = {
    print(name, message) {
      say(`node's screen    ${name}: ${message}`);
      if (name !== "node") answered();
    },
  };
  const chat = new WebSocketConnector(null, printer);
  await chat.connect(`${base}/chat`);
  const room = chat.getDriver();
  check("chat.setName(\"node\")", await room.setName("node"), true);
  await room.talk("hello from TGrid on node");
  const timer = setTimeout(() => {
    failed++;
    say("nobody answered within 30 s ✗");
    answered();
  }, 30000);
  await answer;
  clearTimeout(timer);
  await chat.close();
  say("node client: closed");
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  say(`node client failed: ${e.name}: ${e.message} ✗`);
  process.exit(1);
});
