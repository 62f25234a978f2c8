/** Collects bind parameters and returns their placeholders, so WHERE clauses never interpolate values. */
export function params() {
  const values: unknown[] = [];
  return {
    values,
    add(value: unknown): string {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/** yyyy-mm-dd to the dim_date key yyyymmdd. */
export const dateKey = (isoDate: string): number => Number(isoDate.replaceAll('-', ''));
