// Lost-hold entries the kiosk settled (the hub answered, or reconcile undid the hold) while pending-holds.json
// could not be rewritten (a full disk): noted in place, in slots written out in advance, so a restart forgets them.
//
// Without it the file still lists such a request after a restart, and reconcile refunds a purchase its
// shopper was told was paid (the merchant's loss). A full disk refuses new blocks, not writes into blocks a
// file already has: the journal is written whole (every slot empty) before the first request goes out, and
// a settled entry is then one 64-byte write into that space, inside one disk sector (no torn slot). That
// holds on filesystems that overwrite in place (ext4, xfs); a copy-on-write one (btrfs, ZFS) needs new
// blocks for any write, so there the note fails and the old outcome (a refund after a restart) remains.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { assert } from '../shared/assert.ts';
import { writeFileDurably } from './state-file.ts';

/** One slot: the hex SHA-256 of the settled request (settledMark). */
const slotBytes = 64;
/**
 * Slots in the journal. A full disk refuses the next request's write-ahead (PendingHolds.add), so at most
 * the requests in flight when it filled are settled unwritten: one payment at a time per kiosk, plus the
 * entries one reconcile round settles (lost requests, a handful). Beyond this the old behaviour (a refund
 * after a restart) remains.
 */
export const answeredJournalSlots = 32;
const emptySlot = Buffer.alloc(slotBytes);

/**
 * What a slot holds for one entry: its payment id and request key (the same payment sent again under a new
 * key is another entry), hashed to a fixed width. A torn or foreign slot matches no entry: it is ignored.
 */
export function settledMark(paymentId: string, idempotencyKey: string): string {
  return createHash('sha256')
    .update('facepay.kiosk.answered-journal.v1:', 'utf8')
    .update(`${paymentId}\u0000${idempotencyKey}`, 'utf8')
    .digest('hex');
}

export class AnsweredJournal {
  readonly #file: string;
  /** The mark in each slot (null: empty), as on disk; null until the file is read or made. */
  #slots: (string | null)[] | null = null;

  /** Reads `file` if it is there (a missing or short file is a journal of empty slots, made at reserve). */
  constructor(file: string) {
    this.#file = file;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`${file}: cannot read the journal of settled payments`, { cause: error });
    }
    // A short file (a crash while making it) is made again at reserve: its slots are all empty.
    if (bytes.length !== answeredJournalSlots * slotBytes) return;
    const slots: (string | null)[] = [];
    for (let slot = 0; slot < answeredJournalSlots; slot += 1) {
      const text = bytes.subarray(slot * slotBytes, (slot + 1) * slotBytes).toString('latin1');
      slots.push(/^[0-9a-f]{64}$/.test(text) ? text : null);
    }
    this.#slots = slots;
  }

  /** The marks on disk: entries settled whose list was never rewritten without them. */
  marks(): ReadonlySet<string> {
    return new Set((this.#slots ?? []).filter((mark) => mark !== null));
  }

  /**
   * Makes the file at its full size, every slot empty, flushed with its folder (once per run; the file
   * stays). Thrown when it cannot: the caller sends nothing it could not later note as settled.
   */
  reserve(): void {
    if (this.#slots !== null) return;
    writeFileDurably(this.#file, Buffer.alloc(answeredJournalSlots * slotBytes));
    this.#slots = Array.from({ length: answeredJournalSlots }, () => null);
  }

  /**
   * Notes `mark` as settled, in place, flushed before it returns. False where it cannot: no journal, every
   * slot taken, or the write failed (the entry's fate is then the old one: a restart asks the hub again).
   */
  note(mark: string): boolean {
    const slots = this.#slots;
    if (slots === null) return false;
    if (slots.includes(mark)) return true;
    const free = slots.indexOf(null);
    if (free === -1) return false;
    try {
      this.#writeSlot(free, Buffer.from(mark, 'latin1'));
    } catch {
      return false;
    }
    slots[free] = mark;
    return true;
  }

  /**
   * Empties every used slot: the list was written without their entries (PendingHolds after a save that
   * worked). A failure leaves marks no entry carries any more: harmless, and tried again at the next save.
   */
  clear(): void {
    const slots = this.#slots;
    if (slots === null) return;
    for (const [slot, mark] of slots.entries()) {
      if (mark === null) continue;
      try {
        this.#writeSlot(slot, emptySlot);
      } catch {
        return;
      }
      slots[slot] = null;
    }
  }

  #writeSlot(slot: number, bytes: Buffer): void {
    assert(bytes.length === slotBytes, 'a whole slot');
    const fd = openSync(this.#file, 'r+');
    try {
      assert(fstatSync(fd).size === answeredJournalSlots * slotBytes, 'the journal keeps its size');
      writeSync(fd, bytes, 0, slotBytes, slot * slotBytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
