import { CATEGORY_RULES, PRODUCT_CATEGORIES, type ProductCategory } from './category-rules.js';

/** Rule-based product categorisation (rules and their order in category-rules.ts) and its revenue coverage. */

export { CATEGORY_RULES, PRODUCT_CATEGORIES, type ProductCategory };

const COMPILED = CATEGORY_RULES.map((rule) => ({
  category: rule.category,
  pattern: new RegExp(`\\b(?:${rule.keywords.join('|')})\\b`),
}));

function normalizeDescription(description: string): string {
  return description.toUpperCase().replace(/\s+/g, ' ').trim();
}

/** The category of a product description, or null when no rule matches (or there is no description). */
export function categorizeProduct(description: string | null | undefined): ProductCategory | null {
  if (description === null || description === undefined) return null;
  const text = normalizeDescription(description);
  if (text === '') return null;
  for (const { category, pattern } of COMPILED) {
    if (pattern.test(text)) return category;
  }
  return null;
}

interface CategoryCoverage {
  totalRevenue: number;
  categorisedRevenue: number;
  /** categorisedRevenue / totalRevenue (1 when there is no revenue at all). */
  share: number;
  byCategory: Record<ProductCategory, number>;
  /** Largest uncategorised descriptions by revenue, to guide new rules. */
  topUncategorised: { description: string; revenue: number }[];
}

/** Share of sales revenue whose description gets a category. Pass sale lines only (no returns, fees, postage). */
export function categoryCoverage(
  lines: Iterable<{ description: string | null; revenue: number }>,
  topN = 10,
): CategoryCoverage {
  const byCategory = Object.fromEntries(PRODUCT_CATEGORIES.map((c) => [c, 0])) as Record<
    ProductCategory,
    number
  >;
  const uncategorised = new Map<string, number>();
  const memo = new Map<string, ProductCategory | null>();
  let total = 0;
  let categorised = 0;
  for (const { description, revenue } of lines) {
    total += revenue;
    const key = description ?? '';
    let category = memo.get(key);
    if (category === undefined) {
      category = categorizeProduct(description);
      memo.set(key, category);
    }
    if (category) {
      categorised += revenue;
      byCategory[category] += revenue;
    } else {
      uncategorised.set(key, (uncategorised.get(key) ?? 0) + revenue);
    }
  }
  const topUncategorised = [...uncategorised]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([description, revenue]) => ({ description, revenue }));
  return {
    totalRevenue: total,
    categorisedRevenue: categorised,
    share: total === 0 ? 1 : categorised / total,
    byCategory,
    topUncategorised,
  };
}
