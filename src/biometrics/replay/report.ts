// The replay's self-contained HTML report: a timeline of per-frame measures drawn as inline SVG
// (passive score, EAR, yaw, parallax, quality) and a few annotated frames embedded as base64 JPEGs.
import type { ReplayFrameRecord } from './pipeline.ts';

export interface ReportFrame {
  readonly ordinal: number;
  readonly caption: string;
  readonly jpegBase64: string;
}

export interface ReportInput {
  readonly title: string;
  readonly summary: Readonly<Record<string, unknown>>;
  readonly records: readonly ReplayFrameRecord[];
  readonly passiveThreshold: number | null;
  readonly blinkOrdinals: readonly number[];
  readonly frames: readonly ReportFrame[];
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

interface Lane {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly colour: string;
  readonly value: (r: ReplayFrameRecord) => number | null;
  readonly guide?: number | null;
}

const width = 900;
const laneHeight = 70;
const left = 90;

function lanePath(records: readonly ReplayFrameRecord[], lane: Lane, top: number): string {
  const step = records.length > 1 ? (width - left - 10) / (records.length - 1) : 0;
  let d = '';
  let previousSegment: number | null = null;
  for (const [i, r] of records.entries()) {
    const v = lane.value(r);
    if (v === null || !Number.isFinite(v)) {
      previousSegment = null;
      continue;
    }
    const clamped = Math.min(lane.max, Math.max(lane.min, v));
    const y = top + laneHeight - ((clamped - lane.min) / (lane.max - lane.min)) * laneHeight;
    const x = left + i * step;
    // A new run of frames starts a new line: there is no motion across the gap.
    d += `${previousSegment === r.segment ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    previousSegment = r.segment;
  }
  return d;
}

function qualityStrip(records: readonly ReplayFrameRecord[], top: number): string {
  const step = (width - left - 10) / Math.max(1, records.length);
  return records
    .map((r, i) => {
      const colour = r.box === null ? '#999' : r.quality === 'ok' ? '#2a2' : '#e90';
      const x = (left + i * step).toFixed(1);
      return `<rect x="${x}" y="${top}" width="${Math.max(1, step).toFixed(1)}" height="14" fill="${colour}"><title>${escapeHtml(`#${r.index} ${r.quality}`)}</title></rect>`;
    })
    .join('');
}

export function timelineSvg(input: ReportInput): string {
  const lanes: Lane[] = [
    {
      label: 'passive',
      min: 0,
      max: 1,
      colour: '#36c',
      value: (r) => r.passiveScore,
      guide: input.passiveThreshold,
    },
    { label: 'EAR', min: 0, max: 0.45, colour: '#c33', value: (r) => r.ear },
    { label: 'yaw', min: -0.5, max: 0.5, colour: '#393', value: (r) => r.yaw, guide: 0 },
    { label: 'parallax', min: 0, max: 1, colour: '#939', value: (r) => r.parallax },
  ];
  const height = lanes.length * (laneHeight + 20) + 50;
  const step = input.records.length > 1 ? (width - left - 10) / (input.records.length - 1) : 0;
  const parts: string[] = [];
  for (const [k, lane] of lanes.entries()) {
    const top = 10 + k * (laneHeight + 20);
    parts.push(`<text x="4" y="${top + laneHeight / 2}" font-size="12">${lane.label}</text>`);
    parts.push(
      `<text x="${left - 4}" y="${top + 10}" font-size="9" text-anchor="end">${lane.max}</text>`,
    );
    parts.push(
      `<text x="${left - 4}" y="${top + laneHeight}" font-size="9" text-anchor="end">${lane.min}</text>`,
    );
    parts.push(
      `<rect x="${left}" y="${top}" width="${width - left - 10}" height="${laneHeight}" fill="none" stroke="#ccc"/>`,
    );
    if (lane.guide !== undefined && lane.guide !== null) {
      const y = top + laneHeight - ((lane.guide - lane.min) / (lane.max - lane.min)) * laneHeight;
      parts.push(
        `<line x1="${left}" x2="${width - 10}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#888" stroke-dasharray="4 3"/>`,
      );
    }
    parts.push(
      `<path d="${lanePath(input.records, lane, top)}" fill="none" stroke="${lane.colour}" stroke-width="1.3"/>`,
    );
    if (lane.label === 'EAR')
      for (const ordinal of input.blinkOrdinals)
        parts.push(
          `<circle cx="${(left + ordinal * step).toFixed(1)}" cy="${top + laneHeight - 4}" r="3" fill="#c33"><title>blink</title></circle>`,
        );
  }
  const stripTop = 10 + lanes.length * (laneHeight + 20);
  parts.push(`<text x="4" y="${stripTop + 11}" font-size="12">quality</text>`);
  parts.push(qualityStrip(input.records, stripTop));
  const first = input.records[0];
  const last = input.records.at(-1);
  if (first !== undefined && last !== undefined) {
    parts.push(
      `<text x="${left}" y="${stripTop + 30}" font-size="10">${(first.timestampMs / 1000).toFixed(2)} s</text>`,
    );
    parts.push(
      `<text x="${width - 10}" y="${stripTop + 30}" font-size="10" text-anchor="end">${(last.timestampMs / 1000).toFixed(2)} s (${input.records.length} frames)</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join('')}</svg>`;
}

export function renderReport(input: ReportInput): string {
  const rows = Object.entries(input.summary)
    .map(
      ([k, v]) =>
        `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`,
    )
    .join('');
  const figures = input.frames
    .map(
      (f) =>
        `<figure><img alt="frame ${f.ordinal}" src="data:image/jpeg;base64,${f.jpegBase64}"><figcaption>${escapeHtml(f.caption)}</figcaption></figure>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>body{font-family:sans-serif;margin:20px;color:#222}table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}figure{display:inline-block;margin:6px}figcaption{font-size:12px;max-width:320px}</style>
</head><body>
<h1>${escapeHtml(input.title)}</h1>
<table>${rows}</table>
<h2>Timeline</h2>
<p>Passive texture score (dashed: the model's threshold), eye aspect ratio (dots: blinks), yaw (0 = frontal, &gt; 0 = subject's left), nose parallax against the run's reference frame, and quality (green ok, orange a quality reason, grey no face). Breaks in a line separate runs of consecutive frames.</p>
${timelineSvg(input)}
<h2>Frames</h2>
${figures}
</body></html>
`;
}
