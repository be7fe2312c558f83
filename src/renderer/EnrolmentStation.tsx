// The kiosk in enrolment mode: the officer's flow over the same kiosk API, camera and face worker as
// the shop counter. Each step is the service's to accept (document, a child's guardian, ID photo, live face,
// PIN + consent);
// this file only moves between screens, reads faces, and keeps the officer's session alive while they work.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KioskApi, KioskError, KioskStatus, StationView } from '../shared/kiosk-api.ts';
import { enrolmentConsentVersion } from '../shared/kiosk-api.ts';
import { stationIdleLockMs, stationIdPhotoBytesMax } from '../shared/limits.ts';
import { chosenCamera, openCamera, stopCamera, watchCamera } from './camera.ts';
import type { FaceReader } from './face/face-reader.ts';
import type { Language } from './i18n.ts';
import { switchLanguage } from './i18n.ts';
import { mark } from './marks.ts';
import type { DeskAction, DocumentForm } from './screens/EnrolmentScreens.tsx';
import {
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
  | { name: 'station-signin'; message: string | null }
  | { name: 'station-document' }
  | { name: 'station-guardian-terms' }
  | { name: 'station-guardian-face'; message: Message | null; attempt: number }
  | { name: 'station-guardian-pin'; message: Message | null }
  | { name: 'station-photo'; message: string | null }
  | { name: 'station-live' }
  | { name: 'station-pin'; first: string | null; message: string | null }
  | { name: 'station-consent'; pin: string }
  | { name: 'station-working' }
  | { name: 'station-done' }
  | { name: 'station-override'; message: string | null }
  | { name: 'station-erase-confirm'; document: DocumentForm['document'] }
  | { name: 'station-action-done'; action: Exclude<DeskAction, 'enrol'>; personId: string }
  | { name: 'station-refused'; code: string; detail: string | null; existing: string | null };

/** A message kept as its translation key, so it follows a language switch while it is shown. */
interface Message {
  key: string;
  count?: number;
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
      return { name: 'station-document' };
  }
}

/** Screens that show the camera: opened (again) when the page starts on one. */
const cameraScreens: ReadonlySet<Screen['name']> = new Set([
  'station-guardian-terms',
  'station-photo',
  'station-live',
]);

export function EnrolmentStationApp(props: {
  api: KioskApi;
  status: KioskStatus;
  reader: FaceReader;
}) {
  const { t, i18n } = useTranslation();
  const { api, reader } = props;
  const [hub, setHub] = useState(props.status.hub);
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

  const show = useCallback((next: Screen) => {
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

  // The service locks an idle station; its event brings the sign-in back with the reason.
  useEffect(
    () =>
      api.onEvent((event) => {
        if (event.type === 'hub') setHub(event.hub);
        if (event.type !== 'station') return;
        setStation(event.station);
        if (event.station.officer === null) {
          show({ name: 'station-signin', message: t('enrol.signIn.locked') });
        }
      }),
    [api, show, t],
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

  /** A refusal ends the enrolment on screen as the service ended it; some are only a retry. */
  const refused = useCallback(
    (error: KioskError) => {
      if (error.code === 'hub_unreachable') setHub('unreachable');
      if (error.code === 'officer_signed_out') {
        show({ name: 'station-signin', message: t('enrol.signIn.locked') });
        return;
      }
      show({
        name: 'station-refused',
        code: error.enrolmentReason ?? error.documentCode ?? error.code,
        detail: error.message,
        existing: error.existingPersonMasked ?? null,
      });
    },
    [show, t],
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
      if (accept(answer)) show({ name: 'station-document' });
      else if (!answer.ok)
        show({ name: 'station-signin', message: t(`enrol.signIn.${answer.error.code}`) });
    },
    [accept, api, show, t],
  );

  const signOut = useCallback(async () => {
    reader.stop();
    accept(await api.call('officerSignOut', {}));
    setPhotoUrl(null);
    show({ name: 'station-signin', message: null });
  }, [accept, api, reader, show]);

  const restart = useCallback(async () => {
    reader.stop();
    forgetGuardianFace();
    setGuardianTerms(defaultGuardianTerms);
    accept(await api.call('enrolmentCancel', {}));
    setPhotoUrl(null);
    show({ name: 'station-document' });
  }, [accept, api, forgetGuardianFace, reader, show]);

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
      } else refused(answer.error);
    },
    [api, refused, show],
  );

  const submitDocument = useCallback(
    async (form: DocumentForm) => {
      if (action === 'erase') {
        show({ name: 'station-erase-confirm', document: form.document });
        return;
      }
      if (action === 'unlock_pin') {
        await personAction('unlock_pin', form.document);
        return;
      }
      setBusy(true);
      const answer = await api.call('enrolmentDocument', form);
      if (!accept(answer)) {
        if (!answer.ok) refused(answer.error);
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
    [accept, action, api, ensureCamera, personAction, refused, show],
  );

  const onGuardianFace = useCallback(
    (outcome: FaceOutcome) => {
      if (outcome.type === 'refused') {
        const reason = outcome.reasons.includes('timeout') ? 'face_timeout' : 'liveness_failed';
        show({
          name: 'station-guardian-face',
          message: { key: `enrol.refused.codes.${reason}` },
          attempt: Date.now(),
        });
        return;
      }
      forgetGuardianFace();
      guardianFace.current = outcome;
      show({ name: 'station-guardian-pin', message: null });
    },
    [forgetGuardianFace, show, t],
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
      } else refused(error);
    },
    [accept, api, forgetGuardianFace, guardianTerms, refused, show, t],
  );

  const readPhoto = useCallback(
    async (source: ImageBitmapSource, width: number, height: number, url: string) => {
      setBusy(true);
      const scale = Math.min(1, stillSideMaxPixels / Math.max(width, height));
      const bitmap = await createImageBitmap(source, {
        resizeWidth: Math.max(1, Math.round(width * scale)),
        resizeHeight: Math.max(1, Math.round(height * scale)),
        resizeQuality: 'high',
      });
      const read = await reader.readStill(bitmap);
      if (!read.ok) {
        setBusy(false);
        URL.revokeObjectURL(url);
        show({
          name: 'station-photo',
          message: t('enrol.photo.unreadable', { reason: read.reason }),
        });
        return;
      }
      const answer = await api.call('enrolmentIdPhoto', {
        modelId: read.modelId,
        descriptor: Array.from(read.descriptor),
      });
      read.descriptor.fill(0);
      if (!accept(answer)) {
        URL.revokeObjectURL(url);
        if (!answer.ok) refused(answer.error);
        return;
      }
      setPhotoUrl(url);
      const camera = await ensureCamera();
      show(
        camera === null
          ? { name: 'station-photo', message: t('enrol.refused.codes.camera') }
          : { name: 'station-live' },
      );
    },
    [accept, api, ensureCamera, reader, refused, show, t],
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
        show({
          name: 'station-photo',
          message: t('enrol.photo.unreadable', { reason: 'too_large' }),
        });
        return;
      }
      let image: ImageBitmap;
      try {
        image = await createImageBitmap(file);
      } catch {
        show({
          name: 'station-photo',
          message: t('enrol.photo.unreadable', { reason: 'not_an_image' }),
        });
        return;
      }
      const { width, height } = image;
      await readPhoto(image, width, height, URL.createObjectURL(file));
      image.close();
    },
    [readPhoto, show, t],
  );

  const onLive = useCallback(
    async (outcome: FaceOutcome) => {
      if (outcome.type === 'refused') {
        const code = outcome.reasons.includes('timeout') ? 'face_timeout' : 'liveness_failed';
        show({ name: 'station-refused', code, detail: outcome.reasons.join(', '), existing: null });
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
      else if (!answer.ok) {
        show({ name: 'station-override', message: t(`enrol.override.${answer.error.code}`) });
      }
    },
    [accept, api, show, t],
  );

  const onPin = useCallback(
    (pin: string) => {
      if (screen.name !== 'station-pin') return;
      if (screen.first === null) {
        show({ name: 'station-pin', first: pin, message: null });
      } else if (screen.first !== pin) {
        show({ name: 'station-pin', first: null, message: t('enrol.pin.pins_differ') });
      } else show({ name: 'station-consent', pin });
    },
    [screen, show, t],
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
    if (answer.error.code === 'pin_rejected' || answer.error.code === 'pins_differ') {
      show({ name: 'station-pin', first: null, message: t(`enrol.pin.${answer.error.code}`) });
    } else refused(answer.error);
  }, [accept, api, i18n.language, refused, screen, show, t]);

  const language = (next: Language) => void switchLanguage(next);
  const translated = (message: Message | null) =>
    message === null
      ? null
      : t(message.key, message.count === undefined ? {} : { count: message.count });
  const body = (() => {
    if (screen.name === 'station-signin' || station === null || station.officer === null) {
      return (
        <StationSignInScreen
          message={screen.name === 'station-signin' ? screen.message : null}
          busy={busy}
          onSignIn={(id, pin) => void signIn(id, pin)}
        />
      );
    }
    const common = { station, onSignOut: () => void signOut() };
    switch (screen.name) {
      case 'station-document':
        return (
          <StationDocumentScreen
            {...common}
            busy={busy}
            action={action}
            onAction={setAction}
            onSubmit={(f) => void submitDocument(f)}
          />
        );
      case 'station-erase-confirm':
        return (
          <StationEraseConfirmScreen
            {...common}
            busy={busy}
            onConfirm={() => void personAction('erase', screen.document)}
            onCancel={() => show({ name: 'station-document' })}
          />
        );
      case 'station-action-done':
        return (
          <StationActionDoneScreen
            {...common}
            action={screen.action}
            personId={screen.personId}
            onNext={() => show({ name: 'station-document' })}
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
        return stream === null ? null : (
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
            message={screen.message}
            onStill={(video) => void stillFromCamera(video)}
            onFile={(file) => void stillFromFile(file)}
            onCancel={() => void restart()}
          />
        );
      case 'station-live':
        return stream === null ? null : (
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
            message={screen.message}
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
            code={screen.code}
            detail={screen.detail}
            existingPersonMasked={screen.existing}
            onAgain={() => void restart()}
            onOverride={() => show({ name: 'station-override', message: null })}
          />
        );
      case 'station-override':
        return (
          <StationOverrideScreen
            {...common}
            busy={busy}
            message={screen.message}
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
        hub={hub}
        onLanguage={language}
      />
      {body}
    </div>
  );
}
