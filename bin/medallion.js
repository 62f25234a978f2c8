#!/usr/bin/env node
// Thin launcher: the CLI lives in cli/main.ts (compiled to dist/).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
  env: process.env,
  isTty: Boolean(process.stderr.isTTY),
});
process.exitCode = code;
