import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

interface WarehouseMetrics {
  loads: Counter<'status' | 'code'>;
  duration: Histogram<'status'>;
  factRows: Counter<'change'>;
  lastSuccess: Gauge;
}

const reuse = <T>(registry: Registry, name: string, create: () => T): T =>
  (registry.getSingleMetric(name) as T | undefined) ?? create();

/** Warehouse metrics registered once per registry (a second step in the same process reuses them). */
export const createWarehouseMetrics = (registry: Registry): WarehouseMetrics => ({
  loads: reuse(
    registry,
    'medallion_warehouse_loads_total',
    () =>
      new Counter({
        name: 'medallion_warehouse_loads_total',
        help: 'Warehouse loads by outcome and error code.',
        labelNames: ['status', 'code'],
        registers: [registry],
      }),
  ),
  duration: reuse(
    registry,
    'medallion_warehouse_load_duration_seconds',
    () =>
      new Histogram({
        name: 'medallion_warehouse_load_duration_seconds',
        help: 'Wall time of the warehouse step (export, COPY, merge, marts, commit).',
        labelNames: ['status'],
        buckets: [0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320],
        registers: [registry],
      }),
  ),
  factRows: reuse(
    registry,
    'medallion_warehouse_fact_rows_total',
    () =>
      new Counter({
        name: 'medallion_warehouse_fact_rows_total',
        help: 'fact_sales rows changed by committed loads.',
        labelNames: ['change'],
        registers: [registry],
      }),
  ),
  lastSuccess: reuse(
    registry,
    'medallion_warehouse_last_success_timestamp_seconds',
    () =>
      new Gauge({
        name: 'medallion_warehouse_last_success_timestamp_seconds',
        help: 'Unix time of the last committed warehouse load.',
        registers: [registry],
      }),
  ),
});
