// The shopper looks at the camera: live preview in an oval guide, the session's prompt and progress,
// and the amount; the face reader runs in its worker until it decides or refuses.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FacePrompt } from '../../biometrics/face-session.ts';
import type { PaymentView } from '../../shared/kiosk-api.ts';
import type { FaceReader } from '../face/face-reader.ts';
import type { FromFaceWorker } from '../face/face-worker-protocol.ts';
import { mark } from '../marks.ts';
import { Amount, purposeContext } from './parts.tsx';

export type FaceOutcome =
  Extract<FromFaceWorker, { type: 'decided' }> | Extract<FromFaceWorker, { type: 'refused' }>;

export function FaceScreen(props: {
  payment: PaymentView;
  /** Clinic mode: "held at check-in (at most)" rather than "amount to pay". */
  amountLabel?: string | undefined;
  stream: MediaStream;
  reader: FaceReader;
  onOutcome: (outcome: FaceOutcome) => void;
  onMemberPin: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [prompt, setPrompt] = useState<FacePrompt | null>('look_at_camera');
  const [progress, setProgress] = useState(0);
  const [faceSeen, setFaceSeen] = useState(false);
  const { reader, stream } = props;
  // The session must survive re-renders (a language switch, a hub event): the reader restarts only
  // for a new camera stream, and the latest callback is read through a ref.
  const onOutcome = useRef(props.onOutcome);
  onOutcome.current = props.onOutcome;

  useEffect(() => {
    const element = video.current;
    if (element === null) return undefined;
    element.srcObject = stream;
    void element.play().catch(() => undefined);
    let firstFace = true;
    reader.start(element, (message) => {
      if (message.type === 'reading') {
        setPrompt(message.prompt);
        setProgress(message.progress);
        setFaceSeen(message.face !== null);
        if (message.face !== null && firstFace) {
          firstFace = false;
          mark('face_first_seen', {
            grabMs: reader.stats.grabMs,
            processMs: reader.stats.processMs,
            meanR: message.meanRgb[0],
            meanG: message.meanRgb[1],
            meanB: message.meanRgb[2],
          });
        }
        mark('frame', {
          processMs: message.processMs,
          meanR: message.meanRgb[0],
          meanG: message.meanRgb[1],
          meanB: message.meanRgb[2],
          prompt: message.prompt ?? '',
        });
      } else if (message.type === 'frame_error') {
        mark('frame_error', { message: message.message.slice(0, 300) });
      } else if (message.type === 'decided' || message.type === 'refused') {
        reader.stop();
        mark(message.type === 'decided' ? 'face_decided' : 'face_refused', {
          grabMs: reader.stats.grabMs,
          processMs: reader.stats.processMs,
          framesSent: reader.stats.framesSent,
          framesDropped: reader.stats.framesDropped,
          ...(message.type === 'refused'
            ? { reasons: message.reasons.join(',') }
            : {
                checks: message.liveness.checks.join(','),
                sinceFirstFaceMs: message.sinceFirstFaceMs,
              }),
        });
        onOutcome.current(message);
      }
    });
    return () => reader.stop();
  }, [reader, stream]);

  const promptKey = prompt ?? (faceSeen ? 'reading' : 'look_at_camera');
  return (
    <main className="screen screen-face" aria-labelledby="face-title">
      <h1 id="face-title" className="visually-hidden">
        {t('face.title')}
      </h1>
      <Amount
        amount={props.payment.amount}
        {...(props.amountLabel === undefined ? {} : { label: props.amountLabel })}
      />
      <div className="camera-frame">
        <video ref={video} className="camera-video" muted playsInline aria-hidden="true" />
        <div className={`oval-guide ${faceSeen ? 'oval-ok' : ''}`} aria-hidden="true" />
        <div
          className="progress-ring"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(progress * 100)}
          aria-label={t('face.progress')}
          style={{ ['--progress' as string]: `${Math.round(progress * 100)}%` }}
        />
      </div>
      <p className="prompt" role="status" aria-live="polite" data-testid="face-prompt">
        {t(`prompt.${promptKey}`)}
      </p>
      <div className="actions">
        <button className="button button-secondary" onClick={props.onMemberPin}>
          {t('actions.memberPin', purposeContext(props.payment))}
        </button>
        <button className="button button-secondary" onClick={props.onCancel}>
          {t('actions.cancel')}
        </button>
      </div>
    </main>
  );
}
