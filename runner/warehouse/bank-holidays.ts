/**
 * England & Wales bank holidays computed from the rules (Banking and Financial Dealings Act 1971 plus royal
 * proclamations), so the warehouse needs no network or table to know them. Dates are ISO strings (yyyy-mm-dd).
 */

interface BankHoliday {
  date: string;
  name: string;
}

const DAY_MS = 86_400_000;
const utc = (year: number, month: number, day: number): Date => new Date(Date.UTC(year, month - 1, day));
const iso = (date: Date): string => date.toISOString().slice(0, 10);
const addDays = (date: Date, days: number): Date => new Date(date.getTime() + days * DAY_MS);
const weekday = (date: Date): number => date.getUTCDay(); // 0 = Sunday

/** Easter Sunday (Gregorian, anonymous "Meeus/Jones/Butcher" algorithm). */
export const easterSunday = (year: number): Date => {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
};

const firstMonday = (year: number, month: number): Date => {
  const first = utc(year, month, 1);
  return addDays(first, (8 - weekday(first)) % 7);
};

const lastMonday = (year: number, month: number): Date => {
  const last = addDays(utc(year, month + 1, 1), -1);
  return addDays(last, -((weekday(last) + 6) % 7));
};

/** One-off changes by proclamation: moved regular holidays and extra days. */
const MOVED: Record<string, string> = {
  '1995-05-01': '1995-05-08',
  '2020-05-04': '2020-05-08',
  '2002-05-27': '2002-06-04',
  '2012-05-28': '2012-06-04',
  '2022-05-30': '2022-06-02',
};
const EXTRA: BankHoliday[] = [
  { date: '1977-06-07', name: 'Silver Jubilee of Elizabeth II' },
  { date: '1981-07-29', name: 'Wedding of Charles and Diana' },
  { date: '1999-12-31', name: 'Millennium Celebrations' },
  { date: '2002-06-03', name: 'Golden Jubilee of Elizabeth II' },
  { date: '2011-04-29', name: 'Wedding of William and Catherine' },
  { date: '2012-06-05', name: 'Diamond Jubilee of Elizabeth II' },
  { date: '2022-06-03', name: 'Platinum Jubilee bank holiday' },
  { date: '2022-09-19', name: 'State Funeral of Queen Elizabeth II' },
  { date: '2023-05-08', name: 'Bank holiday for the coronation of King Charles III' },
];

/** Bank holidays of one year (1978 onwards, when today's set of regular holidays began), sorted by date. */
export const englandWalesBankHolidays = (year: number): BankHoliday[] => {
  const result: BankHoliday[] = [];
  const add = (date: Date, name: string): void => {
    const day = iso(date);
    result.push({ date: MOVED[day] ?? day, name });
  };
  const newYear = utc(year, 1, 1);
  const newYearShift = weekday(newYear) === 6 ? 2 : weekday(newYear) === 0 ? 1 : 0;
  add(addDays(newYear, newYearShift), newYearShift ? 'New Year’s Day (substitute day)' : 'New Year’s Day');
  const easter = easterSunday(year);
  add(addDays(easter, -2), 'Good Friday');
  add(addDays(easter, 1), 'Easter Monday');
  add(firstMonday(year, 5), 'Early May bank holiday');
  add(lastMonday(year, 5), 'Spring bank holiday');
  add(lastMonday(year, 8), 'Summer bank holiday');
  // Christmas and Boxing Day: a day falling on a weekend moves to the next weekday not already a holiday.
  const christmas = utc(year, 12, 25);
  const boxing = utc(year, 12, 26);
  const taken = new Set<string>();
  for (const date of [christmas, boxing]) {
    if (weekday(date) !== 0 && weekday(date) !== 6) taken.add(iso(date));
  }
  for (const [date, name] of [
    [christmas, 'Christmas Day'],
    [boxing, 'Boxing Day'],
  ] as const) {
    if (taken.has(iso(date))) {
      add(date, name);
      continue;
    }
    let substitute = addDays(date, 1);
    while (weekday(substitute) === 0 || weekday(substitute) === 6 || taken.has(iso(substitute))) {
      substitute = addDays(substitute, 1);
    }
    taken.add(iso(substitute));
    add(substitute, `${name} (substitute day)`);
  }
  for (const extra of EXTRA) if (extra.date.startsWith(`${year}-`)) result.push(extra);
  return result.sort((x, y) => x.date.localeCompare(y.date));
};
