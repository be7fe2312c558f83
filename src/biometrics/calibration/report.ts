// Plain-text tables for the calibration, comparison and evaluation scripts: fixed-width columns, rates as
// percentages, and a dash where a rate is undefined (a subset with no pairs of that kind).

export type Cell = string | number | null;

export function percent(value: number | null, digits = 2): string {
  return value === null ? '-' : `${(value * 100).toFixed(digits)}%`;
}

export function fixed(value: number | null, digits = 4): string {
  return value === null ? '-' : value.toFixed(digits);
}

/** First column left-aligned, the rest right-aligned, each as wide as its widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [header, ...rows].map((row) => row.map((cell) => (cell === null ? '-' : `${cell}`)));
  const widths = header.map((_, column) =>
    Math.max(...text.map((row) => (row[column] ?? '').length)),
  );
  return text
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}
