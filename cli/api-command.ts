import { readFileSync } from 'node:fs';
import { UsageError } from '../runner/errors.js';
import { createLogger } from '../runner/logger.js';
import { EXIT } from './cli-io.js';
import type { CommandContext, OptionValues } from './command.js';

/**
 * `medallion api`: the read API. Its modules (fastify, swagger, jose) load only here, so `medallion run` in a step
 * Job never pays for them.
 */
export async function apiCommand(values: OptionValues, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const opt = values as {
    port?: string;
    host?: string;
    file?: string;
    kubeconfig?: string;
    namespace?: string;
  };
  const port = opt.port === undefined ? undefined : Number(opt.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(`--port ${opt.port} is not a port number`, 'Use a number between 0 and 65535.');
  }
  const { loadApiConfig } = await import('../api/config.js');
  let config;
  try {
    config = loadApiConfig(
      { port, host: opt.host, kubeconfig: opt.kubeconfig, namespace: opt.namespace },
      io.env,
      (file) => readFileSync(file, 'utf8'),
    );
  } catch (e) {
    throw new UsageError((e as Error).message, 'See medallion api --help for the environment variables.');
  }
  const logger = createLogger({ level: config.logLevel });
  const { startApiServer } = await import('../api/server.js');
  const api = await startApiServer({ config, logger, file: opt.file });
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
