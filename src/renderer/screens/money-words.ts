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
 * `body` (a failure's own words, its reason kept) with its "no money was taken" sentence (`noMoney`) replaced
 * by `notKnown`, which says the kiosk cannot tell; a body without that sentence (hold_unknown's) as it is.
 */
export function withoutNoMoney(body: string, noMoney: string, notKnown: string): string {
  return body.replace(noMoney, notKnown);
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
  const body = t(`camera.${problem}.body`, context);
  return moneyNotKnown(payment, false)
    ? withoutNoMoney(
        body,
        t('error.noMoney.sentence', context),
        t('error.moneyNotKnown.sentence', context),
      )
    : body;
}
