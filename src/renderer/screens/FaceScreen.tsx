// The shopper looks at the camera: live preview in an oval guide, the session's prompt and progress,
// and the amount; the face reader runs in its worker until it decides or refuses.
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentView } from '../../shared/kiosk-api.ts';
import type { FaceReader } from '../face/face-reader.ts';
import { mark } from '../marks.ts';
import { FaceGuide, FacePromptText, useFaceSession, type FaceOutcome } from './face-guide.tsx';
import { Amount, memberPinPays, purposeContext, ScreenTitle } from './parts.tsx';

export type { FaceOutcome } from './face-guide.tsx';

export function FaceScreen(props: {
  payment: PaymentView;
  /** Clinic mode: "held at check-in (at most)" rather than "amount to pay". */
  amountLabel?: string | undefined;
  stream: MediaStream;
  reader: FaceReader;
  onOutcome: (outcome: FaceOutcome) => void;
  /** The face engine failed on every frame for a while (EngineFailureRun): no face will be read here. */
  onEngineFailed: () => void;
  onMemberPin: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const { reader } = props;
  const session = useFaceSession({
    reader,
    stream: props.stream,
    video,
    onOutcome: props.onOutcome,
    onEngineFailed: () => {
      mark('face_engine_failed', { framesSent: reader.stats.framesSent });
      props.onEngineFailed();
    },
    observe: () => {
      let firstFace = true;
      return (message) => {
        if (message.type === 'reading') {
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
            ...Object.fromEntries(
              Object.entries(message.stagesMs).map(([stage, ms]) => [`stage_${stage}`, ms]),
            ),
            meanR: message.meanRgb[0],
            meanG: message.meanRgb[1],
            meanB: message.meanRgb[2],
            prompt: message.prompt ?? '',
          });
        } else if (message.type === 'frame_error') {
          mark('frame_error', { message: message.message.slice(0, 300) });
        } else if (message.type === 'decided' || message.type === 'refused') {
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
                  motionWaitMs: message.motionWaitMs,
                  challengeWaitMs: message.challengeWaitMs,
                }),
          });
        }
      };
    },
  });

  return (
    <main className="screen screen-face" aria-labelledby="face-title">
      <ScreenTitle id="face-title" className="visually-hidden">
        {t('face.title')}
      </ScreenTitle>
      <Amount
        amount={props.payment.amount}
        {...(props.amountLabel === undefined ? {} : { label: props.amountLabel })}
      />
      <div className="camera-frame">
        <video ref={video} className="camera-video" muted playsInline aria-hidden="true" />
        <FaceGuide progress={session.progress} faceSeen={session.faceSeen} />
      </div>
      <FacePromptText promptKey={session.promptKey} />
      <div className="actions">
        {memberPinPays(props.payment) ? (
          <button className="button button-secondary" onClick={props.onMemberPin}>
            {t('actions.memberPin', purposeContext(props.payment))}
          </button>
        ) : null}
        <button className="button button-secondary" onClick={props.onCancel}>
          {t('actions.cancelPayment', purposeContext(props.payment))}
        </button>
      </div>
    </main>
  );
}
