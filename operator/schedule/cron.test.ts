import { describe, expect, it } from 'vitest';
import { CronError, cronRegex, isValidCron, parseCron } from './cron.js';
import { nextTime, previousTime } from './cron-times.js';

const iso = (d: Date | undefined) => d?.toISOString();
const next = (expr: string, tz: string, after: string) => iso(nextTime(parseCron(expr), tz, new Date(after)));
const prev = (expr: string, tz: string, at: string) => iso(previousTime(parseCron(expr), tz, new Date(at)));

/** The n schedule times after `start`. */
function series(expr: string, tz: string, start: string, n: number): string[] {
  const spec = parseCron(expr);
  const out: string[] = [];
  let t = new Date(start);
  for (let i = 0; i < n; i++) {
    const nt = nextTime(spec, tz, t);
    if (!nt) break;
    out.push(nt.toISOString());
    t = nt;
  }
  return out;
}

describe('parseCron', () => {
  it('expands lists, ranges, steps, names and macros', () => {
    const s = parseCron('0,30 9-17/4 */10 JAN-mar mon-fri');
    expect([...s.minute]).toEqual([0, 30]);
    expect([...s.hour]).toEqual([9, 13, 17]);
    expect([...s.dayOfMonth]).toEqual([1, 11, 21, 31]);
    expect([...s.month]).toEqual([1, 2, 3]);
    expect([...s.dayOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('@daily')).toEqual(parseCron('0 0 * * *'));
    expect([...parseCron('5/20 * * * *').minute]).toEqual([5, 25, 45]);
    expect([...parseCron('0 0 * * 7').dayOfWeek]).toEqual([0]);
  });

  it.each([
    ['* * * *', /expected 5 fields/],
    ['60 * * * *', /minute: 60 is outside 0-59/],
    ['* 24 * * *', /hour: 24/],
    ['* * 0 * *', /day of month: 0/],
    ['* * * 13 *', /month: 13/],
    ['* * * * 8', /day of week: 8/],
    ['*/0 * * * *', /step "0"/],
    ['5-1 * * * *', /runs backwards/],
    ['@every 5m', /unknown macro/],
    ['TZ=UTC 0 * * * *', /timeZone/],
    ['a * * * *', /not a number/],
  ])('rejects %s', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(CronError);
    expect(() => parseCron(expr)).toThrow(message);
  });
});

describe('cronRegex (the CRD admission check) agrees with the parser', () => {
  // RE2's leading (?i) is written as a JS flag here.
  const re = new RegExp(cronRegex().replace('(?i)', ''), 'i');
  it.each([
    '0 3 * * *',
    '*/15 * * * *',
    '0,30 9-17/4 */10 JAN-mar mon-fri',
    '@Daily',
    '5/20 0 1 1 0',
    '07 07 07 07 07',
    '* * * * 7',
    '60 * * * *',
    '* * * *',
    '*/0 * * * *',
    '* * 32 * *',
    '@every 5m',
    'TZ=UTC 0 * * * *',
    '0 0 * * FOO',
  ])('%s', (expr) => {
    expect(re.test(expr)).toBe(isValidCron(expr));
  });
});

describe('schedule times', () => {
  it('steps through a UTC schedule', () => {
    expect(series('*/20 * * * *', 'UTC', '2026-01-01T00:05:00Z', 3)).toEqual([
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T00:40:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
    expect(next('0 0 29 2 *', 'UTC', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 31 2 *', 'UTC', '2026-03-01T00:00:00Z')).toBeUndefined();
  });

  it('uses Vixie day semantics: restricted day-of-month OR day-of-week', () => {
    // 2026-03-13 is a Friday; the 15th is a Sunday.
    expect(series('0 12 15 * FRI', 'UTC', '2026-03-12T00:00:00Z', 3)).toEqual([
      '2026-03-13T12:00:00.000Z',
      '2026-03-15T12:00:00.000Z',
      '2026-03-20T12:00:00.000Z',
    ]);
    // A starred day-of-month field ANDs instead.
    expect(next('0 12 */2 * FRI', 'UTC', '2026-03-12T00:00:00Z')).toBe('2026-03-13T12:00:00.000Z');
    expect(next('0 12 */2 * FRI', 'UTC', '2026-03-14T00:00:00Z')).toBe('2026-03-27T12:00:00.000Z');
  });

  it('runs a daily Europe/London job at exact times across both DST changes', () => {
    // Clocks go forward at 01:00 GMT on 2026-03-29 and back at 01:00 GMT on 2026-10-25.
    expect(series('30 1 * * *', 'Europe/London', '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T01:30:00.000Z', // 01:30 GMT
      '2026-03-29T01:30:00.000Z', // 01:30 does not exist: runs at 02:30 BST, not skipped
      '2026-03-30T00:30:00.000Z', // 01:30 BST
      '2026-03-31T00:30:00.000Z',
    ]);
    expect(series('30 1 * * *', 'Europe/London', '2026-10-23T12:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z', // 01:30 BST
      '2026-10-25T00:30:00.000Z', // first 01:30 (BST) only, not again an hour later
      '2026-10-26T01:30:00.000Z', // 01:30 GMT
    ]);
  });

  it('runs an hourly Europe/London job once per wall-clock hour across DST', () => {
    expect(series('0 * * * *', 'Europe/London', '2026-03-29T00:00:00Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z', // 02:00 BST (01:00 skipped by the clock, shifted to the same instant)
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
    ]);
  });

  it('honours other zones (America/New_York, Asia/Kolkata)', () => {
    expect(next('0 9 * * *', 'America/New_York', '2026-07-01T00:00:00Z')).toBe('2026-07-01T13:00:00.000Z');
    expect(next('0 9 * * *', 'America/New_York', '2026-12-01T00:00:00Z')).toBe('2026-12-01T14:00:00.000Z');
    expect(next('0 9 * * *', 'Asia/Kolkata', '2026-07-01T00:00:00Z')).toBe('2026-07-01T03:30:00.000Z');
  });

  it('finds the latest time at or before an instant', () => {
    expect(prev('0 * * * *', 'UTC', '2026-01-01T05:00:00Z')).toBe('2026-01-01T05:00:00.000Z');
    expect(prev('0 * * * *', 'UTC', '2026-01-01T05:59:59Z')).toBe('2026-01-01T05:00:00.000Z');
    expect(prev('0 0 1 * *', 'UTC', '2026-03-15T00:00:00Z')).toBe('2026-03-01T00:00:00.000Z');
    // On the spring-forward day 01:30 runs at 01:30Z (02:30 BST): not yet due at 01:20Z (02:20 BST).
    expect(prev('30 1 * * *', 'Europe/London', '2026-03-29T01:20:00Z')).toBe('2026-03-28T01:30:00.000Z');
    expect(prev('30 1 * * *', 'Europe/London', '2026-03-29T01:30:00Z')).toBe('2026-03-29T01:30:00.000Z');
  });
});
