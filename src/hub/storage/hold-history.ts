// What a hold's next version adds to its history: the settlements, refunds and events appended since
// the previous version. Every adapter stores these as new rows; an earlier entry never changes.
import { assert } from '../../shared/assert.ts';
import type { HoldEventMark, HoldRecord, MoneyMark } from './records.ts';

export interface HoldHistoryAdded {
  settlements: MoneyMark[];
  refunds: MoneyMark[];
  events: HoldEventMark[];
}

/** The entries `after` has beyond `before`'s (all of them for a new hold); `before`'s must be kept. */
export function holdHistoryAdded(
  before: HoldRecord | undefined,
  after: HoldRecord,
): HoldHistoryAdded {
  if (before !== undefined) {
    assert(after.id === before.id, 'a transition stays on its hold');
    assert(after.version === before.version + 1, 'one version step per transition');
  }
  const appended = <T>(old: T[] | undefined, next: T[], what: string): T[] => {
    const kept = old ?? [];
    assert(next.length >= kept.length, `a hold's ${what} are never removed`);
    kept.forEach((entry, i) => assert(next[i] === entry, `a hold's earlier ${what} never change`));
    return next.slice(kept.length);
  };
  return {
    settlements: appended(before?.settlements, after.settlements, 'settlements'),
    refunds: appended(before?.refunds, after.refunds, 'refunds'),
    events: appended(before?.events, after.events, 'events'),
  };
}
