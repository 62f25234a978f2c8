import path from 'node:path';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { ProductDocument } from './product-search-types.js';
import { productDocumentsSql } from './product-documents-sql.js';

/** Reads the product documents of a published gold version and the silver version it was built from. */
export const buildProductDocuments = async (
  engine: SqlEngine,
  dirs: { silverDir: string; goldDir: string },
): Promise<ProductDocument[]> => {
  const rows = await engine.all(
    productDocumentsSql({
      topProducts: path.join(dirs.goldDir, 'top_products.parquet'),
      salesLines: path.join(dirs.silverDir, 'sales_lines.parquet'),
    }),
  );
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
