// The enrolment station's own record, beside the hub's audit: who signed in, each enrolment with its officer,
// the consent version and time the person agreed to (the hub's POST /v1/persons has no field for consent),
// and every refusal. Append-only JSON lines, each carrying the SHA-256 of the line before it.
import { createHash } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';

export type StationLogKind =
  | 'officer.signed_in'
  | 'officer.sign_in_refused'
  | 'officer.signed_out'
  | 'station.locked'
  | 'enrolment.document_refused'
  | 'enrolment.face_refused'
  | 'enrolment.guardian_consented'
  | 'enrolment.guardian_refused'
  | 'enrolment.refused'
  | 'enrolment.completed'
  | 'enrolment.person_created'
  | 'enrolment.admin_erase_needed'
  | 'enrolment.admin_erase_resolved'
  | 'enrolment.admin_erase_spared'
  | 'enrolment.override'
  | 'person.erased'
  | 'person.pin_unlocked'
  | 'person.action_refused';

export interface StationLogEntry {
  at: string;
  kind: StationLogKind;
  officer: string | null;
  /** Never a document number, a PIN, a face or a name: ids, codes, versions (and the keyed document hash
   * the hub holds too, so the station finds whom it enrolled when the officer checks that document again). */
  data: Record<string, string | number | boolean | null>;
}

export class StationLog {
  readonly #file: string;
  #previous: string | null = null;
  #tail: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.#file = file;
  }

  get file(): string {
    return this.#file;
  }

  /** Appends in call order; a write failure is thrown to the caller (an enrolment must not pass unrecorded). */
  append(entry: StationLogEntry): Promise<void> {
    const next = this.#tail.then(async () => {
      const previous = this.#previous ?? (await lastLineHash(this.#file));
      const line = JSON.stringify({ ...entry, previous });
      await appendFile(this.#file, `${line}\n`, { mode: 0o600 });
      this.#previous = sha256(line);
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * The persons this station enrolled and has not erased, by keyed document hash, read back from the log: an
 * officer's ID check at erasure or PIN unlock finds the person from the document the person shows.
 */
export async function enrolledByDocument(file: string): Promise<Map<string, string>> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const byDocument = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line) as StationLogEntry;
    const { personId, documentHash } = entry.data;
    if (typeof personId !== 'string') continue;
    // A person the hub created for a try that did not complete (perhaps with faces) is found like an
    // enrolled one: erasable at the desk.
    const enrolled =
      entry.kind === 'enrolment.completed' || entry.kind === 'enrolment.person_created';
    if (enrolled && typeof documentHash === 'string') {
      byDocument.set(documentHash, personId);
    } else if (entry.kind === 'person.erased') {
      // An erasure of the person the hub named for a document in place of the one logged for it
      // (loggedPersonId: erased outside this log) leaves neither named.
      const { loggedPersonId } = entry.data;
      for (const [hash, id] of byDocument) {
        if (id === personId || id === loggedPersonId) byDocument.delete(hash);
      }
    }
  }
  return byDocument;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function lastLineHash(file: string): Promise<string> {
  try {
    const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');
    const last = lines.at(-1);
    return last === undefined ? 'start' : sha256(last);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'start';
    throw error;
  }
}
