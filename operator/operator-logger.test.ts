import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOperatorLogger } from './operator-logger.js';

describe('the operator logger', () => {
  it('redacts credentials like every other process and names the component', async () => {
    const out: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        out.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createOperatorLogger({ logLevel: 'info' }, destination);
    logger.info(
      {
        password: 'hunter2',
        databaseUrl: 'postgresql://u:hunter2@db/x',
        headers: { authorization: 'Bearer hunter2' },
        spec: { connectionString: 'postgresql://u:hunter2@db/x' },
      },
      'reconciling',
    );
    logger.debug('not at info');
    await new Promise((r) => setImmediate(r));
    expect(out).toHaveLength(1);
    expect(out[0]).not.toContain('hunter2');
    expect(JSON.parse(out[0]!)).toMatchObject({
      component: 'medallion-operator',
      password: '[redacted]',
      databaseUrl: '[redacted]',
      headers: { authorization: '[redacted]' },
      spec: { connectionString: '[redacted]' },
    });
  });
});
