// The vocabulary of hold categories: dotted names where a parent covers its children, so a block or an
// age rule on `alcohol` also holds for `alcohol.beer`. The hub refuses a name outside this list.
import { categoryDepthMax, restrictedCategoryAgeYears } from './limits.ts';

/** Every category a hold may name or an account may block, with what it is for. */
export const categoryVocabulary = {
  alcohol: 'alcoholic drinks',
  'alcohol.beer': 'beer and happoshu',
  'alcohol.wine': 'wine',
  'alcohol.sake': 'sake and shochu',
  'alcohol.spirits': 'whisky, spirits and liqueurs',
  tobacco: 'tobacco products',
  'tobacco.cigarettes': 'cigarettes and cigars',
  'tobacco.heated': 'heated tobacco',
  gambling: 'gambling and betting',
  'gambling.pachinko': 'pachinko and pachislot',
  'gambling.lottery': 'lotteries (takarakuji, toto)',
  'gambling.betting': 'public race betting (horse, boat, bicycle, motorcycle)',
  medical: 'medical care',
  'medical.consultation': 'consultations and treatment',
  'medical.prescription': 'prescription medicines',
  'medical.otc': 'over-the-counter medicines',
  food: 'food and drink without alcohol',
  'food.groceries': 'groceries',
  'food.restaurant': 'restaurants and cafes',
  goods: 'other goods',
  'goods.consumables': 'household consumables',
  'goods.vehicle': 'vehicles and parts',
  services: 'services',
  'services.transport': 'taxis and transport',
  'services.repair': 'repairs',
  'services.lodging': 'hotels and lodging',
  'services.rental': 'rentals',
  'services.public': 'public services and deposits',
} as const satisfies Record<string, string>;

export type Category = keyof typeof categoryVocabulary;

/** Minimum age of a category and everything under it. */
const minimumAgeYears: ReadonlyMap<string, number> = new Map<Category, number>([
  ['alcohol', restrictedCategoryAgeYears],
  ['tobacco', restrictedCategoryAgeYears],
  ['gambling', restrictedCategoryAgeYears],
]);

/** Whether the name is in the vocabulary (a plain boolean: a hold's category stays a string). */
export function isCategory(name: string): boolean {
  return Object.hasOwn(categoryVocabulary, name) && name.split('.').length <= categoryDepthMax;
}

/** Whether a rule on `rule` (a block, an age limit) applies to `category`: itself or a descendant. */
export function categoryCovers(rule: string, category: string): boolean {
  return category === rule || category.startsWith(`${rule}.`);
}

/** The category and its ancestors, most specific first: `alcohol.beer`, `alcohol`. */
export function categoryAncestry(category: string): string[] {
  const parts = category.split('.');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('.'));
}

/** The highest minimum age on the category or any ancestor; undefined when none applies. */
export function categoryMinimumAgeYears(category: string): number | undefined {
  const ages = categoryAncestry(category)
    .map((name) => minimumAgeYears.get(name))
    .filter((age) => age !== undefined);
  return ages.length === 0 ? undefined : Math.max(...ages);
}
