// The operator screen behind the operator PIN: type an amount to charge when no till sends one, and
// leave kiosk mode. It locks again by itself (the service keeps the unlock short and counts wrong PINs).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Keypad } from './Keypad.tsx';

export function OperatorScreen(props: {
  unlock: (pin: string) => Promise<string | null>;
  charge: (amount: number) => Promise<string | null>;
  exit: () => Promise<string | null>;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [unlocked, setUnlocked] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <main className="screen screen-operator" aria-labelledby="operator-title">
      <h1 id="operator-title">{t('operator.title')}</h1>
      {message === null ? null : (
        <p className="pin-warning" role="alert">
          {message}
        </p>
      )}
      {unlocked ? (
        <>
          <Keypad
            key="amount"
            label={t('operator.amount')}
            masked={false}
            minLength={1}
            maxLength={8}
            prefix="¥"
            submitLabel={t('operator.charge')}
            onSubmit={(typed) => void props.charge(Number(typed)).then(setMessage)}
          />
          <button
            className="button button-danger"
            onClick={() => void props.exit().then(setMessage)}
          >
            {t('operator.exit')}
          </button>
        </>
      ) : (
        <Keypad
          key="pin"
          label={t('operator.pin')}
          masked
          minLength={4}
          maxLength={8}
          submitLabel={t('actions.ok')}
          onSubmit={(pin) =>
            void props.unlock(pin).then((error) => {
              setMessage(error);
              setUnlocked(error === null);
            })
          }
        />
      )}
      <button className="button button-secondary" onClick={props.onClose}>
        {t('actions.close')}
      </button>
    </main>
  );
}
