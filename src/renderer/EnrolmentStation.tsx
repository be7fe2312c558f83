// The kiosk in enrolment mode: the officer's flow over the same kiosk API, camera and face worker as
// the shop counter. Each step is the service's to accept (document, a child's guardian, ID photo, live face,
// PIN + consent);
// this file only moves between screens, reads faces, and keeps the officer's session alive while they work.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  KioskApi,
  KioskError,
  KioskStatus,
  PersonToErase,
  StationView,
} from '../shared/kiosk-api.ts';
import { enrolmentConsentVersion } from '../shared/kiosk-api.ts';
import { stationIdleLockMs, stationIdPhotoBytesMax } from '../shared/limits.ts';
import { chosenCamera, openCamera, stopCamera, watchCamera } from './camera.ts';
import { qualityReasons } from '../biometrics/quality.ts';
import { stillEngineHungReason, type FaceReader } from './face/face-reader.ts';
import { faceRefusal, moveWordsKey } from './face/face-refusal.ts';
import type { Language } from './i18n.ts';
import { restoreLanguage, switchLanguage } from './i18n.ts';
import { mark } from './marks.ts';
import type { DeskAction, DocumentForm, StationRefusal } from './screens/EnrolmentScreens.tsx';
import {
  HubRefusesEnrolment,
  localRefusal,
  refusalLine,
  stationRefusal,
  StationActionDoneScreen,
  StationEraseConfirmScreen,
  StationConsentScreen,
  StationDocumentScreen,
  StationDoneScreen,
  StationLiveScreen,
  StationOverrideScreen,
  StationPhotoScreen,
  StationPinScreen,
  StationRefusedScreen,
  StationSignInScreen,
  StationWorkingScreen,
} from './screens/EnrolmentScreens.tsx';
import type { FaceOutcome } from './screens/FaceScreen.tsx';
import {
  defaultGuardianTerms,
  StationGuardianFaceScreen,
  StationGuardianPinScreen,
  StationGuardianTermsScreen,
} from './screens/GuardianScreens.tsx';
import type { GuardianTerms } from './screens/guardian-terms.tsx';
import { TopBar } from './screens/parts.tsx';

type Screen =
  | { name: 'station-signin'; message: Message | null }
  /** `form`: what the officer typed, shown again to correct after a refusal of it; null: an empty form. */
  | { name: 'station-document'; form: DocumentForm | null }
  | { name: 'station-guardian-terms' }
  | { name: 'station-guardian-face'; message: Message | null; attempt: number }
  | { name: 'station-guardian-pin'; message: Message | null }
  | { name: 'station-photo'; message: Message | null }
  | { name: 'station-live' }
  | { name: 'station-pin'; first: string | null; message: Message | null }
  | { name: 'station-consent'; pin: string }
  | { name: 'station-working' }
  | { name: 'station-done' }
  | { name: 'station-override'; message: Message | null }
  | {
      name: 'station-erase-confirm';
      document: DocumentForm['document'];
      personId: string;
      toErase: PersonToErase | null;
    }
  | { name: 'station-action-done'; action: Exclude<DeskAction, 'enrol'>; personId: string }
  | {
      name: 'station-refused';
      refusal: StationRefusal;
      /** Refused at the desk (erasure, PIN unlock), not in an enrolment. */
      atDesk: boolean;
      /** The document form the refusal answered, for the officer to correct; null: nothing to correct. */
      form: DocumentForm | null;
      /** A step the hub did not answer, which the service keeps: the officer may try it again; null: no retry. */
      retry: Retry | null;
    };

/**
 * A step to try again after the hub did not answer it. consent: the enrolment, with its PIN, sent again
 * from the consent screen, which asks the hub about the lost request first. guardian: the guardian's
 * consent, from their face (the face sent was zeroed, and the hub spent its nonce), then their PIN.
 */
type Retry = { at: 'consent'; pin: string } | { at: 'guardian' };

/**
 * A message kept as its translation key (and values), or as the refusal it words, so it follows a
 * language switch while it is shown.
 */
type Message =
  | { key: string; count?: number; translatedValues?: Record<string, string> }
  | { refusal: StationRefusal };

/** Where a refusal came from, for the ways on that its screen offers. */
type RefusalContext = Pick<
  Extract<Screen, { name: 'station-refused' }>,
  'atDesk' | 'form' | 'retry'
>;

/** A refusal in an enrolment's later step: no form to correct, nothing to send again. */
const noContext: RefusalContext = { atDesk: false, form: null, retry: null };

/**
 * The steps of an enrolment under way that take the person's (or guardian's) photo, face, PIN or terms
 * before anything is sent: while the hub refuses the station, each says so on the step (the desk, the
 * sign-in and the refusal have their own notice; the consent's agree answers with the refusal).
 */
const stepsBeforeSending: ReadonlySet<Screen['name']> = new Set([
  'station-guardian-terms',
  'station-guardian-face',
  'station-guardian-pin',
  'station-photo',
  'station-live',
  'station-pin',
] as const);

/**
 * Why a still gave no face, in the officer's words where the reason is one the renderer names (the
 * engine's own reasons, and an error's text, read as "unreadable").
 */
function unreadablePhoto(reason: string): Message {
  const named: readonly string[] = [...qualityReasons, 'too_large', 'not_an_image', 'not_ready'];
  const key = named.includes(reason) ? reason : 'unreadable';
  return {
    key: 'enrol.photo.unreadable',
    translatedValues: { reason: `enrol.photo.reasons.${key}` },
  };
}

/** The ID photo is read at most this large on its long side (a scanner's page is much larger). */
const stillSideMaxPixels = 1280;

/**
 * The screen an enrolment in progress is at, as the service holds it: a page opened again (a reload, a
 * second window for the guardian's camera) continues there; anything else starts at the document form.
 */
function resumedScreen(station: StationView | null): Screen {
  if (station?.officer == null) return { name: 'station-signin', message: null };
  switch (station.enrolment?.step) {
    case 'guardian':
      return { name: 'station-guardian-terms' };
    case 'id_photo':
      return { name: 'station-photo', message: null };
    case 'live_face':
      return { name: 'station-live' };
    case 'pin':
      return { name: 'station-pin', first: null, message: null };
    default:
      return { name: 'station-document', form: null };
  }
}

/** Screens that show the camera: opened (again) when the page starts on one. */
const cameraScreens: ReadonlySet<Screen['name']> = new Set([
  'station-guardian-terms',
  'station-photo',
  'station-live',
]);

/**
 * Screens during which the camera stays open: the camera steps, the guardian's PIN between their face and the
 * ID photo, and the wait for the live face's answer.
 */
const cameraKept: ReadonlySet<Screen['name']> = new Set([
  ...cameraScreens,
  'station-guardian-face',
  'station-guardian-pin',
  'station-working',
]);

export function EnrolmentStationApp(props: {
  api: KioskApi;
  status: KioskStatus;
  reader: FaceReader;
}) {
  const { t, i18n } = useTranslation();
  const { api, reader } = props;
  const [hub, setHub] = useState(props.status.hub);
  /** The hub answers but refuses this station's credentials: it must be provisioned again. */
  const [credentialsRefused, setCredentialsRefused] = useState(props.status.credentialsRefused);
  const [station, setStation] = useState<StationView | null>(props.status.station);
  const [screen, setScreen] = useState<Screen>(() => resumedScreen(props.status.station));
  const [busy, setBusy] = useState(false);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [photoUrl, setPhotoUrl] = useState<string | null>(null);
  const [action, setAction] = useState<DeskAction>('enrol');
  const [guardianTerms, setGuardianTerms] = useState<GuardianTerms>(defaultGuardianTerms);
  /** The guardian's live face between the camera and their PIN; zeroed once sent or abandoned. */
  const guardianFace = useRef<Extract<FaceOutcome, { type: 'decided' }> | null>(null);
  /**
   * performance.now (elapsed time), as the service's idle lock counts: a clock set back would silence the
   * pings for as long as it was moved, and the service would sign out an officer who is typing.
   */
  const lastPing = useRef(performance.now());
  const forgetGuardianFace = useCallback(() => {
    guardianFace.current?.descriptor.fill(0);
    guardianFace.current = null;
  }, []);

  /**
   * Bumped at each screen shown: a photo read begun on the photo step is dropped if the station has left
   * it since (Cancel, sign-out, the idle lock), as a hung engine's read ends only after its limit.
   */
  const screenTurn = useRef(0);
  /** The screen last shown, at once (the state's is seen only at the next render): a dropped read's camera. */
  const shown = useRef<Screen['name']>(screen.name);
  const show = useCallback((next: Screen) => {
    screenTurn.current += 1;
    shown.current = next.name;
    mark(`screen:${next.name}`);
    setScreen(next);
  }, []);
  // The current screen on <body>, for tests and screenshots (the PIN's second entry has its own name).
  // Set in the same commit as the screen's DOM (a layout effect): a test that reads it beside the
  // screen's text never sees the new text under the old name.
  useLayoutEffect(() => {
    const again = screen.name === 'station-pin' && screen.first !== null;
    document.body.dataset['screen'] = again ? 'station-pin-again' : screen.name;
  }, [screen]);
  // Back at sign-in (the officer signed out, or the idle lock), the station speaks its default language
  // again: the next officer or person is not left in the last one's.
  const defaultLanguage = props.status.defaultLanguage;
  useLayoutEffect(() => {
    if (screen.name === 'station-signin') void restoreLanguage(defaultLanguage);
  }, [screen.name, defaultLanguage]);

  // The service locks an idle station; its event brings the sign-in back with the reason.
  useEffect(
    () =>
      api.onEvent((event) => {
        if (event.type === 'hub') {
          setHub(event.hub);
          setCredentialsRefused(event.credentialsRefused ?? null);
        }
        if (event.type !== 'station') return;
        setStation(event.station);
        if (event.station.officer === null) {
          // The lock ends the officer's work: a step still waiting (a hung engine's photo read, whose drop
          // leaves busy alone) must not keep the sign-in's keypad off. A sign-in under way keeps its busy.
          if (shown.current !== 'station-signin') setBusy(false);
          show({ name: 'station-signin', message: { key: 'enrol.signIn.locked' } });
        }
      }),
    [api, show],
  );

  // Typing a long form makes no kiosk call: a tap or key tells the service the officer is still there.
  useEffect(() => {
    const activity = () => {
      if (performance.now() - lastPing.current < stationIdleLockMs / 6) return;
      lastPing.current = performance.now();
      void api.call('station', {}).then((answer) => answer.ok && setStation(answer.station));
    };
    window.addEventListener('pointerdown', activity);
    window.addEventListener('keydown', activity);
    return () => {
      window.removeEventListener('pointerdown', activity);
      window.removeEventListener('keydown', activity);
    };
  }, [api]);

  useEffect(
    () => () => {
      if (stream !== null) stopCamera(stream);
    },
    [stream],
  );
  // The camera is on only while a step may take a face or photo: signed out (by the officer or the idle
  // lock), at the desk, the PIN, the consent or a refusal its light would stay on all night. The next camera
  // step opens it again (ensureCamera).
  // Released as the screen leaves those steps, not as a camera opens: a step opens it before its screen shows.
  const cameraNeeded = station?.officer != null && cameraKept.has(screen.name);
  const streamRef = useRef(stream);
  streamRef.current = stream;
  useEffect(() => {
    // Stopped by the effect above, as the stream changes.
    if (!cameraNeeded && streamRef.current !== null) setStream(null);
  }, [cameraNeeded]);
  useEffect(
    () => () => {
      if (photoUrl !== null) URL.revokeObjectURL(photoUrl);
    },
    [photoUrl],
  );

  const ensureCamera = useCallback(async (): Promise<MediaStream | null> => {
    if (stream !== null && stream.getVideoTracks().some((track) => track.readyState === 'live')) {
      return stream;
    }
    const opened = await openCamera(chosenCamera());
    if (!opened.ok) {
      void api.call('reportCameraProblem', { problem: opened.problem });
      return null;
    }
    watchCamera(opened.stream, () => setStream(null));
    setStream(opened.stream);
    return opened.stream;
  }, [api, stream]);

  // A page that resumes an enrolment at a camera step opens the camera itself.
  const resumedOnCamera = useRef(cameraScreens.has(screen.name));
  useEffect(() => {
    if (!resumedOnCamera.current) return;
    resumedOnCamera.current = false;
    void ensureCamera();
  }, [ensureCamera]);

  /**
   * A refusal ends the enrolment on screen as the service ended it; some are only a retry. Its words come
   * from the resource files; the service's English message goes to the marks (a diagnostic trail), not
   * on screen.
   */
  const refused = useCallback(
    (error: KioskError, answered: Partial<RefusalContext> = {}) => {
      mark('station_refused', { code: error.code, message: error.message.slice(0, 300) });
      if (error.code === 'hub_unreachable') setHub('unreachable');
      // Said at once, before the runtime's next round tells it (the hub event).
      if (error.credentialsRefused !== undefined) setCredentialsRefused(error.credentialsRefused);
      if (error.code === 'officer_signed_out') {
        show({ name: 'station-signin', message: { key: 'enrol.signIn.locked' } });
        return;
      }
      show({ name: 'station-refused', refusal: stationRefusal(error), ...noContext, ...answered });
    },
    [show],
  );

  /** A refusal worded beside the form it answers (sign-in, override): the screen's own words if any. */
  const lineFor = useCallback(
    (error: KioskError, screenKeys: string): Message => {
      mark('station_refused', { code: error.code, message: error.message.slice(0, 300) });
      const own = `${screenKeys}.${error.code}`;
      return error.lockedMinutes === undefined && i18n.exists(own)
        ? { key: own }
        : { refusal: stationRefusal(error) };
    },
    [i18n],
  );

  const accept = useCallback(
    (answer: { ok: true; station: StationView } | { ok: false; error: KioskError }) => {
      setBusy(false);
      if (answer.ok) setStation(answer.station);
      else void api.call('station', {}).then((s) => s.ok && setStation(s.station));
      return answer.ok;
    },
    [api],
  );

  const signIn = useCallback(
    async (officerId: string, pin: string) => {
      setBusy(true);
      const answer = await api.call('officerSignIn', { officerId, pin });
      if (accept(answer)) show({ name: 'station-document', form: null });
      else if (!answer.ok) {
        show({ name: 'station-signin', message: lineFor(answer.error, 'enrol.signIn') });
      }
    },
    [accept, api, lineFor, show],
  );

  const signOut = useCallback(async () => {
    reader.stop();
    accept(await api.call('officerSignOut', {}));
    setPhotoUrl(null);
    show({ name: 'station-signin', message: null });
  }, [accept, api, reader, show]);

  /** Ends the enrolment; the document form again, empty or with `form` to correct. */
  const restart = useCallback(
    async (form: DocumentForm | null = null) => {
      reader.stop();
      forgetGuardianFace();
      setGuardianTerms(defaultGuardianTerms);
      accept(await api.call('enrolmentCancel', {}));
      setPhotoUrl(null);
      show({ name: 'station-document', form });
    },
    [accept, api, forgetGuardianFace, reader, show],
  );

  /** Erasure (after the officer confirms) or PIN unlock, on the document the person shows. */
  const personAction = useCallback(
    async (kind: Exclude<DeskAction, 'enrol'>, document: DocumentForm['document']) => {
      setBusy(true);
      const answer = await api.call(kind === 'erase' ? 'personErase' : 'personUnlockPin', {
        document,
      });
      setBusy(false);
      if (answer.ok) {
        setStation(answer.station);
        show({ name: 'station-action-done', action: kind, personId: answer.personId });
      } else refused(answer.error, { atDesk: true, form: { accountId: '', document } });
    },
    [api, refused, show],
  );

  /** Whom the document finds, erasing nobody: the confirmation names them (or the desk's refusal). */
  const previewErase = useCallback(
    async (document: DocumentForm['document']) => {
      setBusy(true);
      const answer = await api.call('personErase', { document, preview: true });
      setBusy(false);
      if (answer.ok) {
        setStation(answer.station);
        const { personId, toErase = null } = answer;
        show({ name: 'station-erase-confirm', document, personId, toErase });
      } else refused(answer.error, { atDesk: true, form: { accountId: '', document } });
    },
    [api, refused, show],
  );

  const submitDocument = useCallback(
    async (form: DocumentForm) => {
      if (action === 'erase') {
        await previewErase(form.document);
        return;
      }
      if (action === 'unlock_pin') {
        await personAction('unlock_pin', form.document);
        return;
      }
      setBusy(true);
      const answer = await api.call('enrolmentDocument', form);
      if (!accept(answer)) {
        if (answer.ok) return;
        if (answer.error.credentialsRefused === undefined) refused(answer.error, { form });
        else {
          // The document screen itself says it, in place of the form (kept for when the hub accepts again).
          const { code, message } = answer.error;
          mark('station_refused', { code, message: message.slice(0, 300) });
          setCredentialsRefused(answer.error.credentialsRefused);
          show({ name: 'station-document', form });
        }
        return;
      }
      await ensureCamera();
      // A child (the document's date of birth says so) needs their guardian's consent first.
      show(
        answer.ok && answer.station.enrolment?.step === 'guardian'
          ? { name: 'station-guardian-terms' }
          : { name: 'station-photo', message: null },
      );
    },
    [accept, action, api, ensureCamera, personAction, previewErase, refused, show],
  );

  const onGuardianFace = useCallback(
    (outcome: FaceOutcome) => {
      if (outcome.type === 'refused') {
        const refused = faceRefusal(outcome);
        const move = refused.challenge === null ? {} : { move: moveWordsKey(refused.challenge) };
        show({
          name: 'station-guardian-face',
          message: { key: `enrol.guardian.${refused.code}`, translatedValues: move },
          attempt: Date.now(),
        });
        return;
      }
      forgetGuardianFace();
      guardianFace.current = outcome;
      show({ name: 'station-guardian-pin', message: null });
    },
    [forgetGuardianFace, show],
  );

  const onGuardianPin = useCallback(
    async (pin: string) => {
      const face = guardianFace.current;
      if (face === null) {
        show({ name: 'station-guardian-face', message: null, attempt: Date.now() });
        return;
      }
      setBusy(true);
      const answer = await api.call('enrolmentGuardian', {
        modelId: face.modelId,
        descriptor: Array.from(face.descriptor),
        liveness: face.liveness,
        pin,
        limits: guardianTerms.limits,
        blockedCategories: guardianTerms.blockedCategories,
      });
      if (accept(answer)) {
        forgetGuardianFace();
        show({ name: 'station-photo', message: null });
        return;
      }
      if (answer.ok) return;
      const { error } = answer;
      if (error.code === 'pin_incorrect' || error.code === 'rate_limited') {
        const message = { key: `enrol.guardian.${error.code}`, count: error.attemptsLeft ?? 0 };
        show({ name: 'station-guardian-pin', message });
        return;
      }
      forgetGuardianFace();
      if (error.code === 'guardian_not_identified' || error.code === 'liveness_failed') {
        show({
          name: 'station-guardian-face',
          message: { key: `enrol.guardian.${error.code}` },
          attempt: Date.now(),
        });
      } else if (error.code === 'hub_unreachable' && error.credentialsRefused === undefined) {
        // The service keeps the guardian step: the guardian tries again, as at the consent step.
        refused(error, { retry: { at: 'guardian' } });
      } else refused(error);
    },
    [accept, api, forgetGuardianFace, guardianTerms, refused, show],
  );

  const readPhoto = useCallback(
    async (source: ImageBitmapSource, width: number, height: number, url: string) => {
      const turn = screenTurn.current;
      /**
       * Whether the station has left this photo's step (Cancel, sign-out, the idle lock) during the last
       * await: the read is then dropped, never shown. Its busy is left to what left the step (accept, the
       * lock's event): cleared here it could free the buttons of an operation begun since (a second submit).
       */
      const dropped = (at: string, ok: boolean): boolean => {
        if (screenTurn.current === turn) return false;
        URL.revokeObjectURL(url);
        mark('station_photo_read_dropped', { at, ok: String(ok) });
        return true;
      };
      setBusy(true);
      const scale = Math.min(1, stillSideMaxPixels / Math.max(width, height));
      const bitmap = await createImageBitmap(source, {
        resizeWidth: Math.max(1, Math.round(width * scale)),
        resizeHeight: Math.max(1, Math.round(height * scale)),
        resizeQuality: 'high',
      });
      const read = await reader.readStill(bitmap);
      // Not this screen's photo: the enrolment it was for has ended, or another step shows.
      if (dropped('read', read.ok)) {
        if (read.ok) read.descriptor.fill(0);
        return;
      }
      if (!read.ok) {
        setBusy(false);
        URL.revokeObjectURL(url);
        // A hung face worker is not the photo's fault: the step says the face reader stopped, as the live step does.
        const message =
          read.reason === stillEngineHungReason
            ? { key: 'enrol.live.engineFailed' }
            : unreadablePhoto(read.reason);
        show({ name: 'station-photo', message });
        return;
      }
      const answer = await api.call('enrolmentIdPhoto', {
        modelId: read.modelId,
        descriptor: Array.from(read.descriptor),
      });
      read.descriptor.fill(0);
      // What left the step set the station's view from its own answer: this one's is not applied.
      if (dropped('answer', answer.ok)) return;
      if (!accept(answer)) {
        URL.revokeObjectURL(url);
        if (!answer.ok) refused(answer.error);
        return;
      }
      const camera = await ensureCamera();
      if (dropped('camera', camera !== null)) {
        // Opened for a live step that will not show: its light goes off, unless the step now shown uses it.
        if (camera !== null && !cameraKept.has(shown.current)) {
          stopCamera(camera);
          setStream((current) => (current === camera ? null : current));
        }
        return;
      }
      setPhotoUrl(url);
      show(
        camera === null
          ? { name: 'station-photo', message: { refusal: localRefusal('camera') } }
          : { name: 'station-live' },
      );
    },
    [accept, api, ensureCamera, reader, refused, show],
  );

  const stillFromCamera = useCallback(
    async (video: HTMLVideoElement) => {
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext('2d')?.drawImage(video, 0, 0);
      const blob = await new Promise<Blob | null>((resolve) =>
        canvas.toBlob(resolve, 'image/jpeg', 0.92),
      );
      if (blob === null) return;
      await readPhoto(canvas, canvas.width, canvas.height, URL.createObjectURL(blob));
    },
    [readPhoto],
  );

  const stillFromFile = useCallback(
    async (file: File) => {
      if (file.size > stationIdPhotoBytesMax) {
        show({ name: 'station-photo', message: unreadablePhoto('too_large') });
        return;
      }
      let image: ImageBitmap;
      try {
        image = await createImageBitmap(file);
      } catch {
        show({ name: 'station-photo', message: unreadablePhoto('not_an_image') });
        return;
      }
      const { width, height } = image;
      await readPhoto(image, width, height, URL.createObjectURL(file));
      image.close();
    },
    [readPhoto, show],
  );

  const onLive = useCallback(
    async (outcome: FaceOutcome) => {
      if (outcome.type === 'refused') {
        const refused = faceRefusal(outcome);
        mark('station_refused', {
          code: refused.code,
          message: outcome.reasons.join(', ').slice(0, 300),
        });
        show({
          name: 'station-refused',
          refusal: localRefusal(refused.code, refused.challenge),
          ...noContext,
        });
        return;
      }
      show({ name: 'station-working' });
      const answer = await api.call('enrolmentLiveFace', {
        modelId: outcome.modelId,
        descriptors: [Array.from(outcome.descriptor)],
        liveness: outcome.liveness,
      });
      outcome.descriptor.fill(0);
      if (!accept(answer)) {
        if (!answer.ok) refused(answer.error);
        return;
      }
      show({ name: 'station-pin', first: null, message: null });
    },
    [accept, api, refused, show],
  );

  const override = useCallback(
    async (officerId: string, pin: string) => {
      setBusy(true);
      const answer = await api.call('enrolmentOverride', { officerId, pin });
      if (accept(answer)) show({ name: 'station-pin', first: null, message: null });
      else if (!answer.ok && answer.error.code === 'officer_signed_out') refused(answer.error);
      else if (!answer.ok) {
        show({ name: 'station-override', message: lineFor(answer.error, 'enrol.override') });
      }
    },
    [accept, api, lineFor, refused, show],
  );

  const onPin = useCallback(
    (pin: string) => {
      if (screen.name !== 'station-pin') return;
      if (screen.first === null) {
        show({ name: 'station-pin', first: pin, message: null });
      } else if (screen.first !== pin) {
        show({ name: 'station-pin', first: null, message: { key: 'enrol.pin.pins_differ' } });
      } else show({ name: 'station-consent', pin });
    },
    [screen, show],
  );

  const agree = useCallback(async () => {
    if (screen.name !== 'station-consent') return;
    setBusy(true);
    const answer = await api.call('enrolmentFinish', {
      pin: screen.pin,
      pinAgain: screen.pin,
      consent: {
        version: enrolmentConsentVersion,
        language: i18n.language === 'en' ? 'en' : 'ja',
        accepted: true,
      },
    });
    if (accept(answer)) {
      show({ name: 'station-done' });
      return;
    }
    if (answer.ok) return;
    const { error } = answer;
    if (error.code === 'pin_rejected' || error.code === 'pins_differ') {
      show({ name: 'station-pin', first: null, message: { key: `enrol.pin.${error.code}` } });
    } else if (error.code === 'guardian_consent_invalid') {
      // The service kept the document and waits for the guardian again (their consent was spent or lapsed).
      mark('station_refused', { code: error.code, message: error.message.slice(0, 300) });
      await ensureCamera();
      const message = { key: 'enrol.guardian.consentAgain' };
      show({ name: 'station-guardian-face', message, attempt: Date.now() });
    } else if (error.code === 'hub_unreachable' && error.credentialsRefused === undefined) {
      refused(error, { retry: { at: 'consent', pin: screen.pin } });
    } else refused(error);
  }, [accept, api, ensureCamera, i18n.language, refused, screen, show]);

  /** The step the hub did not answer, again: the consent screen, or the guardian's camera. */
  const retry = useCallback(
    async (step: Retry) => {
      if (step.at === 'consent') {
        show({ name: 'station-consent', pin: step.pin });
        return;
      }
      await ensureCamera();
      show({ name: 'station-guardian-face', message: null, attempt: Date.now() });
    },
    [ensureCamera, show],
  );

  const language = (next: Language) => void switchLanguage(next);
  const translated = (message: Message | null) => {
    if (message === null) return null;
    if ('refusal' in message) return refusalLine({ t, i18n }, message.refusal);
    const values: Record<string, string | number> = {};
    for (const [name, key] of Object.entries(message.translatedValues ?? {})) values[name] = t(key);
    if (message.count !== undefined) values['count'] = message.count;
    return t(message.key, values);
  };
  const body = (() => {
    if (screen.name === 'station-signin' || station === null || station.officer === null) {
      return (
        <StationSignInScreen
          message={screen.name === 'station-signin' ? translated(screen.message) : null}
          busy={busy}
          credentialsRefused={credentialsRefused}
          onSignIn={(id, pin) => void signIn(id, pin)}
        />
      );
    }
    const common = { station, onSignOut: () => void signOut() };
    // A face step without a camera (none, or lost): said, with a way to open it again or to stop.
    const noCamera = (
      <StationRefusedScreen
        {...common}
        step={screen.name === 'station-guardian-face' ? 'guardian' : 'live'}
        refusal={localRefusal('camera')}
        atDesk={false}
        canCorrect={false}
        onCorrect={() => undefined}
        canRetry
        onRetry={() => void ensureCamera()}
        onAgain={() => void restart()}
        onOverride={() => undefined}
      />
    );
    switch (screen.name) {
      case 'station-document':
        return (
          <StationDocumentScreen
            {...common}
            key={screen.form === null ? 'empty' : 'to-correct'}
            initial={screen.form}
            busy={busy}
            action={action}
            onAction={setAction}
            credentialsRefused={credentialsRefused}
            onSubmit={(f) => void submitDocument(f)}
          />
        );
      case 'station-erase-confirm':
        return (
          <StationEraseConfirmScreen
            {...common}
            personId={screen.personId}
            toErase={screen.toErase}
            busy={busy}
            onConfirm={() => void personAction('erase', screen.document)}
            onCancel={() => show({ name: 'station-document', form: null })}
          />
        );
      case 'station-action-done':
        return (
          <StationActionDoneScreen
            {...common}
            action={screen.action}
            personId={screen.personId}
            onNext={() => show({ name: 'station-document', form: null })}
          />
        );
      case 'station-guardian-terms':
        return (
          <StationGuardianTermsScreen
            {...common}
            initial={guardianTerms}
            onSubmit={(terms) => {
              setGuardianTerms(terms);
              show({ name: 'station-guardian-face', message: null, attempt: 0 });
            }}
            onCancel={() => void restart()}
          />
        );
      case 'station-guardian-face':
        return stream === null ? (
          noCamera
        ) : (
          <StationGuardianFaceScreen
            {...common}
            // A new session for each try (a refused face or a guardian the hub did not find).
            key={screen.attempt}
            stream={stream}
            reader={reader}
            message={translated(screen.message)}
            onOutcome={onGuardianFace}
            onCancel={() => void restart()}
          />
        );
      case 'station-guardian-pin':
        return (
          <StationGuardianPinScreen
            {...common}
            key={JSON.stringify(screen.message)}
            terms={guardianTerms}
            message={translated(screen.message)}
            busy={busy}
            onPin={(pin) => void onGuardianPin(pin)}
            onCancel={() => void restart()}
          />
        );
      case 'station-photo':
        return (
          <StationPhotoScreen
            {...common}
            stream={stream}
            busy={busy}
            message={translated(screen.message)}
            onStill={(video) => void stillFromCamera(video)}
            onFile={(file) => void stillFromFile(file)}
            onCancel={() => void restart()}
          />
        );
      case 'station-live':
        return stream === null ? (
          noCamera
        ) : (
          <StationLiveScreen
            {...common}
            stream={stream}
            reader={reader}
            photoUrl={photoUrl}
            onOutcome={(outcome) => void onLive(outcome)}
            onCancel={() => void restart()}
          />
        );
      case 'station-pin':
        return (
          <StationPinScreen
            {...common}
            again={screen.first !== null}
            message={translated(screen.message)}
            busy={busy}
            onPin={onPin}
            onCancel={() => void restart()}
          />
        );
      case 'station-consent':
        return (
          <StationConsentScreen
            {...common}
            busy={busy}
            onAgree={() => void agree()}
            onCancel={() => void restart()}
          />
        );
      case 'station-working':
        return <StationWorkingScreen />;
      case 'station-done':
        return <StationDoneScreen {...common} onNext={() => void restart()} />;
      case 'station-refused':
        return (
          <StationRefusedScreen
            {...common}
            refusal={screen.refusal}
            atDesk={screen.atDesk}
            canCorrect={screen.form !== null}
            onCorrect={() => void restart(screen.form)}
            canRetry={screen.retry !== null}
            {...(screen.retry?.at === 'guardian' ? { step: 'guardian' as const } : {})}
            onRetry={() => {
              if (screen.retry !== null) void retry(screen.retry);
            }}
            onAgain={() => void restart()}
            onOverride={() => show({ name: 'station-override', message: null })}
          />
        );
      case 'station-override':
        return (
          <StationOverrideScreen
            {...common}
            busy={busy}
            message={translated(screen.message)}
            onOverride={(id, pin) => void override(id, pin)}
            onCancel={() => void restart()}
          />
        );
    }
  })();
  return (
    <div className="kiosk kiosk-station" data-screen={screen.name}>
      <TopBar
        shopName={`${props.status.shopName} · ${t('enrol.title')}`}
        hub={credentialsRefused === null ? hub : 'unreachable'}
        offline={t(credentialsRefused === null ? 'enrol.hubOffline' : 'enrol.hubRefused')}
        onLanguage={language}
      />
      <HubRefusesEnrolment.Provider
        value={credentialsRefused !== null && stepsBeforeSending.has(screen.name)}
      >
        {body}
      </HubRefusesEnrolment.Provider>
    </div>
  );
}
