// PIN entry: after a face match when the hub asks for it, and the member number + PIN fallback when
// the face cannot be read. Digits go straight to the kiosk service, which seals them for the hub.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentView } from '../../shared/kiosk-api.ts';
import { pinDigitsMax, pinDigitsMin } from '../../shared/limits.ts';
import { Keypad } from './Keypad.tsx';
import { Amount, NotMeButton, purposeContext, ScreenTitle } from './parts.tsx';

export function PinScreen(props: {
  payment: PaymentView;
  amountLabel?: string | undefined;
  busy: boolean;
  attemptsLeft: number | null;
  /** The last PIN was not checked (the hub was asked too quickly): no try counted, type it again. */
  notChecked: boolean;
  onPin: (pin: string) => void;
  /** The name shown is someone else's (the shopper tapped OK on it): back to their own way to pay. */
  onNotMe: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  return (
    <main className="screen screen-pin" aria-labelledby="pin-title">
      <ScreenTitle id="pin-title">
        {t(props.notChecked ? 'pin.titleAgain' : 'pin.title')}
      </ScreenTitle>
      {/* In the order a person types a PIN, the pad before the buttons; one column on the kiosk's display,
          the pad beside the rest on a lower one (styles.css, .pin-layout). */}
      <div className="pin-layout">
        <div className="pin-side">
          {/* As the confirm screen names the person (「… 様」), so the two screens read alike. */}
          <p className="masked-name" data-testid="pin-masked-name">
            {t('confirm.name', { name: props.payment.displayNameMasked ?? '' })}
          </p>
          <Amount
            amount={props.payment.amount}
            {...(props.amountLabel === undefined ? {} : { label: props.amountLabel })}
          />
          {props.notChecked ? (
            // One line, so the screen still fits: the title says to wait and type the PIN again.
            <p className="pin-warning" role="alert" data-testid="pin-not-checked">
              {props.attemptsLeft === null
                ? t('pin.notChecked')
                : t('pin.notCheckedTriesLeft', { count: props.attemptsLeft })}
            </p>
          ) : props.attemptsLeft === null ? null : (
            <p className="pin-warning" role="alert" data-testid="pin-warning">
              {t('pin.incorrect', { count: props.attemptsLeft })}
            </p>
          )}
        </div>
        <Keypad
          label={t('pin.label')}
          masked
          minLength={pinDigitsMin}
          maxLength={pinDigitsMax}
          // The tap that pays (or holds the clinic's cap) says so: "OK" told nobody money would move.
          submitLabel={t('actions.pay', purposeContext(props.payment))}
          onSubmit={props.onPin}
          busy={props.busy}
        />
        <div className="actions pin-actions">
          <NotMeButton busy={props.busy} onNotMe={props.onNotMe} />
          {/* Not while the PIN is checked and the hold placed: the kiosk refuses a cancel once the hold
              request is sent (the hub may settle it), so the button must not look as if it worked. */}
          <button
            className="button button-secondary"
            data-testid="pin-cancel"
            disabled={props.busy}
            onClick={props.onCancel}
          >
            {t('actions.cancelPayment', purposeContext(props.payment))}
          </button>
        </div>
      </div>
    </main>
  );
}

export function MemberPinScreen(props: {
  payment: PaymentView;
  /** What the amount is (a clinic's cap held at check-in); default: the amount paid. */
  amountLabel?: string | undefined;
  busy: boolean;
  message: string | null;
  onSubmit: (memberNumber: string, pin: string) => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const [memberNumber, setMemberNumber] = useState<string | null>(null);
  return (
    <main className="screen screen-pin" aria-labelledby="member-title">
      <ScreenTitle id="member-title">
        {t('member.title', purposeContext(props.payment))}
      </ScreenTitle>
      <div className="pin-layout">
        <div className="pin-side">
          <Amount
            amount={props.payment.amount}
            {...(props.amountLabel === undefined ? {} : { label: props.amountLabel })}
          />
          {props.message === null ? null : (
            <p className="pin-warning" role="alert" data-testid="pin-warning">
              {props.message}
            </p>
          )}
        </div>
        {memberNumber === null ? (
          <Keypad
            key="number"
            label={t('member.number')}
            masked={false}
            minLength={6}
            maxLength={16}
            submitLabel={t('actions.next')}
            onSubmit={setMemberNumber}
          />
        ) : (
          <Keypad
            key="pin"
            label={t('pin.label')}
            // In place of the member number's pad, on the same screen: no title to hand the focus to.
            takeFocus
            masked
            minLength={pinDigitsMin}
            maxLength={pinDigitsMax}
            submitLabel={t('actions.pay', purposeContext(props.payment))}
            busy={props.busy}
            onSubmit={(pin) => props.onSubmit(memberNumber, pin)}
          />
        )}
        <button
          className="button button-secondary pin-actions"
          data-testid="member-back"
          disabled={props.busy}
          onClick={() => (memberNumber === null ? props.onBack() : setMemberNumber(null))}
        >
          {t('actions.back')}
        </button>
      </div>
    </main>
  );
}
