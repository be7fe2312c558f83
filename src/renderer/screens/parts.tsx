// Small pieces every screen shares: the amount in yen, the language switch, the top bar with the
// shop's name, the staff-call notice, the confirm screen's frame and a screen that leaves by itself.
import type { ReactNode } from 'react';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PaymentView } from '../../shared/kiosk-api.ts';
import { pinOnlyAmountMax } from '../../shared/limits.ts';
import type { Language } from '../i18n.ts';

/** i18next context for a check-in's words ("cancel check-in", not "cancel payment"); none for a purchase. */
export function purposeContext(payment: PaymentView | null): { context?: string } {
  return payment?.purpose === 'clinic_visit' ? { context: 'clinic' } : {};
}

/**
 * Whether the member number and PIN can pay this payment: the hub pays at most pinOnlyAmountMax on them
 * alone (above it, and for a child's account, it answers face_required), so above it no screen offers them.
 */
export function memberPinPays(payment: PaymentView | null): boolean {
  return payment === null || payment.amount <= pinOnlyAmountMax;
}

/**
 * A screen's title, given the focus when its screen appears: a screen reader says which screen this is, and
 * Tab goes on to the screen's own fields and buttons instead of starting over at the top bar (language
 * switch, sign-out). Focused from code only (tabIndex -1): never a Tab stop itself.
 */
export function ScreenTitle(props: {
  id: string;
  className?: string;
  /**
   * A step within the screen that a screen reader must hear as a new screen (the station's "PIN again"): the
   * title, whose words change with it, takes the focus again whenever this changes.
   */
  focusKey?: string | undefined;
  children: ReactNode;
}) {
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    title.current?.focus({ preventScroll: true });
  }, [props.focusKey]);
  return (
    <h1 id={props.id} className={props.className} tabIndex={-1} ref={title}>
      {props.children}
    </h1>
  );
}

export function useYen() {
  const { t, i18n } = useTranslation();
  const number = new Intl.NumberFormat(i18n.language === 'ja' ? 'ja-JP' : 'en-US');
  return (amount: number) => t('amount.yen', { amount: number.format(amount) });
}

/** An amount inside a sentence (the clinic board's "paid ¥3,210"). */
export function Yen(props: { amount: number }) {
  const yen = useYen();
  return <span className="yen">{yen(props.amount)}</span>;
}

export function Amount(props: { amount: number; label?: string }) {
  const { t } = useTranslation();
  const yen = useYen();
  return (
    <p className="amount" data-testid="amount">
      <span className="amount-label">{props.label ?? t('amount.label')}</span>
      <span className="amount-value">{yen(props.amount)}</span>
    </p>
  );
}

/**
 * How many ems wide `name`'s words are on one line, a little over (rounding), set as --shop-name-ems: the
 * style sheet sizes the name to its room's width divided by it, between its smallest and largest size, so
 * it fits on the bar's one row at once on any display, with no script at a resize.
 */
function measureEms(name: HTMLElement): void {
  const range = document.createRange();
  range.selectNodeContents(name);
  const wordsPx = range.getBoundingClientRect().width;
  const fontPx = parseFloat(getComputedStyle(name).fontSize);
  if (wordsPx === 0 || fontPx === 0) return;
  name.style.setProperty('--shop-name-ems', ((wordsPx + 2) / fontPx).toFixed(3));
}

/**
 * The shop's (or station's) name on the bar's one row: smaller when the room beside the badge and the
 * language switch is short (a 1024 px display, the badge shown), cut with an ellipsis only below its
 * smallest size (18 px); the whole name is its title, and what screen readers read either way.
 */
function ShopName(props: { name: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    const name = ref.current;
    if (name === null) return;
    let shown = true;
    const measure = () => {
      if (shown) measureEms(name);
    };
    measure();
    // Its words' width changes with the font loaded and the page's language (the font for Japanese).
    void document.fonts.ready.then(measure);
    const observer = new MutationObserver(measure);
    observer.observe(document.documentElement, { attributeFilter: ['lang'] });
    return () => {
      shown = false;
      observer.disconnect();
    };
  }, [props.name]);
  return (
    <span className="shop-name-room">
      <span ref={ref} className="shop-name" title={props.name}>
        {props.name}
      </span>
    </span>
  );
}

export function TopBar(props: {
  shopName: string;
  hub: 'reachable' | 'unreachable';
  /** What the badge says while the hub is out of reach; default: the payment server's words. */
  offline?: string;
  onLanguage: (language: Language) => void;
}) {
  const { t, i18n } = useTranslation();
  const other: Language = i18n.language === 'ja' ? 'en' : 'ja';
  return (
    <header className="top-bar">
      <ShopName name={props.shopName} />
      {props.hub === 'unreachable' ? (
        <span className="hub-offline" role="alert">
          {props.offline ?? t('hub.offline')}
        </span>
      ) : null}
      <button
        className="language-switch"
        onClick={() => props.onLanguage(other)}
        aria-label={t('language.switchTo')}
        lang={other}
        data-testid="language-switch"
      >
        {other === 'en' ? 'English' : '日本語'}
      </button>
    </header>
  );
}

/** Calls `onDone` once `ms` after the screen shows (receipt, waiting), unless the screen goes first. */
export function useDoneAfter(onDone: () => void, ms: number) {
  useEffect(() => {
    const timer = window.setTimeout(onDone, ms);
    return () => window.clearTimeout(timer);
  }, [onDone, ms]);
}

/**
 * What the shopper or patient confirms: a title, their masked name, the amount, anything the mode adds
 * below it, then OK and "not me" (both off while the kiosk is busy).
 */
export function ConfirmFrame(props: {
  title: string;
  name: string;
  amount: number;
  amountLabel: string;
  okLabel: string;
  /** Cancels the payment (or check-in) for the till: the words say which. */
  cancelLabel: string;
  busy: boolean;
  onOk: () => void;
  /** The name shown is someone else's: the payment stays open for the shopper's own way to pay. */
  onNotMe: () => void;
  onCancel: () => void;
  children?: ReactNode;
}) {
  return (
    <main className="screen screen-confirm" aria-labelledby="confirm-title">
      <ScreenTitle id="confirm-title">{props.title}</ScreenTitle>
      <p className="masked-name" data-testid="masked-name">
        {props.name}
      </p>
      <Amount amount={props.amount} label={props.amountLabel} />
      {props.children}
      <div className="actions">
        <button
          className="button button-primary"
          onClick={props.onOk}
          disabled={props.busy}
          data-testid="confirm-ok"
        >
          {props.okLabel}
        </button>
        <NotMeButton busy={props.busy} onNotMe={props.onNotMe} />
        <button
          className="button button-secondary"
          onClick={props.onCancel}
          disabled={props.busy}
          data-testid="confirm-cancel"
        >
          {props.cancelLabel}
        </button>
      </div>
    </main>
  );
}

/**
 * The name shown (confirm, PIN) is someone else's: the payment stays open for the shopper's own way to pay
 * (KioskService's notMe). Disabled while a call for the payment is in flight.
 */
export function NotMeButton(props: { busy: boolean; onNotMe: () => void }) {
  const { t } = useTranslation();
  return (
    <button
      className="button button-secondary"
      onClick={props.onNotMe}
      disabled={props.busy}
      data-testid="not-me"
    >
      {t('actions.notMe')}
    </button>
  );
}

/**
 * What a typed date is: the ISO date the hub takes ('1980-02-03'); a well-ordered date that does not exist
 * (2023/02/30, 1980/13/02: no_such_day, a message of its own); anything else not_a_date (empty: nothing).
 * Year, month and day in that order, split by '-', '/', '.' or 年月日, or eight digits.
 */
export function readTypedDate(
  typed: string,
): { iso: string } | 'empty' | 'not_a_date' | 'no_such_day' {
  if (typed.trim() === '') return 'empty';
  const parts =
    /^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$/.exec(typed) ??
    /^\s*(\d{4})(\d{2})(\d{2})\s*$/.exec(typed);
  if (parts === null) return 'not_a_date';
  const [year, month, day] = parts.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  const exists =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!exists) return 'no_such_day';
  return { iso: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` };
}

/** A typed date as the ISO date the hub takes, or null when it is not one (readTypedDate says why). */
export function isoDateOf(typed: string): string | null {
  const read = readTypedDate(typed);
  return typeof read === 'object' ? read.iso : null;
}

/**
 * A date field in the app's language, not the browser's: Chromium's own date input orders and words
 * its fields by the browser's locale (an English Chromium shows "mm/dd/yyyy" on a Japanese screen).
 * Year, month and day in that order in both languages; `onChange` gets the ISO date, or '' while what is
 * typed is not one (the form waits for it). What is wrong is said once the officer leaves the field (or
 * presses Enter in it), not at each keystroke of a date still being typed; typing again hides it until then.
 */
export function DateInput(props: {
  value: string;
  onChange: (iso: string) => void;
  testId: string;
  /** The example under the field (an expiry's is in the future); the date of birth's by default. */
  placeholder?: string;
}) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState(props.value.replaceAll('-', '/'));
  const [left, setLeft] = useState(props.value !== '');
  const read = readTypedDate(typed);
  const wrong = left && typeof read === 'string' && read !== 'empty' ? read : null;
  return (
    <>
      <input
        inputMode="numeric"
        autoComplete="off"
        value={typed}
        placeholder={props.placeholder ?? t('enrol.document.datePlaceholder')}
        aria-invalid={wrong !== null}
        onChange={(event) => {
          setTyped(event.target.value);
          setLeft(false);
          props.onChange(isoDateOf(event.target.value) ?? '');
        }}
        // Shown back as the officer reads dates: 1980/02/03 whichever separator was typed.
        onBlur={() => {
          setLeft(true);
          if (typeof read === 'object') setTyped(read.iso.replaceAll('-', '/'));
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') setLeft(true);
        }}
        data-testid={props.testId}
      />
      {wrong === null ? null : (
        <span className="field-hint field-invalid" data-testid={`${props.testId}-invalid`}>
          {t(
            wrong === 'no_such_day' ? 'enrol.document.dateNoSuchDay' : 'enrol.document.dateInvalid',
          )}
        </span>
      )}
    </>
  );
}
