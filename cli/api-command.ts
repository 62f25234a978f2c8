import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../runner/errors.js';
import { createLogger } from '../runner/logger.js';
import { EXIT, type CliIo } from './cli-io.js';
import { API_HELP } from './help-text.js';

/**
 * `medallion api`: the read API. Its modules (fastify, swagger, jose) load only here, so `medallion run` in a step
 * Job never pays for them.
 */
export async function apiCommand(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        file: { type: 'string', short: 'f' },
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/s, ''), 'Run medallion api --help.');
  }
  if (values.help) return (io.out(API_HELP), EXIT.ok);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`--port ${values.port} is not a port number`, 'Use a number between 0 and 65535.');
  }
  const { loadApiConfig } = await import('../api/config.js');
  let config;
  try {
    config = loadApiConfig(
      { port, host: values.host, kubeconfig: values.kubeconfig, namespace: values.namespace },
      io.env,
      (file) => readFileSync(file, 'utf8'),
    );
  } catch (e) {
    throw new UsageError((e as Error).message, 'See medallion api --help for the environment variables.');
  }
  const logger = createLogger({ level: config.logLevel });
  const { startApiServer } = await import('../api/server.js');
  const api = await startApiServer({ config, logger, file: values.file });
  io.err(
    `medallion api listening on ${api.url} (${api.mode} mode; docs ${api.url}/docs, OpenAPI ${api.url}/openapi.json)\n` +
      `warehouse ${api.warehouse.embedded ? '(embedded) ' : ''}${api.warehouse.target}, schema ${api.warehouse.schema}` +
      (config.jwt.hs256Secret || config.jwt.rs256PublicKeyPem
        ? ''
        : '\nnote: no MEDALLION_JWT_SECRET or public key: only API keys authenticate (medallion token create-key)'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  return EXIT.ok;
}
