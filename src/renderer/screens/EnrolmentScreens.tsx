// The enrolment station's screens, for the officer at the desk: sign-in, the ID document form, the ID
// photo (a camera still or a scanner's file), the live face beside that photo with quality prompts, the
// PIN twice, the consent text, and the outcome (enrolled, or the reason the enrolment stopped).
import type { ReactNode } from 'react';
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { i18n as I18n, TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import {
  deskRefusalReasons,
  enrolmentRefusalReasons,
  stationHubCodes,
  type CredentialsRefused,
  type KioskError,
  type PersonToErase,
  type StationView,
} from '../../shared/kiosk-api.ts';
import { idDocumentTypes } from '../../shared/hub-api.ts';
import {
  idDocumentErrorCodes,
  type MrzCheckDigit,
  type MrzField,
  type TypedIdDocument,
} from '../../shared/id-document.ts';
import { pinDigitsMax, pinDigitsMin } from '../../shared/limits.ts';
import type { Challenge } from '../../shared/challenge-kinds.ts';
import type { FaceReader } from '../face/face-reader.ts';
import type { FaceRefusalCode } from '../face/face-refusal.ts';
import { faceRefusalCodes, moveWords } from '../face/face-refusal.ts';
import { dateTimeFormat } from '../date-time.ts';
import { FaceGuide, FacePromptText, useFaceSession, type FaceOutcome } from './face-guide.tsx';
import { GuardianTermsSummary } from './guardian-terms.tsx';
import { Keypad } from './Keypad.tsx';
import { DateInput, ScreenTitle } from './parts.tsx';

export type StationStep = 'document' | 'guardian' | 'photo' | 'live' | 'pin' | 'consent' | 'done';
const adultSteps: readonly StationStep[] = ['document', 'photo', 'live', 'pin', 'consent', 'done'];
/** A child's enrolment has the guardian's consent between the document and the child's photo. */
const childSteps: readonly StationStep[] = ['document', 'guardian', ...adultSteps.slice(1)];

/**
 * True while the hub refuses this station's credentials and an enrolment is under way at a step before its
 * consent (EnrolmentStation provides it): the step's frame says so, the guardian's steps included.
 */
export const HubRefusesEnrolment = createContext(false);

/**
 * The hub refuses the station mid-enrolment: said on the step itself, compact above its camera, keypad or
 * form, so the officer can stop now rather than learn it at the consent; it goes once the hub takes the
 * station again, and the step stays usable meanwhile.
 */
function RefusedDuringEnrolment() {
  const { t } = useTranslation();
  return (
    <p
      className="pin-warning station-refused-enrolment"
      role="alert"
      data-testid="station-refused-during-enrolment"
    >
      <strong>{t('enrol.refusedDuringEnrolment.title')}</strong>{' '}
      {t('enrol.refusedDuringEnrolment.body', { cancel: t('enrol.cancel') })}
    </p>
  );
}

/** The officer's bar: who is signed in, the step reached, sign-out. */
export function StationFrame(props: {
  station: StationView;
  /** null: not an enrolment (erasure, PIN unlock): no enrolment steps shown. */
  step: StationStep | null;
  title: string;
  /** A step within the screen (ScreenTitle's focusKey): its title takes the focus again as it changes. */
  titleFocusKey?: string;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const steps = props.station.enrolment?.child === true ? childSteps : adultSteps;
  const reached = props.step === null ? -1 : steps.indexOf(props.step);
  const hubRefuses = useContext(HubRefusesEnrolment);
  return (
    <main className="screen screen-station" aria-labelledby="station-title">
      <div className="station-bar">
        <span className="station-officer" data-testid="station-officer">
          {t('enrol.officer', { id: props.station.officer ?? '' })}
        </span>
        <ol className="station-steps" hidden={props.step === null}>
          {steps.map((step, index) => (
            <li
              key={step}
              className={index < reached ? 'step-done' : index === reached ? 'step-now' : ''}
            >
              {t(`enrol.steps.${step}`)}
            </li>
          ))}
        </ol>
        <button className="button button-secondary button-small" onClick={props.onSignOut}>
          {t('enrol.signOut')}
        </button>
      </div>
      <ScreenTitle id="station-title" focusKey={props.titleFocusKey}>
        {props.title}
      </ScreenTitle>
      {hubRefuses ? <RefusedDuringEnrolment /> : null}
      {props.children}
    </main>
  );
}

export function StationSignInScreen(props: {
  message: string | null;
  busy: boolean;
  /** The hub refuses this station's credentials: said beside the sign-in, which still works. */
  credentialsRefused: CredentialsRefused | null;
  onSignIn: (officerId: string, pin: string) => void;
}) {
  const { t } = useTranslation();
  const signIn = (
    <div className="station-signin-form">
      <ScreenTitle id="signin-title">{t('enrol.signIn.title')}</ScreenTitle>
      {props.message === null ? null : (
        <p className="pin-warning" role="alert" data-testid="station-message">
          {props.message}
        </p>
      )}
      <OfficerPinEntry
        idLabel={t('enrol.signIn.officerId')}
        pinLabel={t('enrol.signIn.pin')}
        submitLabel={t('enrol.signIn.submit')}
        idTestId="officer-id"
        busy={props.busy}
        onSubmit={props.onSignIn}
      />
    </div>
  );
  return (
    <main className="screen screen-station-signin" aria-labelledby="signin-title">
      {props.credentialsRefused === null ? (
        signIn
      ) : (
        // Side by side: the notice scrolls on its own, the keypad stays whole on the screen.
        <div className="station-signin-refused">
          <StationHubRefuses refused={props.credentialsRefused} steps />
          {signIn}
        </div>
      )}
    </main>
  );
}

/** The hub codes a refusal of this station's credentials has its own words for (as the staff menu's). */
const credentialsReasons: ReadonlySet<string> = new Set([
  'unauthorized',
  'kiosk_revoked',
  'forbidden',
  'kiosk_signature_invalid',
  'not_found',
]);

function credentialsReasonKey(code: string): string {
  return `enrol.hubRefuses.reasons.${credentialsReasons.has(code) ? code : 'other'}`;
}

/**
 * The hub answers but refuses this station's credentials: the officer learns what the hub said, that it
 * is not the network and no retry helps, and (`steps`) what the hub's administrator runs to provision the
 * station again: the staff menu's hub:admin commands, those a station needs (an enrolment client).
 */
export function StationHubRefuses(props: {
  refused: CredentialsRefused;
  steps: boolean;
  /**
   * It stands in for the desk's form or the refusal's words: it takes their room (whole where the display
   * has it) instead of a box of half the screen.
   */
  inPlaceOfForm?: boolean;
}) {
  const { t } = useTranslation();
  const { status, code } = props.refused;
  const room = props.inPlaceOfForm === true ? ' station-hub-refuses-whole' : '';
  return (
    <section
      className={`hub-refuses-kiosk station-hub-refuses${room}`}
      role="alert"
      aria-labelledby="station-refuses-title"
      data-testid="station-hub-refuses"
      data-code={code}
    >
      <h2 id="station-refuses-title">{t('enrol.hubRefuses.title')}</h2>
      <p>{t(credentialsReasonKey(code))}</p>
      <p className="hub-answer">{t('operator.credentialsAnswer', { status, code })}</p>
      <p>{t('enrol.hubRefuses.notNetwork')}</p>
      {props.steps ? (
        <>
          <p>{t('enrol.hubRefuses.steps')}</p>
          <ol>
            <li>
              {t('enrol.hubRefuses.rotate')}
              <code>{t('operator.credentialsCommand.rotate')}</code>
            </li>
            <li>
              {t('enrol.hubRefuses.provision')}
              <code>{t('enrol.hubRefuses.createClient')}</code>
              <code>{t('enrol.hubRefuses.registerKiosk')}</code>
              <code>{t('enrol.hubRefuses.transferEnrollments')}</code>
              {t('enrol.hubRefuses.register')}
            </li>
          </ol>
          <p data-testid="hub-refuses-restart">{t('enrol.hubRefuses.restart')}</p>
        </>
      ) : null}
    </section>
  );
}

/** An officer's id and PIN (sign-in, and the second officer of an override): the keypad submits both. */
function OfficerPinEntry(props: {
  idLabel: string;
  pinLabel: string;
  submitLabel: string;
  idTestId: string;
  busy: boolean;
  onSubmit: (officerId: string, pin: string) => void;
}) {
  const [officerId, setOfficerId] = useState('');
  return (
    <>
      <label className="field field-inline">
        <span>{props.idLabel}</span>
        <input
          value={officerId}
          onChange={(event) => setOfficerId(event.target.value.trim())}
          autoComplete="off"
          maxLength={64}
          data-testid={props.idTestId}
        />
      </label>
      <Keypad
        label={props.pinLabel}
        masked
        minLength={4}
        maxLength={12}
        submitLabel={props.submitLabel}
        busy={props.busy || officerId === ''}
        onSubmit={(pin) => props.onSubmit(officerId, pin)}
      />
    </>
  );
}

export interface DocumentForm {
  accountId: string;
  document: TypedIdDocument;
}

/** What the officer does with the document: enrol a new person, or erase / unlock one enrolled here. */
export type DeskAction = 'enrol' | 'erase' | 'unlock_pin';
const deskActions: readonly DeskAction[] = ['enrol', 'erase', 'unlock_pin'];

const emptyDocument: TypedIdDocument = {
  type: 'my_number_card',
  number: '',
  name: '',
  dateOfBirth: '',
  expiry: '',
};

/**
 * Enrolments whose answer was lost and that the hub no longer answers for: a person without a face may
 * hold the account. Shown on the desk's first screen until an enrolment of that account or document
 * succeeds, so the officer asks the hub's admin to erase them (by account or document hash).
 */
function PersonsToErase(props: { persons: StationView['personsToErase'] }) {
  const { t, i18n } = useTranslation();
  if (props.persons.length === 0) return null;
  return (
    <div className="pin-warning persons-to-erase" role="alert" data-testid="persons-to-erase">
      <p>{t('enrol.personsToErase.title')}</p>
      <ul>
        {props.persons.map((person, index) => (
          // Two tries of one document may both be listed.
          <li key={`${person.documentHash}:${index}`}>
            {t('enrol.personsToErase.item', {
              document: t(`enrol.document.types.${person.documentType}`),
              account: person.accountId,
              sentAt:
                person.sentAt === null
                  ? t('enrol.personsToErase.unknownTime')
                  : dateTimeFormat(i18n.language, 'dateTime').format(new Date(person.sentAt)),
              hash: person.documentHash,
            })}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function StationDocumentScreen(props: {
  station: StationView;
  /** What the officer typed before a refusal, to correct; null: an empty form. */
  initial: DocumentForm | null;
  busy: boolean;
  action: DeskAction;
  onAction: (action: DeskAction) => void;
  onSubmit: (form: DocumentForm) => void;
  onSignOut: () => void;
  /**
   * The hub refuses this station's credentials: no enrolment can be sent, so the notice stands in for the
   * enrolment's form (the service refuses it too); erasure and unlock keep theirs, the hub answers them.
   */
  credentialsRefused: CredentialsRefused | null;
}) {
  const { t } = useTranslation();
  const enrolling = props.action === 'enrol';
  const refused = props.credentialsRefused;
  const [accountId, setAccountId] = useState(props.initial?.accountId ?? '');
  const [document, setDocument] = useState<TypedIdDocument>(
    props.initial?.document ?? emptyDocument,
  );
  const set = (change: Partial<TypedIdDocument>) => setDocument((d) => ({ ...d, ...change }));
  const hasMrz = document.type === 'passport' || document.type === 'residence_card';
  const calibrated = props.station.photoVsLive;
  const ready =
    (accountId !== '' || !enrolling) &&
    document.number !== '' &&
    document.name.trim() !== '' &&
    document.dateOfBirth !== '' &&
    document.expiry !== '' &&
    (calibrated !== null || !enrolling);
  const submit = () => {
    const { mrz, ...rest } = document;
    const typed = hasMrz && mrz !== undefined && mrz.trim() !== '' ? { ...rest, mrz } : rest;
    props.onSubmit({ accountId: accountId.trim(), document: typed });
  };
  return (
    <StationFrame
      station={props.station}
      step={enrolling ? 'document' : null}
      title={t('enrol.document.title')}
      onSignOut={props.onSignOut}
    >
      <div className="desk-actions" role="radiogroup" aria-label={t('enrol.document.title')}>
        {deskActions.map((action) => (
          <button
            key={action}
            type="button"
            role="radio"
            aria-checked={props.action === action}
            className={`desk-action ${props.action === action ? 'desk-action-on' : ''}`}
            onClick={() => props.onAction(action)}
            data-testid={`desk-${action}`}
          >
            {t(`enrol.actions.${action}`)}
          </button>
        ))}
      </div>
      {refused === null ? null : (
        <StationHubRefuses refused={refused} steps={enrolling} inPlaceOfForm={enrolling} />
      )}
      {!enrolling || refused !== null ? null : calibrated === null ? (
        <p className="pin-warning" role="alert" data-testid="no-calibration">
          {t('enrol.calibration.missing')}
        </p>
      ) : (
        <p className="station-note" data-testid="calibration-point">
          {t('enrol.calibration.point', {
            threshold: calibrated.threshold.toFixed(3),
            fmr: percent(calibrated.fmr),
            fnmr: percent(calibrated.fnmr),
          })}
        </p>
      )}
      <PersonsToErase persons={props.station.personsToErase} />
      {enrolling && refused !== null ? null : (
        <form
          className="document-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (ready && !props.busy) submit();
          }}
        >
          {enrolling ? (
            <Field label={t('enrol.document.account')}>
              <input
                value={accountId}
                onChange={(e) => setAccountId(e.target.value)}
                data-testid="doc-account"
              />
            </Field>
          ) : null}
          <Field label={t('enrol.document.type')}>
            <select
              value={document.type}
              onChange={(e) => set({ type: e.target.value as TypedIdDocument['type'] })}
              data-testid="doc-type"
            >
              {idDocumentTypes.map((type) => (
                <option key={type} value={type}>
                  {t(`enrol.document.types.${type}`)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('enrol.document.number')}>
            <input
              value={document.number}
              onChange={(e) => set({ number: e.target.value })}
              data-testid="doc-number"
            />
          </Field>
          <Field
            label={t('enrol.document.name')}
            {...(document.type === 'passport' ? { hint: t('enrol.document.nameHint') } : {})}
          >
            <input
              value={document.name}
              onChange={(e) => set({ name: e.target.value })}
              data-testid="doc-name"
            />
          </Field>
          <Field label={t('enrol.document.dateOfBirth')}>
            <DateInput
              value={document.dateOfBirth}
              onChange={(iso) => set({ dateOfBirth: iso })}
              testId="doc-birth"
            />
          </Field>
          <Field label={t('enrol.document.expiry')}>
            <DateInput
              value={document.expiry}
              onChange={(iso) => set({ expiry: iso })}
              testId="doc-expiry"
              placeholder={t('enrol.document.expiryPlaceholder')}
            />
          </Field>
          {hasMrz ? (
            <Field
              wide
              label={t(
                document.type === 'passport' ? 'enrol.document.mrz' : 'enrol.document.mrzOptional',
              )}
              hint={t('enrol.document.mrzHint')}
            >
              <textarea
                className="mrz-input"
                rows={3}
                spellCheck={false}
                value={document.mrz ?? ''}
                onChange={(e) => set({ mrz: e.target.value })}
                data-testid="doc-mrz"
              />
            </Field>
          ) : null}
          <div className="actions form-actions">
            <button
              type="submit"
              className="button button-primary"
              disabled={!ready || props.busy}
              data-testid="doc-submit"
            >
              {t(
                props.action === 'erase'
                  ? 'enrol.document.submitErase'
                  : props.action === 'unlock_pin'
                    ? 'enrol.document.submitUnlock'
                    : 'enrol.document.submit',
              )}
            </button>
          </div>
        </form>
      )}
    </StationFrame>
  );
}

export function Field(props: {
  label: string;
  hint?: string;
  wide?: boolean;
  children: ReactNode;
}) {
  return (
    <label className={`field ${props.wide === true ? 'field-wide' : ''}`}>
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.hint === undefined ? null : <span className="field-hint">{props.hint}</span>}
    </label>
  );
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate < 0.01 ? 2 : 1)}%`;
}

/** The camera's picture, unmirrored for the document (mirrored only for the person's own face). */
function CameraVideo(props: {
  stream: MediaStream;
  mirrored: boolean;
  video?: (v: HTMLVideoElement | null) => void;
}) {
  const element = useRef<HTMLVideoElement | null>(null);
  const { stream } = props;
  useEffect(() => {
    const video = element.current;
    if (video === null) return;
    video.srcObject = stream;
    void video.play().catch(() => undefined);
  }, [stream]);
  return (
    <video
      ref={(v) => {
        element.current = v;
        props.video?.(v);
      }}
      className={`camera-video ${props.mirrored ? '' : 'camera-unmirrored'}`}
      muted
      playsInline
      aria-hidden="true"
    />
  );
}

export function StationPhotoScreen(props: {
  station: StationView;
  stream: MediaStream | null;
  busy: boolean;
  message: string | null;
  onStill: (source: HTMLVideoElement) => void;
  onFile: (file: File) => void;
  onCancel: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement | null>(null);
  return (
    <StationFrame
      station={props.station}
      step="photo"
      title={t('enrol.photo.title')}
      onSignOut={props.onSignOut}
    >
      <p className="station-note">{t('enrol.photo.hint')}</p>
      {props.stream === null ? null : (
        <div className="camera-frame camera-frame-small">
          <CameraVideo stream={props.stream} mirrored={false} video={(v) => (video.current = v)} />
          <div className="document-guide" aria-hidden="true" />
        </div>
      )}
      <p className="prompt" role="status" aria-live="polite" data-testid="photo-message">
        {props.busy ? t('enrol.photo.reading') : (props.message ?? '\u00a0')}
      </p>
      <div className="actions">
        <button
          className="button button-primary"
          disabled={props.busy || props.stream === null}
          onClick={() => video.current !== null && props.onStill(video.current)}
          data-testid="photo-capture"
        >
          {t('enrol.photo.capture')}
        </button>
        <label className={`button button-secondary ${props.busy ? 'button-disabled' : ''}`}>
          {t('enrol.photo.file')}
          <input
            type="file"
            accept="image/jpeg,image/png"
            className="visually-hidden"
            disabled={props.busy}
            data-testid="photo-file"
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (file !== undefined) props.onFile(file);
            }}
          />
        </label>
        <button className="button button-secondary" onClick={props.onCancel}>
          {t('enrol.cancel')}
        </button>
      </div>
    </StationFrame>
  );
}

type StationLiveProps = {
  station: StationView;
  stream: MediaStream;
  reader: FaceReader;
  photoUrl: string | null;
  onOutcome: (outcome: FaceOutcome) => void;
  onCancel: () => void;
  onSignOut: () => void;
  /** Default: the person's live face step. */
  step?: StationStep;
  title?: string;
  hint?: string;
  /** Why the face is read again (a refused try), shown above the camera. */
  message?: string | null;
};

/**
 * A live face at the station: the shop kiosk's face session (quality prompts, liveness), beside the ID
 * photo for the person enrolled; the guardian's step shows it with its own title, note and message. A face
 * engine that fails on every frame or hangs (EngineFailureRun, FaceReader.hung, as at the shop kiosk) stops
 * the session for its own title and words that say so (the guardian's step too), with a new session (try
 * again) and the enrolment's cancel as the ways out.
 */
export function StationLiveScreen(props: StationLiveProps) {
  const { t } = useTranslation();
  /** Bumped by "try again": a new session (the face session restarts only for a new component). */
  const [attempt, setAttempt] = useState(0);
  const [engineFailed, setEngineFailed] = useState(false);
  if (!engineFailed) {
    return (
      <StationLiveSession key={attempt} {...props} onEngineFailed={() => setEngineFailed(true)} />
    );
  }
  return (
    <StationFrame
      station={props.station}
      step={props.step ?? 'live'}
      title={t('enrol.live.engineFailedTitle')}
      onSignOut={props.onSignOut}
    >
      <p className="pin-warning" role="alert" data-testid="engine-failed">
        {t('enrol.live.engineFailed')}
      </p>
      <div className="actions">
        <button
          className="button button-primary"
          data-testid="live-retry"
          onClick={() => {
            setEngineFailed(false);
            setAttempt((done) => done + 1);
          }}
        >
          {t('enrol.retry')}
        </button>
        <button className="button button-secondary" onClick={props.onCancel}>
          {t('enrol.cancel')}
        </button>
      </div>
    </StationFrame>
  );
}

/** StationLiveScreen's camera and face session, until the session decides, refuses or gives up on the engine. */
function StationLiveSession(props: StationLiveProps & { onEngineFailed: () => void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement | null>(null);
  const session = useFaceSession({
    reader: props.reader,
    stream: props.stream,
    video,
    onOutcome: props.onOutcome,
    onEngineFailed: props.onEngineFailed,
  });
  const message = props.message ?? null;
  return (
    <StationFrame
      station={props.station}
      step={props.step ?? 'live'}
      title={props.title ?? t('enrol.live.title')}
      onSignOut={props.onSignOut}
    >
      <p className="station-note">{props.hint ?? t('enrol.live.hint')}</p>
      {message === null ? null : (
        <p className="pin-warning" role="alert" data-testid="guardian-message">
          {message}
        </p>
      )}
      <div className="live-pair">
        {props.photoUrl === null ? null : (
          <img className="id-photo" src={props.photoUrl} alt={t('enrol.steps.photo')} />
        )}
        <div className="camera-frame camera-frame-small">
          <CameraVideo stream={props.stream} mirrored video={(v) => (video.current = v)} />
          <FaceGuide progress={session.progress} faceSeen={session.faceSeen} />
        </div>
      </div>
      <FacePromptText promptKey={session.promptKey} />
      <div className="actions">
        <button className="button button-secondary" onClick={props.onCancel}>
          {t('enrol.cancel')}
        </button>
      </div>
    </StationFrame>
  );
}

/**
 * The PIN pad at the station: the person's new PIN (twice), or, with its own step, title and words,
 * the guardian's own PIN with the limits they agree to beside it (`aside`).
 */
export function StationPinScreen(props: {
  station: StationView;
  again: boolean;
  message: string | null;
  busy: boolean;
  onPin: (pin: string) => void;
  onCancel: () => void;
  onSignOut: () => void;
  /** Default: the person's PIN step. */
  step?: StationStep;
  title?: string;
  /** null: no note above the pad. */
  hint?: string | null;
  submitLabel?: string;
  aside?: ReactNode;
  messageTestId?: string;
}) {
  const { t } = useTranslation();
  const hint = props.hint === undefined ? t('enrol.pin.hint') : props.hint;
  const keypad = (
    <Keypad
      key={props.again ? 'again' : 'first'}
      label={t('pin.label')}
      masked
      minLength={pinDigitsMin}
      maxLength={pinDigitsMax}
      submitLabel={props.submitLabel ?? t('actions.ok')}
      busy={props.busy}
      onSubmit={props.onPin}
    />
  );
  return (
    <StationFrame
      station={props.station}
      step={props.step ?? 'pin'}
      title={props.title ?? t(props.again ? 'enrol.pin.again' : 'enrol.pin.first')}
      // The first pad goes and the second comes (or back, the two PINs differing): the focused key went with
      // the first, so the title that now says which PIN to type takes the focus, as on a new screen.
      titleFocusKey={props.again ? 'again' : 'first'}
      onSignOut={props.onSignOut}
    >
      {/* In the order the PIN is typed, the pad before Cancel; one column on a tall display, the pad beside
          the rest on a low one, and always beside `aside` (styles.css, .pin-layout). */}
      <div className={props.aside === undefined ? 'pin-layout' : 'pin-layout pin-layout-beside'}>
        <div className="pin-side">
          {hint === null ? null : <p className="station-note">{hint}</p>}
          {props.message === null ? null : (
            <p
              className="pin-warning"
              role="alert"
              data-testid={props.messageTestId ?? 'pin-warning'}
            >
              {props.message}
            </p>
          )}
          {props.aside}
        </div>
        {keypad}
        <button className="button button-secondary pin-actions" onClick={props.onCancel}>
          {t('enrol.cancel')}
        </button>
      </div>
    </StationFrame>
  );
}

export function StationConsentScreen(props: {
  station: StationView;
  busy: boolean;
  onAgree: () => void;
  onCancel: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  const paragraphs = t('enrol.consent.text', { returnObjects: true }) as unknown as string[];
  return (
    <StationFrame
      station={props.station}
      step="consent"
      title={t('enrol.consent.title')}
      onSignOut={props.onSignOut}
    >
      <section className="consent-text" data-testid="consent-text">
        {paragraphs.map((paragraph) => (
          <p key={paragraph}>{paragraph}</p>
        ))}
        <p className="consent-version">
          {t('enrol.consent.version', { version: props.station.consentVersion })}
        </p>
      </section>
      <div className="actions">
        <button
          className="button button-primary"
          disabled={props.busy}
          onClick={props.onAgree}
          data-testid="consent-agree"
        >
          {t('enrol.consent.agree')}
        </button>
        <button className="button button-secondary" disabled={props.busy} onClick={props.onCancel}>
          {t('enrol.cancel')}
        </button>
      </div>
    </StationFrame>
  );
}

export function StationDoneScreen(props: {
  station: StationView;
  onNext: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  const enrolment = props.station.enrolment;
  const person = enrolment?.person;
  if (enrolment === null || enrolment === undefined || person === null || person === undefined) {
    return null;
  }
  const match = enrolment.photoMatch;
  return (
    <StationFrame
      station={props.station}
      step="done"
      title={`✓ ${t('enrol.done.title')}`}
      onSignOut={props.onSignOut}
    >
      <div className="enrolled-summary">
        <dl className="enrolled">
          <dt>{t('enrol.done.name')}</dt>
          <dd data-testid="enrolled-name">{person.displayNameMasked}</dd>
          <dt>{t('enrol.done.member')}</dt>
          <dd data-testid="member-number">{person.memberNumber}</dd>
        </dl>
        {enrolment.guardian === null ? null : (
          <GuardianTermsSummary
            terms={enrolment.guardian}
            guardian={enrolment.guardian.displayNameMasked}
          />
        )}
      </div>
      {match === null ? null : (
        <p className="station-note" data-testid="photo-score">
          {t('enrol.done.match', {
            score: match.score.toFixed(3),
            threshold: match.threshold.toFixed(3),
          })}
        </p>
      )}
      <button className="button button-primary" onClick={props.onNext} data-testid="next-person">
        {t('enrol.done.next')}
      </button>
    </StationFrame>
  );
}

/**
 * A refusal as the officer's screens word it: the key of its words (the service's reason where it gives
 * one, else its code) and the facts the service passed beside it. Never the service's English sentence:
 * that stays in the error's `message`, for logs.
 */
export interface StationRefusal {
  /** enrol.refused.codes.<code>: title and body. */
  code: string;
  existingPersonMasked: string | null;
  mrzMismatches: readonly MrzField[] | null;
  lockedMinutes: number | null;
  /** mrz_invalid: the check digits that do not check; null: not named (the format, or another fault). */
  mrzCheckDigits: readonly MrzCheckDigit[] | null;
  /** hub_refused: the hub's own code, worded where the station knows it (stationHubCodes). */
  hubCode: string | null;
  /** The hub refuses this station's credentials (its answer): worded as that, whatever the code. */
  credentialsRefused: CredentialsRefused | null;
  /** A live face refused on a challenge move (face-refusal.ts): the move asked, which the body names. */
  challenge: Challenge | null;
}

export function stationRefusal(error: KioskError): StationRefusal {
  return {
    code: error.enrolmentReason ?? error.deskReason ?? error.documentCode ?? error.code,
    existingPersonMasked: error.existingPersonMasked ?? null,
    mrzMismatches: error.mrzMismatches ?? null,
    lockedMinutes: error.lockedMinutes ?? null,
    mrzCheckDigits: error.mrzCheckDigits ?? null,
    hubCode: error.hubCode ?? null,
    credentialsRefused: error.credentialsRefused ?? null,
    challenge: null,
  };
}

/** A refusal the renderer itself decides (a face not read, no camera): no facts from the service. */
export function localRefusal(
  code: FaceRefusalCode | 'camera',
  challenge: Challenge | null = null,
): StationRefusal {
  return {
    code,
    existingPersonMasked: null,
    mrzMismatches: null,
    lockedMinutes: null,
    mrzCheckDigits: null,
    hubCode: null,
    credentialsRefused: null,
    challenge,
  };
}

/**
 * Where a refusal's title and body are: the hub's own code's words for a hub_refused that names one the
 * station words, else its code's; a code without words of its own reads as hub_refused's.
 */
function refusalKey(i18n: I18n, refusal: StationRefusal): string {
  const hubCode = refusal.hubCode;
  if (refusal.code === 'hub_refused' && hubCode !== null) {
    const worded: readonly string[] = stationHubCodes;
    if (worded.includes(hubCode)) return `enrol.refused.hubCodes.${hubCode}`;
  }
  const known = i18n.exists(`enrol.refused.codes.${refusal.code}.title`);
  return `enrol.refused.codes.${known ? refusal.code : 'hub_refused'}`;
}

/** A list of named parts (fields, check digits) in the officer's language; `none` when there are none. */
function namedList(t: TFunction, keys: string[], none: string): string {
  return keys.length === 0
    ? t(none)
    : keys.map((key) => t(key)).join(t('enrol.refused.fieldSeparator'));
}

/** Title and body in the officer's language, with the facts the service passed. */
export function refusalWords(
  translation: { t: TFunction; i18n: I18n },
  refusal: StationRefusal,
): { title: string; body: string } {
  const { t, i18n } = translation;
  const refused = refusal.credentialsRefused;
  if (refused !== null) {
    return { title: t('enrol.hubRefuses.title'), body: t(credentialsReasonKey(refused.code)) };
  }
  const key = refusalKey(i18n, refusal);
  const title = t(`${key}.title`);
  if (refusal.lockedMinutes !== null) {
    return { title, body: t('enrol.refused.lockedMinutes', { count: refusal.lockedMinutes }) };
  }
  const digits = refusal.mrzCheckDigits ?? [];
  if (refusal.code === 'mrz_invalid' && digits.length > 0) {
    const named = digits.map((digit) => `enrol.refused.checkDigits.${digit}`);
    const list = namedList(t, named, 'enrol.refused.fields.some');
    return { title, body: t('enrol.refused.mrzCheckDigits', { digits: list }) };
  }
  const fields = (refusal.mrzMismatches ?? []).map((field) => `enrol.refused.fields.${field}`);
  const body = t(`${key}.body`, {
    fields: namedList(t, fields, 'enrol.refused.fields.some'),
    move: moveWords(t, refusal.challenge),
  });
  return { title, body };
}

/** One line for a screen that shows a refusal beside its form (sign-in, override, photo). */
export function refusalLine(translation: { t: TFunction; i18n: I18n }, refusal: StationRefusal) {
  return translation.t('enrol.refused.line', refusalWords(translation, refusal));
}

/**
 * The refusal screen's heading says where the enrolment stands: stopped only when nothing but starting
 * again is offered; a typed field to correct, an answer to wait for, or a second officer's override that
 * carries it on is not a stop.
 */
function refusalHeading(options: {
  atDesk: boolean;
  canRetry: boolean;
  canCorrect: boolean;
  canOverride: boolean;
}) {
  if (options.atDesk) return 'enrol.refused.titleDesk';
  if (options.canRetry || options.canOverride) return 'enrol.refused.titleNotYet';
  if (options.canCorrect) return 'enrol.refused.titleCorrect';
  return 'enrol.refused.title';
}

export function StationRefusedScreen(props: {
  station: StationView;
  refusal: StationRefusal;
  /** Refused at the desk (erasure, PIN unlock): no enrolment step, the desk's title. */
  atDesk: boolean;
  /** The refusal answered the document form: the officer may correct what they typed, where a typo may be why. */
  canCorrect: boolean;
  onCorrect: () => void;
  /** The hub did not answer the enrolment (or the camera is gone): it may be tried again as it stands. */
  canRetry: boolean;
  /** The step it stopped at, where the code does not tell (a camera lost at the guardian's or the live face). */
  step?: StationStep;
  onRetry: () => void;
  onAgain: () => void;
  onOverride: () => void;
  onSignOut: () => void;
}) {
  const translation = useTranslation();
  const { t } = translation;
  const { code, existingPersonMasked } = props.refusal;
  const match = props.station.enrolment?.photoMatch ?? null;
  const step = props.atDesk ? null : (props.step ?? refusedAt(code));
  const words = refusalWords(translation, props.refusal);
  const canCorrect = props.canCorrect && typoMayCause.includes(code);
  const credentials = props.refusal.credentialsRefused;
  // Sending again cannot help while the hub refuses the station (the service keeps what is unanswered).
  const canRetry = props.canRetry && credentials === null;
  const canOverride = code === 'face_mismatch';
  return (
    <StationFrame
      station={props.station}
      step={step}
      title={t(refusalHeading({ atDesk: step === null, canRetry, canCorrect, canOverride }))}
      onSignOut={props.onSignOut}
    >
      <div
        className="station-refusal"
        role="alert"
        data-code={code}
        data-hub-code={props.refusal.hubCode ?? undefined}
      >
        {credentials === null ? (
          <p className="error-title">{words.title}</p>
        ) : (
          <StationHubRefuses refused={credentials} steps inPlaceOfForm />
        )}
        {existingPersonMasked === null ? null : (
          <p className="station-note" data-testid="existing-person">
            <strong>{t('enrol.refused.existing', { id: existingPersonMasked })}</strong>
          </p>
        )}
        {credentials === null ? (
          <p className="station-note" data-testid="refusal-detail">
            {words.body}
          </p>
        ) : null}
        {match === null || match.matched ? null : (
          <p className="station-note" data-testid="photo-score">
            {t('enrol.done.match', {
              score: match.score.toFixed(3),
              threshold: match.threshold.toFixed(3),
            })}
          </p>
        )}
      </div>
      <div className="actions">
        {canRetry ? (
          <button className="button button-primary" onClick={props.onRetry} data-testid="retry">
            {t('enrol.retry')}
          </button>
        ) : null}
        {canCorrect ? (
          <button
            className="button button-primary"
            onClick={props.onCorrect}
            data-testid="correct-document"
          >
            {t('enrol.refused.correct')}
          </button>
        ) : null}
        <button
          className={`button ${canCorrect || canRetry ? 'button-secondary' : 'button-primary'}`}
          onClick={props.onAgain}
          data-testid="start-again"
        >
          {t(props.atDesk ? 'enrol.refused.backToDesk' : 'enrol.refused.again')}
        </button>
        {canOverride ? (
          <button
            className="button button-danger"
            onClick={props.onOverride}
            data-testid="override-open"
          >
            {t('enrol.override.open')}
          </button>
        ) : null}
      </div>
    </StationFrame>
  );
}

/** A second officer signs for a live face under the photo-vs-live threshold: their id and PIN. */
export function StationOverrideScreen(props: {
  station: StationView;
  busy: boolean;
  message: string | null;
  onOverride: (officerId: string, pin: string) => void;
  onCancel: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  const match = props.station.enrolment?.photoMatch ?? null;
  return (
    <StationFrame
      station={props.station}
      step="live"
      title={t('enrol.override.title')}
      onSignOut={props.onSignOut}
    >
      <p className="station-note" data-testid="override-text">
        {t('enrol.override.text', {
          score: match?.score.toFixed(3) ?? '-',
          threshold: match?.threshold.toFixed(3) ?? '-',
        })}
      </p>
      {props.message === null ? null : (
        <p className="pin-warning" role="alert" data-testid="override-message">
          {props.message}
        </p>
      )}
      <div className="override-row">
        <OfficerPinEntry
          idLabel={t('enrol.override.officerId')}
          pinLabel={t('enrol.override.pin')}
          submitLabel={t('enrol.override.submit')}
          idTestId="override-officer"
          busy={props.busy}
          onSubmit={props.onOverride}
        />
      </div>
      <button className="button button-secondary" onClick={props.onCancel}>
        {t('enrol.cancel')}
      </button>
    </StationFrame>
  );
}

/** Refusals a typo in the document form may cause (a wrong number finds nobody, or another document). */
const typoMayCause: readonly string[] = [
  ...idDocumentErrorCodes,
  'not_enrolled_here',
  'id_document_mismatch',
];

function refusedAt(code: string): StationStep | null {
  const atDesk = [
    'not_enrolled_here',
    'id_document_mismatch',
    'rate_limited',
    ...deskRefusalReasons,
  ];
  if (atDesk.includes(code)) return null;
  if (['guardian_not_adult', 'pin_locked', 'pin_checks_suspended'].includes(code))
    return 'guardian';
  if (['face_mismatch', ...faceRefusalCodes].includes(code)) return 'live';
  const atHub = ['duplicate_face', 'already_enrolled', 'hub_refused', 'hub_unreachable'];
  if ([...atHub, ...enrolmentRefusalReasons].includes(code)) {
    return 'consent';
  }
  return 'document';
}

export function StationWorkingScreen() {
  const { t } = useTranslation();
  return (
    <main className="screen screen-working" aria-busy="true">
      <div className="spinner" aria-hidden="true" />
      <p role="status">{t('enrol.working')}</p>
    </main>
  );
}

/**
 * Erasure cannot be undone: the officer confirms once more, with the person present, seeing whom the
 * document found (masked name and the member number's last digits; the masked id where the hub named nobody).
 */
export function StationEraseConfirmScreen(props: {
  station: StationView;
  personId: string;
  toErase: PersonToErase | null;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  return (
    <StationFrame
      station={props.station}
      step={null}
      title={t('enrol.erase.title')}
      onSignOut={props.onSignOut}
    >
      <p className="masked-name" data-testid="erase-person">
        {props.toErase === null
          ? t('enrol.actionDone.person', { id: maskedPersonId(props.personId) })
          : t('enrol.erase.person', {
              name: props.toErase.displayNameMasked,
              member: props.toErase.memberNumber.slice(-4),
            })}
      </p>
      <p className="station-note" data-testid="erase-text">
        {t('enrol.erase.text')}
      </p>
      <div className="actions">
        <button
          className="button button-danger"
          disabled={props.busy}
          onClick={props.onConfirm}
          data-testid="erase-confirm"
        >
          {t('enrol.erase.confirm')}
        </button>
        <button className="button button-secondary" disabled={props.busy} onClick={props.onCancel}>
          {t('actions.cancel')}
        </button>
      </div>
    </StationFrame>
  );
}

/** Erased or unlocked: the person's id masked (the officer needs no more to close the case). */
export function StationActionDoneScreen(props: {
  station: StationView;
  action: Exclude<DeskAction, 'enrol'>;
  personId: string;
  onNext: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  const masked = maskedPersonId(props.personId);
  return (
    <StationFrame
      station={props.station}
      step={null}
      title={`✓ ${t(`enrol.actionDone.${props.action}`)}`}
      onSignOut={props.onSignOut}
    >
      <p className="masked-name" data-testid="action-person">
        {t('enrol.actionDone.person', { id: masked })}
      </p>
      <button className="button button-primary" onClick={props.onNext} data-testid="action-next">
        {t('enrol.actionDone.next')}
      </button>
    </StationFrame>
  );
}

/** A person's id as the desk shows it: its ends, enough to tell one case from another. */
function maskedPersonId(personId: string): string {
  return `${personId.slice(0, 4)}…${personId.slice(-4)}`;
}
