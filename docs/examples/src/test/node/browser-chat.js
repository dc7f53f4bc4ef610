// Drives the chat page in headless Chromium (Debian's, at the path given) with playwright-core.
// Usage: node browser-chat.js <page-url> <chromium-path> <name> <message> <expected-line>
// It joins the chat as <name>, says <message>, waits for <expected-line> to appear in the page,
// and prints one JSON object per line ({"event": ...}); the JVM test judges them.
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const [, , pageUrl, executablePath, name, message, expected] = process.argv;
const print = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

async function main() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wsgrid-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on("console", (m) => print({ event: "console", type: m.type(), text: m.text() }));
    page.on("pageerror", (e) => print({ event: "pageerror", message: e.message }));
    await page.goto(pageUrl);
    await page.fill("#name", name);
    await page.click("#join-button");
    await page.waitForFunction((n) => document.getElementById("status").textContent === `joined as ${n}`, name, { timeout: 60000 });
    print({ event: "joined" });
    await page.fill("#message", message);
    await page.press("#message", "Enter");
    await page.waitForFunction(
      (line) => [...document.querySelectorAll("#messages li")].some((li) => li.textContent === line),
      expected,
      { timeout: 60000 },
    );
    const lines = await page.$$eval("#messages li", (items) => items.map((li) => li.textContent));
    print({ event: "received", lines });
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    print({ event: "crashed", name: e.name, message: e.message });
    process.exit(1);
  },
);
