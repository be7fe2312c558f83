// The enrolment station's guardian step for a child: the guardian sets the child's limits and blocked
// categories with the officer, looks at the camera (the same face session as every live face), and types
// their own PIN; the service asks the hub for the guardian's consent (EnrolmentStation.tsx drives it).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StationView } from '../../shared/kiosk-api.ts';
import { categoryVocabulary } from '../../shared/categories.ts';
import { kioskPaymentAmountMax } from '../../shared/limits.ts';
import type { FaceReader } from '../face/face-reader.ts';
import { Field, StationFrame, StationLiveScreen, StationPinScreen } from './EnrolmentScreens.tsx';
import { GuardianTermsSummary, type GuardianTerms } from './guardian-terms.tsx';
import type { FaceOutcome } from './face-guide.tsx';

/** What a guardian is offered to start from: small amounts, and what a child may not buy blocked. */
export const defaultGuardianTerms: GuardianTerms = {
  limits: { perPaymentMax: 3_000, dailyMax: 5_000 },
  blockedCategories: ['alcohol', 'gambling', 'tobacco'],
};

/** The vocabulary's top-level categories: a block covers everything under each. */
const topCategories = Object.keys(categoryVocabulary).filter((name) => !name.includes('.'));

function GuardianNote() {
  const { t } = useTranslation();
  return <p className="station-note">{t('enrol.guardian.why')}</p>;
}

export function StationGuardianTermsScreen(props: {
  station: StationView;
  initial: GuardianTerms;
  onSubmit: (terms: GuardianTerms) => void;
  onCancel: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  const [perPayment, setPerPayment] = useState(String(props.initial.limits.perPaymentMax ?? ''));
  const [daily, setDaily] = useState(String(props.initial.limits.dailyMax ?? ''));
  const [blocked, setBlocked] = useState<ReadonlySet<string>>(
    new Set(props.initial.blockedCategories),
  );
  const amount = (text: string): number | undefined | null => {
    if (text.trim() === '') return undefined;
    const value = Number(text);
    return Number.isInteger(value) && value > 0 && value <= kioskPaymentAmountMax ? value : null;
  };
  const perPaymentMax = amount(perPayment);
  const dailyMax = amount(daily);
  const valid = perPaymentMax !== null && dailyMax !== null;
  return (
    <StationFrame
      station={props.station}
      step="guardian"
      title={t('enrol.guardian.termsTitle')}
      onSignOut={props.onSignOut}
    >
      <GuardianNote />
      <form
        className="document-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (!valid) return;
          props.onSubmit({
            limits: {
              ...(perPaymentMax === undefined ? {} : { perPaymentMax }),
              ...(dailyMax === undefined ? {} : { dailyMax }),
            },
            blockedCategories: [...blocked].sort(),
          });
        }}
      >
        <Field label={t('enrol.guardian.perPaymentMax')} hint={t('enrol.guardian.yenHint')}>
          <input
            inputMode="numeric"
            value={perPayment}
            onChange={(event) => setPerPayment(event.target.value)}
            aria-invalid={perPaymentMax === null}
            data-testid="guardian-per-payment"
          />
        </Field>
        <Field label={t('enrol.guardian.dailyMax')} hint={t('enrol.guardian.yenHint')}>
          <input
            inputMode="numeric"
            value={daily}
            onChange={(event) => setDaily(event.target.value)}
            aria-invalid={dailyMax === null}
            data-testid="guardian-daily"
          />
        </Field>
        <fieldset className="field field-wide category-choices">
          <legend className="field-label">{t('enrol.guardian.blocked')}</legend>
          {topCategories.map((name) => (
            <label key={name} className="category-choice">
              <input
                type="checkbox"
                checked={blocked.has(name)}
                data-testid={`guardian-block-${name}`}
                onChange={(event) => {
                  const next = new Set(blocked);
                  if (event.target.checked) next.add(name);
                  else next.delete(name);
                  setBlocked(next);
                }}
              />
              {t(`enrol.guardian.categories.${name}`)}
            </label>
          ))}
        </fieldset>
        <div className="actions form-actions">
          <button
            type="submit"
            className="button button-primary"
            disabled={!valid}
            data-testid="guardian-terms-submit"
          >
            {t('enrol.guardian.toFace')}
          </button>
          <button type="button" className="button button-secondary" onClick={props.onCancel}>
            {t('enrol.cancel')}
          </button>
        </div>
      </form>
    </StationFrame>
  );
}

/** The guardian at the camera: liveness and a face the hub will look for among enrolled adults. */
export function StationGuardianFaceScreen(props: {
  station: StationView;
  stream: MediaStream;
  reader: FaceReader;
  message: string | null;
  onOutcome: (outcome: FaceOutcome) => void;
  onCancel: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  return (
    <StationLiveScreen
      {...props}
      photoUrl={null}
      step="guardian"
      title={t('enrol.guardian.faceTitle')}
      hint={t('enrol.guardian.faceHint')}
    />
  );
}

/** The guardian's own PIN (the one they pay with), never the child's, beside the limits they agree to. */
export function StationGuardianPinScreen(props: {
  station: StationView;
  terms: GuardianTerms;
  message: string | null;
  busy: boolean;
  onPin: (pin: string) => void;
  onCancel: () => void;
  onSignOut: () => void;
}) {
  const { t } = useTranslation();
  return (
    <StationPinScreen
      {...props}
      again={false}
      step="guardian"
      title={t('enrol.guardian.pinTitle')}
      hint={null}
      submitLabel={t('enrol.guardian.consent')}
      aside={<GuardianTermsSummary terms={props.terms} />}
      messageTestId="guardian-message"
    />
  );
}
