import { englandWalesBankHolidays } from './bank-holidays.js';

/** One row of dim_date, in the column order of the table. */
interface DateRow {
  date_key: number;
  date: string;
  year: number;
  quarter: number;
  month: number;
  month_name: string;
  day_of_month: number;
  day_of_year: number;
  iso_year: number;
  iso_week: number;
  day_of_week: number;
  day_name: string;
  is_weekend: boolean;
  is_uk_bank_holiday: boolean;
  uk_bank_holiday_name: string | null;
}

export const DATE_COLUMNS: readonly (keyof DateRow)[] = [
  'date_key',
  'date',
  'year',
  'quarter',
  'month',
  'month_name',
  'day_of_month',
  'day_of_year',
  'iso_year',
  'iso_week',
  'day_of_week',
  'day_name',
  'is_weekend',
  'is_uk_bank_holiday',
  'uk_bank_holiday_name',
];

const DAY_MS = 86_400_000;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** ISO 8601 week-numbering year and week of a UTC date. */
export const isoWeek = (date: Date): { isoYear: number; week: number } => {
  const dayOfWeek = (date.getUTCDay() + 6) % 7; // 0 = Monday
  const thursday = new Date(date.getTime() + (3 - dayOfWeek) * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const jan1 = Date.UTC(isoYear, 0, 1);
  return { isoYear, week: Math.floor((thursday.getTime() - jan1) / DAY_MS / 7) + 1 };
};

/** Every day of the calendar years fromYear..toYear (inclusive). Pure. */
export const buildDateRows = (fromYear: number, toYear: number): DateRow[] => {
  const holidays = new Map<string, string>();
  for (let year = fromYear; year <= toYear; year++) {
    for (const holiday of englandWalesBankHolidays(year)) holidays.set(holiday.date, holiday.name);
  }
  const rows: DateRow[] = [];
  for (let t = Date.UTC(fromYear, 0, 1); t < Date.UTC(toYear + 1, 0, 1); t += DAY_MS) {
    const date = new Date(t);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    const day = date.getUTCDate();
    const dayOfWeek = ((date.getUTCDay() + 6) % 7) + 1;
    const { isoYear, week } = isoWeek(date);
    const key = date.toISOString().slice(0, 10);
    const holiday = holidays.get(key) ?? null;
    rows.push({
      date_key: year * 10_000 + month * 100 + day,
      date: key,
      year,
      quarter: Math.floor((month - 1) / 3) + 1,
      month,
      month_name: MONTHS[month - 1] ?? '',
      day_of_month: day,
      day_of_year: Math.floor((t - Date.UTC(year, 0, 1)) / DAY_MS) + 1,
      iso_year: isoYear,
      iso_week: week,
      day_of_week: dayOfWeek,
      day_name: DAYS[dayOfWeek - 1] ?? '',
      is_weekend: dayOfWeek >= 6,
      is_uk_bank_holiday: holiday !== null,
      uk_bank_holiday_name: holiday,
    });
  }
  return rows;
};
