// Dates and times as every screen writes them, so a receipt, the staff list and the station's list agree:
// the locale picked once (ja-JP; en-GB, so 4 Dec 2026 never reads as 12/4), always to the minute.

/** 'clock': 09:05 (a time today, the clinic's); 'dateTime': 2026/12/04 9:05 or 4 Dec 2026, 09:05. */
export function dateTimeFormat(language: string, style: 'clock' | 'dateTime'): Intl.DateTimeFormat {
  const locale = language === 'ja' ? 'ja-JP' : 'en-GB';
  return style === 'clock'
    ? new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' })
    : new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
}
