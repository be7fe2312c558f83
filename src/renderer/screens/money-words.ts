// Whether a failure screen may say "no money was taken": not once a hold request of the payment went out
// and the hub has not refused it itself; the sentence swap the error and camera screens share.
import type { TFunction } from 'i18next';
import type { PaymentView } from '../../shared/kiosk-api.ts';
import { purposeContext } from './parts.tsx';

/**
 * Whether "no money was taken" is not known for this failure: a hold request of the payment went out and
 * the hub has not refused it itself (holdRequestSent: in flight, lost, or a 429 a gateway may have sent after
 * forwarding it), or the call's answer was lost with the service. An insufficient_funds after such a 429 may
 * be the first attempt's money taken.
 */
export function moneyNotKnown(payment: PaymentView | null, answerLost: boolean): boolean {
  return payment?.holdRequestSent === true || answerLost;
}

/**
 * `body` (a failure's own words, its reason kept) as a screen may show it: its "no money was taken"
 * sentence replaced by one saying the kiosk cannot tell while that is not known (moneyNotKnown); a body
 * without that sentence (hold_unknown's) as it is. `options`: the words' interpolation (the clinic's context).
 */
export function honestMoneyBody(
  t: TFunction,
  body: string,
  notKnown: { payment: PaymentView | null; answerLost: boolean },
  options: Record<string, unknown>,
): string {
  if (!moneyNotKnown(notKnown.payment, notKnown.answerLost)) return body;
  return body.replace(
    t('error.noMoney.sentence', options),
    t('error.moneyNotKnown.sentence', options),
  );
}

/**
 * A camera problem's body (no_camera, permission_denied, camera_lost), in a clinic's words for a check-in;
 * its "no money was taken" replaced, as on the error screen, once a hold request of the payment went out
 * (a gateway's 429 after forwarding one sends the payment back to waiting_for_face, then the camera drops).
 */
export function cameraProblemBody(
  t: TFunction,
  problem: string,
  payment: PaymentView | null,
): string {
  const context = purposeContext(payment);
  return honestMoneyBody(
    t,
    t(`camera.${problem}.body`, context),
    { payment, answerLost: false },
    context,
  );
}
