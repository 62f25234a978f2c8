#!/usr/bin/env node
// kubectl plugin launcher: kubectl runs `kubectl-medallion` from PATH for `kubectl medallion ...`.
// The plugin lives in cli/kubectl/plugin-main.ts (compiled to dist/).
import { pluginMain } from '../dist/cli/kubectl/plugin-main.js';

const code = await pluginMain(process.argv.slice(2), {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
  env: process.env,
  isTty: Boolean(process.stdout.isTTY),
});
process.exitCode = code;
