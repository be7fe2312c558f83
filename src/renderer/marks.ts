// Timeline marks of each payment (face first seen, decided, hub answers, paid), kept on the window so
// bench:e2e and the e2e tests read where the time went; nothing else reads them.

export interface KioskMark {
  name: string;
  at: number;
  detail?: Record<string, number | string>;
}

declare global {
  interface Window {
    facepayMarks?: KioskMark[];
  }
}

const marksKeptMax = 2_000;

export function mark(name: string, detail?: Record<string, number | string>): void {
  const marks = (window.facepayMarks ??= []);
  marks.push({ name, at: performance.now(), ...(detail === undefined ? {} : { detail }) });
  if (marks.length > marksKeptMax) marks.splice(0, marks.length - marksKeptMax);
}
