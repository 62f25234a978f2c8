import type { SqlEngine } from '../engine/sql-engine.js';
import type { ProductDocument } from './product-search-types.js';
import { productDocumentsSql } from './product-documents-sql.js';

/**
 * Reads the product documents of a published gold version and the silver version it was built from, given their
 * files (`lake.tableFiles`). No sales lines or no top products means no product to index.
 */
export const buildProductDocuments = async (
  engine: SqlEngine,
  files: { salesLines: string[]; topProducts: string[] },
): Promise<ProductDocument[]> => {
  if (files.salesLines.length === 0 || files.topProducts.length === 0) return [];
  const rows = await engine.all(productDocumentsSql(files));
  return rows.map((r) => ({
    stockCode: String(r.stock_code),
    description: String(r.description),
    category: String(r.category),
    priceMin: Number(r.price_min),
    priceMax: Number(r.price_max),
    priceAvg: Number(r.price_avg),
    countries: (r.countries as string[]).map(String),
    revenue: Number(r.revenue),
    revenueRank: Number(r.revenue_rank),
    quantity: Number(r.quantity),
  }));
};
