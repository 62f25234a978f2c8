import { describe, expect, it } from 'vitest';
import { parseTerminationMessage } from './termination-message.js';

describe('parseTerminationMessage', () => {
  it('parses a compact step report', () => {
    const msg = JSON.stringify({
      v: 1,
      step: 'silver',
      status: 'Degraded',
      rowsIn: 5,
      quality: { score: 0.9 },
    });
    expect(parseTerminationMessage(msg)).toEqual({
      ok: true,
      report: { v: 1, step: 'silver', status: 'Degraded', rowsIn: 5, quality: { score: 0.9 } },
    });
  });

  it.each([
    [undefined, /no termination message/],
    ['   ', /no termination message/],
    ['panic: boom\nat line 3', /not a step report: panic: boom/],
    [JSON.stringify({ v: 2, step: 'x', status: 'Succeeded' }), /invalid step report at v/],
    [JSON.stringify({ v: 1, step: 'x', status: 'Done' }), /invalid step report at status/],
    [JSON.stringify({ v: 1, step: 'x', status: 'Succeeded', rowsIn: -1 }), /at rowsIn/],
    [JSON.stringify({ v: 1, step: 'x', status: 'Succeeded', note: 'é'.repeat(2100) }), /over 4096 bytes/],
  ])('reports %j as a problem instead of throwing', (msg, problem) => {
    const parsed = parseTerminationMessage(msg);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toMatch(problem);
  });
});
