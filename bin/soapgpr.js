#!/usr/bin/env node
// Thin launcher: the only place that calls process.exit.
import { run } from "../dist/cli/main.js";

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`soapgpr: internal error: ${err?.stack ?? err}\nPlease report this.`);
    process.exit(70);
  },
);
