// TGrid 1.2.1 connect client: WARMUP, then N times one after the other, a new WebSocketConnector connects
// (upgrade, header, the server's accept) and closes.
// Usage: node bench-connect.js URL N WARMUP
// Prints one JSON line: {"system":"tgrid","connect":{"calls":N,"seconds":...,"callsPerSec":...,"p50us":...,"p99us":...}}
const { WebSocketConnector } = require("tgrid");

const [url, N, WARMUP] = process.argv.slice(2).map((v, i) => (i === 0 ? v : Number(v)));

function figures(lat, elapsedNs) {
  lat.sort();
  const n = lat.length;
  const pct = (p) => lat[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] / 1000;
  const seconds = Number(elapsedNs) / 1e9;
  const r1 = (v) => Math.round(v * 10) / 10;
  return { calls: n, seconds: Math.round(seconds * 1000) / 1000, callsPerSec: r1(n / seconds), p50us: r1(pct(50)), p99us: r1(pct(99)) };
}

async function cycles(n) {
  const lat = new Float64Array(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; ++i) {
    const s = process.hrtime.bigint();
    const connector = new WebSocketConnector(null, null);
    await connector.connect(url);
    await connector.close();
    lat[i] = Number(process.hrtime.bigint() - s);
  }
  return figures(lat, process.hrtime.bigint() - t0);
}

async function main() {
  if (WARMUP > 0) await cycles(WARMUP);
  process.stdout.write(JSON.stringify({ system: "tgrid", connect: await cycles(N) }) + "\n");
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
