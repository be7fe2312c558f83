// The kiosk's configuration file: which hub, which till client and merchant account, where the device
// keys live, the shop's name, the liveness policy and the mode (shop counter, clinic reception with
// its cap and no-show deadline, or enrolment station with its officers); read once at start and checked with zod.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { assert } from '../shared/assert.ts';
import { accountIdSchema, categorySchema } from '../shared/hub-api.ts';
import { challengeKinds } from '../shared/challenge-kinds.ts';
import { challengePoolSchema } from '../shared/kiosk-api.ts';
import {
  clinicNoShowSecondsMax,
  kioskPaymentAmountMax,
  stationOfficersMax,
} from '../shared/limits.ts';
import { hubUrlProblem } from '../shared/hub-url.ts';
import { kioskFolderProblem } from './kiosk-folder.ts';
import { officerIdPattern, officerVerifierPattern } from './officers.ts';

const token = z.string().min(16).max(512);

/** Clinic reception: what a check-in holds and how long the hold waits for the clinic's event. */
const clinicSchema = z.strictObject({
  /** Yen held at check-in: the most a consultation may cost without asking the patient again. */
  cap: z.number().int().positive().max(kioskPaymentAmountMax),
  /** A visit the clinic never completes (no-show, cancelled) releases its hold this long after check-in. */
  noShowAfterSeconds: z.number().int().min(1).max(clinicNoShowSecondsMax),
});

/** Enrolment station: who may sign in, and the key its document numbers are hashed under. */
const enrolmentSchema = z.strictObject({
  /** Each officer's id (named in the hub's person record and the station's log) and PIN verifier. */
  officers: z
    .array(
      z.strictObject({
        id: z.string().regex(officerIdPattern),
        pinVerifier: z
          .string()
          .regex(officerVerifierPattern, 'an Argon2id verifier (kiosk:officer)'),
      }),
    )
    .min(1)
    .max(stationOfficersMax),
  /**
   * Base64 key (32 bytes or more) of the keyed hash the hub stores instead of a document number. Every
   * station of one organisation shares it, so the hub refuses the same document enrolled twice.
   */
  documentHashKey: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/)
    .refine((key) => Buffer.from(key, 'base64').length >= 32, 'at least 32 bytes'),
  /** The station's log of sign-ins, enrolments and consents (JSON lines). Relative to the config file. */
  logFile: z.string().min(1).default('enrolment-log.jsonl'),
});

export const kioskConfigSchema = z
  .strictObject({
    /**
     * shop: payments from a till or the operator; clinic: patients check in and the clinic's event settles;
     * enrolment: an officer enrols people (hubToken is then the station's enrollment client).
     */
    mode: z.enum(['shop', 'clinic', 'enrolment']).default('shop'),
    /** Required in clinic mode. */
    clinic: clinicSchema.optional(),
    /** Required in enrolment mode. */
    enrolment: enrolmentSchema.optional(),
    /** The hub's base URL: https://..., or http:// only to this machine (http://127.0.0.1:8787). */
    hubUrl: z.url().superRefine((url, context) => {
      const problem = hubUrlProblem(url);
      if (problem !== null) context.addIssue({ code: 'custom', message: problem });
    }),
    /** Bearer token of this till's merchant client on the hub. */
    hubToken: token,
    /** The merchant account payments go to (shop and clinic; an enrolment station takes no payment). */
    payee: accountIdSchema.optional(),
    shopName: z.string().min(1).max(100),
    /** Folder of the kiosk's own key pairs (made on first start, 0600). Relative to the config file. */
    keysDir: z.string().min(1),
    /** The id the hub gave this kiosk at registration (hub:admin register-kiosk). */
    kioskId: z.string().min(1).max(64),
    /** Bearer token the merchant's till uses for POST /kiosk/v1/payment-requests (shop and clinic). */
    tillToken: token.optional(),
    /** Port of the till's payment-request API on 127.0.0.1 (Electron shell; the web shell serves it on its own port). */
    tillApiPort: z.number().int().min(0).max(65_535).default(8791),
    /** Operator PIN (digits) that opens the operator screen and the kiosk-mode exit. */
    operatorPin: z.string().regex(/^[0-9]{4,8}$/),
    defaultLanguage: z.enum(['ja', 'en']).default('ja'),
    /** natural: passive texture + a blink or 3-D head motion; challenge: also a random blink/turn challenge. */
    livenessPolicy: z.enum(['natural', 'challenge']).default('natural'),
    /**
     * The challenge's kinds (blink, turn_left, turn_right, look_up, look_down), three or more; default all
     * five. Leave out what this kiosk's shoppers cannot do (a camera mounted low makes looking down awkward);
     * each kind left out makes a replayed recording likelier to match the drawn order (README).
     */
    challengeKinds: challengePoolSchema.default([...challengeKinds]),
    /** Category of payments typed on the operator screen (tills send their own). */
    defaultCategory: categorySchema.optional(),
  })
  .refine((config) => config.mode !== 'clinic' || config.clinic !== undefined, {
    message: 'clinic mode needs a "clinic" section (cap, noShowAfterSeconds)',
    path: ['clinic'],
  })
  .refine((config) => config.mode !== 'enrolment' || config.enrolment !== undefined, {
    message: 'enrolment mode needs an "enrolment" section (officers, documentHashKey)',
    path: ['enrolment'],
  })
  .refine((config) => config.mode === 'enrolment' || config.payee !== undefined, {
    message: 'a shop or clinic kiosk needs "payee" (the merchant account payments go to)',
    path: ['payee'],
  })
  .refine((config) => config.mode === 'enrolment' || config.tillToken !== undefined, {
    message: 'a shop or clinic kiosk needs "tillToken" (the till API\'s bearer token)',
    path: ['tillToken'],
  });
export type KioskConfigFile = z.input<typeof kioskConfigSchema>;
export type KioskConfig = z.output<typeof kioskConfigSchema> & { configDir: string };

/**
 * The kiosk's config, refused while group or others may read or write it: it holds the hub and till
 * tokens and the operator PIN (the same rule as the keys folder's 0700); so is its folder while they may
 * enter it.
 */
export async function readKioskConfig(file: string): Promise<KioskConfig> {
  let json: unknown;
  try {
    const mode = (await stat(file)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new Error(
        `must be mode 0600 (it holds the hub and till tokens and the operator PIN), not 0${mode.toString(8)}: chmod 600 ${file}`,
      );
    }
    // Its folder holds the keys folder, the enrolment log and frames beside it: nobody else's either.
    const folderProblem = await kioskFolderProblem(path.dirname(path.resolve(file)));
    if (folderProblem !== null) throw new Error(folderProblem);
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`kiosk config ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = kioskConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`kiosk config ${file}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const configDir = path.dirname(path.resolve(file));
  const { enrolment } = parsed.data;
  return {
    ...parsed.data,
    keysDir: path.resolve(configDir, parsed.data.keysDir),
    ...(enrolment === undefined
      ? {}
      : { enrolment: { ...enrolment, logFile: path.resolve(configDir, enrolment.logFile) } }),
    configDir,
  };
}

/** The payee of a shop or clinic kiosk (the schema requires it there): a programmer error elsewhere. */
export function payeeOf(config: Pick<KioskConfig, 'mode' | 'payee'>): string {
  assert(config.payee !== undefined, `a ${config.mode} kiosk has no payee`);
  return config.payee;
}
