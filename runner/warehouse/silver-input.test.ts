import { describe, expect, it } from 'vitest';
import { martTableName } from './load-marts.js';
import { duckTypeToPg } from './pg-types.js';
import {
  planCountriesSelect,
  planSilverExport,
  REQUIRED_SILVER_COLUMNS,
  STAGE_COLUMN_NAMES,
} from './silver-input.js';

const required = Object.keys(REQUIRED_SILVER_COLUMNS).map((name) => ({ name, type: 'VARCHAR' }));

describe('planSilverExport', () => {
  it('fills absent enrichment columns with NULL and keeps present ones', () => {
    const plan = planSilverExport(
      ['/s/sales_lines.parquet'],
      [...required, { name: 'amount_eur', type: 'DECIMAL(38,6)' }],
    );
    expect(plan.present).toEqual(['amount_eur']);
    expect(plan.selectSql).toContain('"amount_eur"');
    expect(plan.selectSql).toContain('CAST(NULL AS DECIMAL(38,6)) AS "amount_usd"');
    expect(plan.selectSql).toContain('CAST(NULL AS VARCHAR) AS "country_iso2"');
    expect(plan.selectSql.split(' FROM ')[0]?.match(/, /g)?.length).toBe(STAGE_COLUMN_NAMES.length - 1);
  });

  it('reads every partition file by column name, and an empty silver as an empty typed relation', () => {
    const plan = planSilverExport(['/p/a.parquet', '/p/b.parquet'], required);
    expect(plan.selectSql).toContain(`read_parquet(['/p/a.parquet', '/p/b.parquet'], union_by_name = true)`);
    const empty = planSilverExport([], []);
    expect(empty.present).toEqual([]);
    expect(empty.selectSql).toContain('CAST(NULL AS DATE) AS "business_date"');
    expect(empty.selectSql).toMatch(/WHERE false$/);
  });

  it('names missing required columns', () => {
    expect(() =>
      planSilverExport(
        ['f'],
        required.filter((c) => c.name !== 'row_hash'),
      ),
    ).toThrow(/row_hash/);
  });
});

describe('planCountriesSelect', () => {
  it('reads present columns, NULLs absent ones, and yields an empty table without the file', () => {
    const sql = planCountriesSelect(
      ['/s/countries.parquet'],
      [
        { name: 'name', type: 'VARCHAR' },
        { name: 'iso3', type: 'VARCHAR' },
      ],
    );
    expect(sql).toContain('CAST("iso3" AS VARCHAR) AS "iso3"');
    expect(sql).toContain('CAST(NULL AS VARCHAR) AS "region"');
    expect(planCountriesSelect([], [])).toMatch(/WHERE false$/);
  });
});

describe('gold type mapping', () => {
  it('keeps decimals exact and maps the Parquet types', () => {
    expect(duckTypeToPg('DECIMAL(38,6)')).toBe('numeric(38,6)');
    expect(duckTypeToPg('TIMESTAMP WITH TIME ZONE')).toBe('timestamptz');
    expect(duckTypeToPg('DOUBLE')).toBe('double precision');
    expect(() => duckTypeToPg('MAP(VARCHAR, INTEGER)')).toThrow(/no PostgreSQL mapping/);
    expect(martTableName('/g/kpi-daily.parquet')).toBe('mart_kpi_daily');
  });
});
