// The browser build of TGrid 1.2.1 for the chat page: esbuild bundles this into tgrid.js, whose
// global `tgrid` holds the package's exports (WebSocketConnector, ...).
module.exports = require("tgrid");
