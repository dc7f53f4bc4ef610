// A TGrid 1.2.1 chat participant that the JVM cluster test drives: node cluster-chat.js <url> <name>
// It prints one JSON object per line: {"event":"named","ok":...}, then {"event":"printed","line":"name: message"}
// for each message the server calls it with; it reads commands from stdin: "talk <message>", "close".
const { WebSocketConnector } = require("tgrid");
const readline = require("readline");

const [, , url, name] = process.argv;
const print = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

(async () => {
  const connector = new WebSocketConnector(null, {
    print: (who, message) => print({ event: "printed", line: `${who}: ${message}` }),
  });
  await connector.connect(url);
  const chat = connector.getDriver();
  print({ event: "named", ok: await chat.setName(name) });
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line.startsWith("talk ")) {
      await chat.talk(line.slice(5));
      print({ event: "talked" });
    } else if (line === "close") {
      await connector.close();
      print({ event: "closed" });
      process.exit(0);
    }
  }
})().catch((e) => {
  print({ event: "crashed", name: e.name, message: e.message });
  process.exit(1);
});
