import { MedallionError } from '../../runner/errors.js';
/**
 * A small 5-field cron parser (the dialect Kubernetes CronJobs accept: numbers, names, `*`, ranges, steps, lists and
 * the @yearly..@hourly macros). Kept in-house so the same field definitions produce both the parser and the CEL
 * regex that the CRD uses to reject bad schedules at admission.
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  // 7 is also Sunday, as in Vixie cron.
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CronSpec {
  minute: ReadonlySet<number>;
  hour: ReadonlySet<number>;
  dayOfMonth: ReadonlySet<number>;
  month: ReadonlySet<number>;
  dayOfWeek: ReadonlySet<number>;
  /** Vixie semantics: when both day fields are restricted, a day matches if either matches. */
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
}

export class CronError extends MedallionError {
  constructor(message: string) {
    super('CRON_INVALID', message);
  }
}

function parseValue(text: string, field: CronField): number {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (field.min === 1 ? 1 : 0);
  if (!/^\d+$/.test(text)) throw new CronError(`${field.name}: "${text}" is not a number`);
  const n = Number(text);
  if (n < field.min || n > field.max) {
    throw new CronError(`${field.name}: ${n} is outside ${field.min}-${field.max}`);
  }
  return n;
}

function parseField(text: string, field: CronField): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronError(`${field.name}: "${part}" has more than one step`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || !/^\d+$/.test(stepText ?? '1')) {
      throw new CronError(`${field.name}: step "${stepText}" must be a positive number`);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      [lo, hi] = [field.min, field.max];
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [lo, hi] = [parseValue(a, field), parseValue(b, field)];
      if (lo > hi) throw new CronError(`${field.name}: range "${range}" runs backwards`);
    } else {
      lo = parseValue(range, field);
      // "5/15" means "from 5 to the end, every 15", as in robfig/cron which CronJobs use.
      hi = stepText === undefined ? lo : field.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expression: string): CronSpec {
  const trimmed = expression.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) throw new CronError('set the time zone in timeZone, not in the schedule');
  const expanded = trimmed.startsWith('@') ? CRON_MACROS[trimmed.toLowerCase()] : trimmed;
  if (expanded === undefined) throw new CronError(`unknown macro "${trimmed}"`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const sets = parts.map((p, i) => parseField(p, CRON_FIELDS[i] as CronField));
  const dayOfWeek = new Set([...(sets[4] as Set<number>)].map((d) => d % 7));
  return {
    minute: sets[0] as Set<number>,
    hour: sets[1] as Set<number>,
    dayOfMonth: sets[2] as Set<number>,
    month: sets[3] as Set<number>,
    dayOfWeek,
    dayOfMonthStar: parts[2]?.startsWith('*') ?? false,
    dayOfWeekStar: parts[4]?.startsWith('*') ?? false,
  };
}

export function isValidCron(expression: string): boolean {
  try {
    parseCron(expression);
    return true;
  } catch {
    return false;
  }
}

/** An RE2 (CEL `matches`) pattern for one value of a field: its bounded numbers (leading zero allowed) or names. */
function valuePattern(field: CronField): string {
  const parts: string[] = [];
  if (field.min <= 9) parts.push(`0?[${field.min}-${Math.min(field.max, 9)}]`);
  for (let tens = 1; tens * 10 <= field.max; tens++) {
    parts.push(`${tens}[${Math.max(field.min, tens * 10) % 10}-${Math.min(field.max, tens * 10 + 9) % 10}]`);
  }
  return `(${[...parts, ...(field.names ?? [])].join('|')})`;
}

/**
 * The CEL/RE2 regex that accepts exactly the expressions parseCron accepts, except for two checks a regex cannot
 * express (backwards ranges, case of names beyond upper/lower): those are caught by the operator and surfaced as the
 * schedule's Ready condition. Built from CRON_FIELDS so parser and admission never disagree on ranges.
 */
export function cronRegex(): string {
  const fields = CRON_FIELDS.map((f) => {
    const v = valuePattern(f);
    const range = `(\\*|${v}(-${v})?)(/[1-9][0-9]*)?`;
    return `${range}(,${range})*`;
  });
  const macros = Object.keys(CRON_MACROS).join('|');
  return `^((?i)(${macros})|${fields.join(' +')})$`;
}
