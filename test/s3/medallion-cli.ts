// Runs the Medallion CLI from source in its own process (tests start several at once against one lake).
import { main } from '../../cli/main.js';

process.exitCode = await main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
  env: process.env,
  isTty: false,
});
