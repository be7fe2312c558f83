// What a guardian's consent does to the child's account: the guardian's limits and blocked categories
// only ever tighten what the admin opened the account with (a guardian cannot lift an issuer's cap).
import type { AccountLimits } from '../../shared/hub-api.ts';
import type { AccountRecord } from '../storage/records.ts';
import type { GuardianConsentRecord } from '../storage/identity-records.ts';

type AccountRules = Pick<AccountRecord, 'limits' | 'blockedCategories'>;

/** The stricter of each limit (an absent limit is no limit), and every category either blocks. */
export function tightenedAccountRules(
  account: AccountRules,
  consent: Pick<GuardianConsentRecord, 'limits' | 'blockedCategories'>,
): AccountRules {
  const limits: AccountLimits = {};
  for (const key of ['perPaymentMax', 'dailyMax'] as const) {
    const own = account.limits[key];
    const guardians = consent.limits[key];
    const stricter =
      own === undefined ? guardians : guardians === undefined ? own : Math.min(own, guardians);
    if (stricter !== undefined) limits[key] = stricter as AccountLimits[typeof key] & number;
  }
  const blockedCategories = [
    ...new Set([...account.blockedCategories, ...consent.blockedCategories]),
  ].sort();
  return { limits, blockedCategories };
}
