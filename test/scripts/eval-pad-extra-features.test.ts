// eval:pad-human and eval:pad-deep append a net's outputs to eval:pad's table: rows stay indexed by sample
// index (a thinned sample list, eval:pad-deep --per-group, leaves the rest null), v3 row first, and a
// face that either side failed to acquire stays a failure.
import { describe, expect, it } from 'vitest';
import type { PadCorpusSample } from '../../src/biometrics/liveness/pad-corpus.node.ts';
import type { PadProtocolData } from '../../src/biometrics/liveness/pad-protocol.node.ts';
import { padFeatureSets } from '../../src/biometrics/liveness/pad-protocol.node.ts';
import { v3CandidatesWith, withExtraFeatures } from '../../scripts/eval-pad/extra-features.ts';

const source: PadCorpusSample = {
  file: 'x.jpg',
  group: 'g',
  domain: 'nuaa',
  live: true,
  species: null,
};

/** Four samples whose v3 rows are [index, index] (sample 3 not acquired); only 0, 2 and 3 kept. */
function thinnedData(): PadProtocolData {
  const v3 = [0, 1, 2, 3].map((i) => (i === 3 ? null : Float64Array.from([i, i])));
  return {
    samples: [0, 2, 3].map((index) => ({ group: 'g', domain: 'nuaa', live: true, index, source })),
    table: new Map(padFeatureSets.map((set) => [set.key, v3])),
    detectMs: 0,
    detected: 0,
    featureMs: 0,
  };
}

describe('withExtraFeatures', () => {
  const data = thinnedData();
  // Sample 2's net failed to acquire; the others give [10 * index].
  const table = withExtraFeatures(data, data.table, 'net', (i) => (i === 2 ? null : [10 * i]));

  it('indexes the extra rows by sample index, null for samples left out', () => {
    const alone = table.get('net');
    expect(alone).toHaveLength(4);
    expect(Array.from(alone?.[0] ?? [])).toEqual([0]);
    expect(alone?.[1]).toBeNull();
    expect(alone?.[2]).toBeNull();
    expect(Array.from(alone?.[3] ?? [])).toEqual([30]);
  });

  it('appends the extra row after each v3 set row, null where either side failed', () => {
    for (const set of padFeatureSets) {
      const rows = table.get(`${set.key}+net`);
      expect(rows).toHaveLength(4);
      expect(Array.from(rows?.[0] ?? [])).toEqual([0, 0, 0]);
      expect(rows?.[2]).toBeNull();
      expect(rows?.[3]).toBeNull();
    }
  });

  it('keeps the table it was given and names candidates for every v3 candidate', () => {
    for (const set of padFeatureSets) expect(table.get(set.key)).toBe(data.table.get(set.key));
    const names = v3CandidatesWith('net').map((c) => c.features);
    expect(new Set(names)).toEqual(new Set(padFeatureSets.map((s) => `${s.key}+net`)));
  });
});
