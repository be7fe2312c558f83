// The face session as every screen that reads a live face uses it (shop and clinic payment, the
// enrolment station's live step): the worker run on the camera, its prompt and progress, the oval guide.
import { useEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { FacePrompt } from '../../biometrics/face-session.ts';
import { EngineFailureRun } from '../face/engine-failure-run.ts';
import type { FaceReader } from '../face/face-reader.ts';
import type { FromFaceWorker } from '../face/face-worker-protocol.ts';

export type FaceOutcome =
  Extract<FromFaceWorker, { type: 'decided' }> | Extract<FromFaceWorker, { type: 'refused' }>;

/** How often the session looks for a frame the engine has left unanswered (FaceReader.hung). */
const hangCheckEveryMs = 500;

export interface FaceSessionState {
  promptKey: FacePrompt | 'reading';
  progress: number;
  faceSeen: boolean;
}

/**
 * Runs the face reader on `video` showing `stream` until it decides or refuses. The session survives
 * re-renders (a language switch, a hub event): it restarts only for a new reader or camera stream, and
 * the latest callbacks are read through refs. `observe`, when given, is made once per session and sees
 * every worker message first (the shop kiosk's timing marks).
 */
export function useFaceSession(options: {
  reader: FaceReader;
  stream: MediaStream;
  video: RefObject<HTMLVideoElement | null>;
  onOutcome: (outcome: FaceOutcome) => void;
  /**
   * The engine failed on every frame for a while (EngineFailureRun), or left one unanswered (FaceReader.hung,
   * faceEngineAnswerMsMax, longer before its first face): the session stops and this is called instead of waiting on for a face it cannot
   * read. Without it, frames that fail are only observed.
   */
  onEngineFailed?: () => void;
  observe?: () => (message: FromFaceWorker) => void;
}): FaceSessionState {
  const [prompt, setPrompt] = useState<FacePrompt | null>('look_at_camera');
  const [progress, setProgress] = useState(0);
  const [faceSeen, setFaceSeen] = useState(false);
  const { reader, stream, video } = options;
  const onOutcome = useRef(options.onOutcome);
  onOutcome.current = options.onOutcome;
  const observe = useRef(options.observe);
  observe.current = options.observe;
  const onEngineFailed = useRef(options.onEngineFailed);
  onEngineFailed.current = options.onEngineFailed;

  useEffect(() => {
    const element = video.current;
    if (element === null) return undefined;
    if (element.srcObject !== stream) {
      element.srcObject = stream;
      void element.play().catch(() => undefined);
    }
    const observer = observe.current?.();
    const failures = new EngineFailureRun();
    // A hung engine answers nothing, so it is looked for on a clock of its own, not in its answers.
    let hangWatch: number | null = null;
    const giveUp = (): boolean => {
      const gaveUp = onEngineFailed.current;
      if (gaveUp === undefined) return false;
      if (hangWatch !== null) window.clearInterval(hangWatch);
      hangWatch = null;
      reader.stop();
      gaveUp();
      return true;
    };
    hangWatch = window.setInterval(() => {
      if (reader.hung(performance.now())) giveUp();
    }, hangCheckEveryMs);
    reader.start(element, (message) => {
      observer?.(message);
      if (message.type === 'frame_error') {
        if (failures.failed(performance.now())) giveUp();
        return;
      }
      failures.read();
      if (message.type === 'reading') {
        setPrompt(message.prompt);
        setProgress(message.progress);
        setFaceSeen(message.face !== null);
      } else if (message.type === 'decided' || message.type === 'refused') {
        if (hangWatch !== null) window.clearInterval(hangWatch);
        hangWatch = null;
        reader.stop();
        onOutcome.current(message);
      }
    });
    return () => {
      if (hangWatch !== null) window.clearInterval(hangWatch);
      reader.stop();
    };
  }, [reader, stream, video]);

  return { promptKey: prompt ?? (faceSeen ? 'reading' : 'look_at_camera'), progress, faceSeen };
}

/** The oval the face goes in (green once a face is seen) and the session's progress ring. */
export function FaceGuide(props: { progress: number; faceSeen: boolean }) {
  const { t } = useTranslation();
  const percent = Math.round(props.progress * 100);
  return (
    <>
      <div className={`oval-guide ${props.faceSeen ? 'oval-ok' : ''}`} aria-hidden="true" />
      <div
        className="progress-ring"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-label={t('face.progress')}
        style={{ ['--progress' as string]: `${percent}%` }}
      />
    </>
  );
}

/** The session's prompt, read out as it changes; its key in data-prompt, for a tester who answers it. */
export function FacePromptText(props: { promptKey: FaceSessionState['promptKey'] }) {
  const { t } = useTranslation();
  return (
    <p
      className="prompt"
      role="status"
      aria-live="polite"
      data-testid="face-prompt"
      data-prompt={props.promptKey}
    >
      {t(`prompt.${props.promptKey}`)}
    </p>
  );
}
