import { describe, expect, it } from 'vitest';
import { buildTerminationMessage } from '../../runner/run/termination-message.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
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

  it('drops KPIs the runner could not compute (null) and keeps the rest', () => {
    const msg = JSON.stringify({
      v: 1,
      step: 'gold',
      status: 'Succeeded',
      kpis: { revenue: 10.5, revenueEur: null },
    });
    expect(parseTerminationMessage(msg)).toMatchObject({ ok: true, report: { kpis: { revenue: 10.5 } } });
    const parsed = parseTerminationMessage(msg);
    expect(parsed.ok && Object.keys(parsed.report.kpis ?? {})).toEqual(['revenue']);
  });

  it('accepts what the runner writes, enrichment breakers included (the two sides of the contract)', () => {
    const provider = (breakerState: string) => ({ breakerState });
    const summary = {
      status: 'Degraded',
      steps: { silver: { status: 'Degraded', rowsIn: 9, rowsOut: 8, durationMs: 5 } },
      quality: null,
      kpis: null,
      enrichment: { currency: provider('open'), country: provider('closed'), product: provider('closed') },
      lineage: { inputs: [], outputs: [] },
    } as unknown as RunSummary;
    expect(parseTerminationMessage(buildTerminationMessage(summary))).toMatchObject({
      ok: true,
      report: { step: 'silver', breakers: { currency: 'open', country: 'closed', product: 'closed' } },
    });
    const bad = JSON.stringify({ v: 1, step: 'silver', status: 'Succeeded', breakers: { currency: 'ajar' } });
    expect(parseTerminationMessage(bad)).toMatchObject({ ok: false, problem: /at breakers.currency/ });
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
