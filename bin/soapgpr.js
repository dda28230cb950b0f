#!/usr/bin/env node
// Thin launcher: the only place that ends the process. It sets process.exitCode and lets the event loop end
// by itself, so that everything queued on stdout/stderr (a pipe takes 64 KiB at a time) is written first.
// Exit codes: 0 ok, 1 engine error, 2 usage, 70 internal error, 130 SIGINT, 143 SIGTERM (README.md).
import { installInterruptCleanup, run } from "../dist/cli/main.js";

installInterruptCleanup((code) => process.exit(code));
process.stdout.on("error", (err) => {
  // the reader went away (`soapgpr … | head`): stop quietly, as a process killed by SIGPIPE would
  if (err.code === "EPIPE") process.exit(141);
  throw err;
});

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`soapgpr: internal error: ${err?.stack ?? err}\nPlease report this.\n`);
    process.exitCode = 70;
  },
);
