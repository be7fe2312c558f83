// The touch keypad for PINs, member numbers and amounts: large keys, a masked or plain display, and
// labels a screen reader can read; it never keeps what was typed after submit.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

export function Keypad(props: {
  label: string;
  masked: boolean;
  minLength: number;
  maxLength: number;
  submitLabel: string;
  onSubmit: (value: string) => void;
  busy?: boolean;
  /** How a plain (unmasked) value is shown, e.g. an amount in the language's yen; default: as typed. */
  format?: (value: string) => string;
  /**
   * The pad takes the focus when it appears in place of another within one screen (the member number's pad
   * gives way to the PIN's): the focused key went with the old pad, and the focus would fall to the page's
   * body, where a screen reader says nothing. Its display (named by `label`) gets it, as a screen's title does.
   */
  takeFocus?: boolean;
}) {
  const { t } = useTranslation();
  const [value, setValue] = useState('');
  const display = useRef<HTMLDivElement>(null);
  const takeFocus = props.takeFocus === true;
  useEffect(() => {
    if (takeFocus) display.current?.focus({ preventScroll: true });
  }, [takeFocus]);
  const press = (digit: string) => setValue((v) => (v.length < props.maxLength ? v + digit : v));
  const submit = () => {
    if (value.length < props.minLength || props.busy === true) return;
    const typed = value;
    setValue('');
    props.onSubmit(typed);
  };
  const shown = props.masked
    ? '●'.repeat(value.length)
    : value !== '' && props.format !== undefined
      ? props.format(value)
      : value;
  return (
    <div className="keypad">
      {/* Focused from code only (tabIndex -1): never a Tab stop itself. */}
      <div
        className="keypad-display"
        role="status"
        aria-label={props.label}
        tabIndex={-1}
        ref={display}
        data-testid="keypad-display"
      >
        <span className="keypad-label">{props.label}</span>
        <span className="keypad-value" data-testid="keypad-value">
          {shown === '' ? '\u00a0' : shown}
        </span>
      </div>
      <div className="keypad-keys">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((digit) => (
          <button key={digit} className="key" onClick={() => press(digit)} aria-label={digit}>
            {digit}
          </button>
        ))}
        <button
          className="key key-secondary"
          onClick={() => setValue((v) => v.slice(0, -1))}
          aria-label={t('keypad.delete')}
        >
          ⌫
        </button>
        <button className="key" onClick={() => press('0')} aria-label="0">
          0
        </button>
        <button
          className="key key-primary"
          onClick={submit}
          disabled={value.length < props.minLength || props.busy === true}
          data-testid="keypad-submit"
        >
          {props.submitLabel}
        </button>
      </div>
    </div>
  );
}
