// Spends the nonce of a sealed envelope or a signed kiosk request in the database, kept until its request
// can no longer be fresh: a restarted hub, or another instance on the same database, refuses a replay too.
import {
  kioskRequestAgeMsMax,
  kioskRequestFutureSkewMsMax,
  probeAgeMsMax,
  probeFutureSkewMsMax,
} from '../../shared/limits.ts';
import { refuse } from '../errors.ts';
import type { HubStore, StoreTx } from '../storage/port.ts';
import type { ReplayNonceRecord } from '../storage/identity-records.ts';

type Purpose = ReplayNonceRecord['purpose'];

/**
 * A request is fresh for at most its age limit after `now`, plus the skew it may be ahead by, both ends
 * inclusive; the store forgets a nonce once `expires_at <= now`, so it is kept one millisecond longer than
 * that last fresh moment (a replay at exactly t0 + age + skew is refused as replayed).
 */
export const nonceRetentionMs: Readonly<Record<Purpose, number>> = {
  envelope: probeAgeMsMax + probeFutureSkewMsMax + 1,
  kiosk_request: kioskRequestAgeMsMax + kioskRequestFutureSkewMsMax + 1,
};

/**
 * In the request's own transaction, after its freshness check: refuses a nonce seen before. The nonce
 * stays spent even when the request is refused later in the same transaction (see StoreTx.admitNonce).
 */
export async function spendNonce(
  tx: StoreTx,
  options: { purpose: Purpose; nonce: Uint8Array; nowMs: number },
): Promise<void> {
  const { purpose, nonce, nowMs } = options;
  const admission = await tx.admitNonce({
    purpose,
    nonce,
    seenAt: nowMs,
    expiresAt: nowMs + nonceRetentionMs[purpose],
  });
  if (admission === 'admitted') return;
  if (purpose === 'envelope') refuse('probe_replayed', 'sealed envelope was already used');
  refuse('kiosk_request_replayed', 'this nonce was already used');
}

/** For work done outside any transaction (Argon2id): the nonce is spent in a commit of its own first. */
export async function spendNonceNow(
  store: Pick<HubStore, 'write'>,
  options: { purpose: Purpose; nonce: Uint8Array; nowMs: number },
): Promise<void> {
  await store.write((tx) => spendNonce(tx, options));
}
