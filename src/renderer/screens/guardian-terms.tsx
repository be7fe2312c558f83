// A child's limits as the guardian sets them, in words: on the guardian's PIN screen (what they agree to)
// and on the enrolment's done screen (what the child's account now refuses).
import { useTranslation } from 'react-i18next';
import { categoryVocabulary } from '../../shared/categories.ts';
import { useYen } from './parts.tsx';

/** The vocabulary's order, the checkboxes' on the guardian's screen: the summary lists blocks in it too. */
const vocabularyOrder = Object.keys(categoryVocabulary);
const inVocabularyOrder = (a: string, b: string) =>
  vocabularyOrder.indexOf(a) - vocabularyOrder.indexOf(b);

export interface GuardianTerms {
  limits: { perPaymentMax?: number | undefined; dailyMax?: number | undefined };
  blockedCategories: string[];
}

/** The limits in words, as the guardian agrees to them and as the done screen repeats them. */
export function GuardianTermsSummary(props: { terms: GuardianTerms; guardian?: string }) {
  const { t, i18n } = useTranslation();
  const { perPaymentMax, dailyMax } = props.terms.limits;
  const inYen = useYen();
  // The locale's yen words (円 in Japanese), as every other amount on the kiosk's screens.
  const yen = (value: number | undefined) =>
    value === undefined ? t('enrol.guardian.noLimit') : inYen(value);
  const blocked = [...props.terms.blockedCategories]
    .sort(inVocabularyOrder)
    .map((name) => t(`enrol.guardian.categories.${name}`, { defaultValue: name }));
  return (
    <dl className="enrolled guardian-terms" data-testid="guardian-terms">
      {props.guardian === undefined ? null : (
        <>
          <dt>{t('enrol.guardian.guardian')}</dt>
          <dd data-testid="guardian-name">{props.guardian}</dd>
        </>
      )}
      <dt>{t('enrol.guardian.perPaymentMax')}</dt>
      <dd>{yen(perPaymentMax)}</dd>
      <dt>{t('enrol.guardian.dailyMax')}</dt>
      <dd>{yen(dailyMax)}</dd>
      <dt>{t('enrol.guardian.blocked')}</dt>
      <dd>
        {blocked.length === 0
          ? t('enrol.guardian.noneBlocked')
          : blocked.join(i18n.language === 'ja' ? '、' : ', ')}
      </dd>
    </dl>
  );
}
