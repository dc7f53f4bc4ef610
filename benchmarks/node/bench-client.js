// TGrid 1.2.1 benchmark client: the call workloads of the JVM clients, with the same sizes and payload.
// Usage: node bench-client.js URL SEQ PIPELINED INFLIGHT PAYLOAD WARMUP_ROUNDS
// Prints one JSON line: {"system":"tgrid","sequential":{...},"pipelined":{...},"payload":{...}}
const { WebSocketConnector } = require("tgrid");

const [url, SEQ, TOTAL, INFLIGHT, PAYLOAD, WARMUP] = process.argv.slice(2).map((v, i) => (i === 0 ? v : Number(v)));

function figures(lat, elapsedNs) {
  lat.sort();
  const n = lat.length;
  const pct = (p) => lat[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] / 1000;
  const seconds = Number(elapsedNs) / 1e9;
  const r1 = (v) => Math.round(v * 10) / 10;
  return { calls: n, seconds: Math.round(seconds * 1000) / 1000, callsPerSec: r1(n / seconds), p50us: r1(pct(50)), p99us: r1(pct(99)) };
}

async function sequential(n, call) {
  const lat = new Float64Array(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; ++i) {
    const s = process.hrtime.bigint();
    await call(i);
    lat[i] = Number(process.hrtime.bigint() - s);
  }
  return figures(lat, process.hrtime.bigint() - t0);
}

async function pipelined(total, inflight, call) {
  const lat = new Float64Array(total);
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inflight }, async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const s = process.hrtime.bigint();
      await call(i);
      lat[i] = Number(process.hrtime.bigint() - s);
    }
  }));
  return figures(lat, process.hrtime.bigint() - t0);
}

function samplePayload(id) {
  return {
    id,
    name: `payload-${id}`,
    tags: Array.from({ length: 32 }, (_, i) => `tag-${i}`),
    values: Array.from({ length: 256 }, (_, i) => i * 1.5),
    note: "x".repeat(1200),
  };
}

async function main() {
  const connector = new WebSocketConnector(null, null);
  await connector.connect(url);
  const bench = connector.getDriver();
  const payload = samplePayload(7);
  const plus = async (i) => {
    const r = await bench.plus(i, 1);
    if (r !== i + 1) throw new Error(`plus(${i}, 1) returned ${r}`);
  };
  const echo = async () => {
    const r = await bench.echo(payload);
    if (r.id !== payload.id || r.values.length !== payload.values.length) throw new Error("echo returned another payload");
  };
  for (let w = 0; w < WARMUP; ++w) {
    await sequential(Math.floor(SEQ / 10), plus);
    await pipelined(Math.floor(TOTAL / 10), INFLIGHT, plus);
    await sequential(Math.floor(PAYLOAD / 10), echo);
  }
  const result = {
    system: "tgrid",
    sequential: await sequential(SEQ, plus),
    pipelined: await pipelined(TOTAL, INFLIGHT, plus),
    payload: await sequential(PAYLOAD, echo),
  };
  await connector.close();
  process.stdout.write(JSON.stringify(result) + "\n");
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
