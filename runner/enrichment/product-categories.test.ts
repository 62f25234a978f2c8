import { describe, expect, it } from 'vitest';
import {
  CATEGORY_RULES,
  categorizeProduct,
  categoryCoverage,
  PRODUCT_CATEGORIES,
} from './product-categories.js';

describe('categorizeProduct', () => {
  it.each([
    ['WHITE HANGING HEART T-LIGHT HOLDER', 'Lighting & Candles'],
    ['REGENCY CAKESTAND 3 TIER', 'Kitchen & Dining'],
    ['JUMBO BAG RED RETROSPOT', 'Bags & Storage'],
    ['PARTY BUNTING', 'Party & Gift Wrap'],
    ["PAPER CHAIN KIT 50'S CHRISTMAS ", 'Christmas & Seasonal'],
    ['PAPER CRAFT , LITTLE BIRDIE', 'Stationery & Craft'],
    ['ASSORTED COLOUR BIRD ORNAMENT', 'Home Decor'],
    ['FELTCRAFT DOLL MOLLY', 'Toys & Games'],
    ['GARDENERS KNEELING PAD KEEP CALM ', 'Garden & Outdoor'],
    ['PINK SWEETHEART BRACELET', 'Jewellery & Accessories'],
    ['GLASS APOTHECARY BOTTLE TONIC', 'Kitchen & Dining'],
  ])('%s → %s', (description, category) => {
    expect(categorizeProduct(description)).toBe(category);
  });

  it('lets the first matching rule win, so specific phrases beat misleading words', () => {
    // "BAKELIKE" is not the word BAKE, and ALARM CLOCK is caught before Kitchen & Dining.
    expect(categorizeProduct('ALARM CLOCK BAKELIKE RED ')).toBe('Home Decor');
    // TEA would say Kitchen & Dining; the product is a hot water bottle.
    expect(categorizeProduct('HOT WATER BOTTLE TEA AND SYMPATHY')).toBe('Home Textiles');
    // A bag printed with toys is a bag; a harmonica sold in a box is a toy.
    expect(categorizeProduct('JUMBO BAG TOYS ')).toBe('Bags & Storage');
    expect(categorizeProduct('RED  HARMONICA IN BOX ')).toBe('Toys & Games');
    // Print names are not products: SPACEBOY and DOLLY GIRL lunch boxes are lunch boxes.
    expect(categorizeProduct('SPACEBOY LUNCH BOX ')).toBe('Kitchen & Dining');
    expect(categorizeProduct('DOLLY GIRL LUNCH BOX')).toBe('Kitchen & Dining');
  });

  it('matches whole words only, case- and spacing-insensitively', () => {
    expect(categorizeProduct('  jumbo   bag  pink polkadot ')).toBe('Bags & Storage');
    expect(categorizeProduct('TEACUP')).toBe('Kitchen & Dining');
    expect(categorizeProduct('MATTRESS')).toBeNull(); // MAT is a word rule, not a prefix
  });

  it('returns null for no description or no match', () => {
    expect(categorizeProduct(null)).toBeNull();
    expect(categorizeProduct(undefined)).toBeNull();
    expect(categorizeProduct('   ')).toBeNull();
    expect(categorizeProduct('Next Day Carriage')).toBeNull();
  });

  it('has rules only for declared categories, and every category has a rule', () => {
    const used = new Set(CATEGORY_RULES.map((r) => r.category));
    expect([...used].sort()).toEqual([...PRODUCT_CATEGORIES].sort());
  });
});

describe('categoryCoverage', () => {
  it('measures the revenue share that gets a category', () => {
    const c = categoryCoverage([
      { description: 'PARTY BUNTING', revenue: 60 },
      { description: 'PARTY BUNTING', revenue: 15 },
      { description: 'Next Day Carriage', revenue: 20 },
      { description: null, revenue: 5 },
    ]);
    expect(c.totalRevenue).toBe(100);
    expect(c.categorisedRevenue).toBe(75);
    expect(c.share).toBe(0.75);
    expect(c.byCategory['Party & Gift Wrap']).toBe(75);
    expect(c.topUncategorised).toEqual([
      { description: 'Next Day Carriage', revenue: 20 },
      { description: '', revenue: 5 },
    ]);
  });

  it('reports full coverage of nothing', () => {
    expect(categoryCoverage([]).share).toBe(1);
  });
});
