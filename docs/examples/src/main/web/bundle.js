// Bundles TGrid 1.2.1 for the browser: `node bundle.js <out-dir>` writes <out-dir>/tgrid.js, an
// IIFE whose global `tgrid` holds the package's exports. Run by build.sh during the Maven build.
const path = require("path");
const esbuild = require("esbuild");

const out = process.argv[2];
if (!out) {
  console.error("usage: node bundle.js <out-dir>");
  process.exit(2);
}
esbuild.buildSync({
  entryPoints: [path.join(__dirname, "tgrid-entry.js")],
  bundle: true,
  platform: "browser",
  format: "iife",
  globalName: "tgrid",
  target: "es2020",
  // on node TGrid loads ws through import2 at run time; in a browser it uses the WebSocket global
  external: ["ws"],
  outfile: path.join(out, "tgrid.js"),
  minify: true,
  logLevel: "warning",
});
