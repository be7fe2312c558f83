// Small pure rules about people: the masked name a shop's screen may show, and (from src/shared/age.ts)
// age from a verified date of birth. Category ages live in src/shared/categories.ts.
export { ageYears, isChild } from '../../shared/age.ts';

/** "Hanako Yamada" -> "H***** Y*****": enough for the person to recognise, little for onlookers. */
export function maskDisplayName(name: string): string {
  return name
    .trim()
    .split(/\s+/u)
    .map((word) => {
      const [first = ''] = Array.from(word);
      return first + '*'.repeat(Math.max(1, Math.min(5, Array.from(word).length - 1)));
    })
    .join(' ');
}
