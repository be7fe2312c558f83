// Exact 1:N search over protected templates: the best persons by cosine, with the margin to the runner-up
// that DESIGN.md's 1:N safety rule needs. Screens with WebAssembly SIMD where the engine has it, else in JS.
import { assert } from '../../shared/assert.ts';
import {
  galleryCapacityInitial,
  galleryTemplatesMax,
  galleryTopKMax,
  templateBindingIdLengthMax,
  templateDimensionMax,
  templateDimensionMin,
} from '../../shared/limits.ts';
import { fail, ok } from '../protect/result.ts';
import type { Result } from '../protect/result.ts';
import { SimdInt8Rows, probeLevelsMaxFor, simdSupported } from './simd-screen.ts';
import { assertTestRun } from '../protect/test-only.ts';

/*
 * Layout: every template is L2-normalised and stored in one row-major Float32Array (the exact copy).
 * With screening on (the default), a second index holds each row quantised to int8 with its own scale,
 * two rows packed per float64 (row 2i in the low field, row 2i+1 times 2^26 in the high field). One
 * multiply by an integer probe component then yields both rows' products, and sums stay exact
 * integers below 2^53, so one pass of float64 multiply-adds scores two rows: measured about 1.7x the
 * speed of the best float32 loop. Each row's quantisation error gives a proven bound on the true score;
 * only rows whose upper bound reaches the k-th best lower bound are re-scored exactly from the float32
 * copy, so the answer is the exact top-k, not an approximation. Memory: 8 * dimension + 36 bytes a row.
 *
 * Where WebAssembly SIMD validates (Node 20, Chromium) and no custom PairScreener is given, the same int8
 * levels live instead in a WebAssembly.Memory, one int8 row per template (128 bytes at dimension 128, see
 * simd-screen.ts), and a SIMD kernel computes each row's exact integer dot with an int16 probe; the bound
 * and the exact re-scoring are the same. Measured 1M at 12 ms p50 / 24 ms p95 on the 2-core kiosk box.
 * Memory then: 5 * dimension + 36 bytes a row (the int8 row's length rounded up to 16).
 */
const fieldScale = 67_108_864; // 2^26: the low field's sums stay below 2^25 in magnitude
const lowFieldMax = 33_554_431; // 2^25 - 1
const galleryLevels = 127;
const probeLevelsMax = 2047;
const boundSlack = 1e-9; // covers float64 rounding in the bound and the exact score
const screeningRowsMin = 256; // below this an exact scan is as fast and simpler

export interface GalleryCandidate {
  readonly personId: string;
  readonly templateId: string;
  /** Cosine similarity of the probe with this person's best template, -1..1. */
  readonly score: number;
}

export interface GallerySearchResult {
  /** Distinct persons, best first. */
  readonly candidates: readonly GalleryCandidate[];
  /** Best score minus the runner-up person's score; null with fewer than two persons. */
  readonly margin: number | null;
  /** Rows scored exactly (all of them without screening): how well the screen pruned. */
  readonly rowsScoredExactly: number;
}

export type GalleryErrorCode = 'gallery_full';

/** How search screens: the WebAssembly SIMD kernel, the packed JS pass, or not at all (exact scan). */
export type ScreenKernel = 'wasm-simd' | 'js-pairs' | 'none';

/**
 * Runs the screening pass. The default runs it in this thread; a screener may split the pairs between
 * threads (see parallel-screener.node.ts), which is why it also allocates the arrays it must share.
 */
export interface ScreenJob {
  packed: Float64Array;
  levels: Float64Array;
  dimension: number;
  slots: number;
  dots: Float64Array;
}

export interface PairScreener {
  allocate(length: number): Float64Array;
  screen(options: ScreenJob): void;
}

export const inThreadScreener: PairScreener = {
  allocate: (length) => new Float64Array(length),
  screen: ({ packed, levels, dimension, slots, dots }) =>
    screenPairs({ packed, levels, dimension, from: 0, to: slots, dots }),
};

export class Gallery {
  readonly dimension: number;
  readonly screening: boolean;
  readonly templatesMax: number;
  readonly screenKernel: ScreenKernel;
  #screener: PairScreener;
  #simdRows: SimdInt8Rows | null;
  #count = 0;
  #capacity: number;
  #vectors: Float32Array;
  #packed: Float64Array;
  #rowInvScale: Float64Array;
  #rowErr: Float64Array;
  #rowNorm: Float64Array;
  #rowPerson: Int32Array;
  #rowTemplateId: string[] = [];
  #templateRow = new Map<string, number>();
  #personIndex = new Map<string, number>();
  #personIds: string[] = [];
  #personTemplates: Set<string>[] = [];
  #freePersonIndexes: number[] = [];
  #integerDots: Float64Array = new Float64Array(0);
  #candidateRows = new Int32Array(1024);
  #candidateUpper = new Float64Array(1024);

  constructor(options: {
    dimension: number;
    capacity?: number;
    screening?: boolean;
    templatesMax?: number;
    screener?: PairScreener;
    /** false forces the JS screen (the fallback where WebAssembly SIMD does not validate). */
    simd?: boolean;
  }) {
    const { dimension } = options;
    assert(
      Number.isSafeInteger(dimension) &&
        dimension >= templateDimensionMin &&
        dimension <= templateDimensionMax &&
        dimension % 4 === 0,
      'gallery dimension must be a multiple of 4 within the template limits',
    );
    this.templatesMax = options.templatesMax ?? galleryTemplatesMax;
    assert(
      Number.isSafeInteger(this.templatesMax) &&
        this.templatesMax >= 1 &&
        this.templatesMax <= galleryTemplatesMax,
      'gallery templatesMax out of range',
    );
    const capacity = Math.min(options.capacity ?? galleryCapacityInitial, this.templatesMax);
    assert(capacity >= 1 && capacity <= galleryTemplatesMax, 'gallery capacity out of range');
    this.dimension = dimension;
    this.screening = options.screening ?? true;
    this.#capacity = capacity + (capacity % 2);
    this.#vectors = new Float32Array(this.#capacity * dimension);
    this.#screener = options.screener ?? inThreadScreener;
    const useSimd =
      this.screening && options.screener === undefined && options.simd !== false && simdSupported();
    this.screenKernel = !this.screening ? 'none' : useSimd ? 'wasm-simd' : 'js-pairs';
    this.#simdRows = useSimd ? new SimdInt8Rows({ dimension, capacity: this.#capacity }) : null;
    this.#packed = this.#screener.allocate(this.#packedLength(this.#capacity));
    this.#rowInvScale = new Float64Array(this.#capacity);
    this.#rowErr = new Float64Array(this.#capacity);
    this.#rowNorm = new Float64Array(this.#capacity);
    this.#rowPerson = new Int32Array(this.#capacity);
  }

  get size(): number {
    return this.#count;
  }

  get personCount(): number {
    return this.#personIndex.size;
  }

  has(templateId: string): boolean {
    return this.#templateRow.has(templateId);
  }

  /** Bytes held by the typed arrays (the bulk of it; ids are extra). */
  memoryBytes(): number {
    return (
      this.#vectors.byteLength +
      this.#packed.byteLength +
      this.#rowInvScale.byteLength +
      this.#rowErr.byteLength +
      this.#rowNorm.byteLength +
      this.#rowPerson.byteLength +
      this.#integerDots.byteLength +
      this.#candidateRows.byteLength +
      this.#candidateUpper.byteLength +
      (this.#simdRows?.byteLength ?? 0)
    );
  }

  add(entry: {
    templateId: string;
    personId: string;
    template: Float32Array;
  }): Result<void, GalleryErrorCode> {
    const { templateId, personId, template } = entry;
    assert(template.length === this.dimension, 'template dimension does not match the gallery');
    assert(validId(templateId) && validId(personId), 'gallery ids must be 1..128 characters');
    assert(!this.#templateRow.has(templateId), 'template id already in the gallery');
    if (this.#count >= this.templatesMax) {
      return fail('gallery_full', 'the gallery is full');
    }
    if (this.#count === this.#capacity) this.#grow();
    const row = this.#count;
    writeNormalised(this.#vectors, row * this.dimension, template);
    if (this.screening) this.#quantiseRow(row);
    this.#rowPerson[row] = this.#internPerson(personId, templateId);
    this.#rowTemplateId[row] = templateId;
    this.#templateRow.set(templateId, row);
    this.#count += 1;
    return ok(undefined);
  }

  /** Removes one template: the last row moves into its place, and the vacated row is zeroed. */
  remove(templateId: string): boolean {
    const row = this.#templateRow.get(templateId);
    if (row === undefined) return false;
    const last = this.#count - 1;
    const personIndex = this.#rowPerson[row] ?? -1;
    if (row !== last) this.#moveRow(last, row);
    this.#clearRow(last);
    this.#templateRow.delete(templateId);
    this.#rowTemplateId.length = last;
    this.#count = last;
    this.#releasePerson(personIndex, templateId);
    return true;
  }

  /** Erasure: removes every template of the person; returns how many. */
  removePerson(personId: string): number {
    const index = this.#personIndex.get(personId);
    if (index === undefined) return 0;
    const templateIds = [...(this.#personTemplates[index] ?? [])];
    for (const templateId of templateIds) {
      assert(this.remove(templateId), 'person template present');
    }
    assert(!this.#personIndex.has(personId), 'person gone after its last template');
    return templateIds.length;
  }

  /** Zeroes every template and forgets every id: the gallery holds protected but unsealed templates. */
  clear(): void {
    this.#vectors.fill(0);
    this.#packed.fill(0);
    this.#simdRows?.clear();
    this.#integerDots.fill(0);
    this.#rowInvScale.fill(0);
    this.#rowErr.fill(0);
    this.#rowNorm.fill(0);
    this.#rowPerson.fill(-1);
    this.#rowTemplateId = [];
    this.#templateRow.clear();
    this.#personIndex.clear();
    this.#personIds = [];
    this.#personTemplates = [];
    this.#freePersonIndexes = [];
    this.#count = 0;
  }

  /** The k best distinct persons for the probe (normalised here), exact cosine scores. */
  search(probe: Float32Array, k: number): GallerySearchResult {
    assert(probe.length === this.dimension, 'probe dimension does not match the gallery');
    assert(Number.isSafeInteger(k) && k >= 1 && k <= galleryTopKMax, 'k out of range');
    const q = normalisedFloat64(probe);
    const top = new TopPersons(Math.max(k, 2));
    const rowsScoredExactly =
      this.screening && this.#count >= screeningRowsMin
        ? this.#searchScreened(q, top)
        : this.#searchExact(q, top);
    const ranked = top.ranked();
    const candidates = ranked.slice(0, k).map(({ person, row, score }) => ({
      personId: this.#personIds[person] ?? '',
      templateId: this.#rowTemplateId[row] ?? '',
      score,
    }));
    const first = ranked[0];
    const second = ranked[1];
    const margin = first && second ? first.score - second.score : null;
    return { candidates, margin, rowsScoredExactly };
  }

  #searchExact(q: Float64Array, top: TopPersons): number {
    const vectors = this.#vectors;
    const rowPerson = this.#rowPerson;
    const dim = this.dimension;
    const count = this.#count;
    let threshold = Number.NEGATIVE_INFINITY;
    for (let row = 0, o = 0; row < count; row++, o += dim) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let j = 0; j < dim; j += 4) {
        a0 += (vectors[o + j] as number) * (q[j] as number);
        a1 += (vectors[o + j + 1] as number) * (q[j + 1] as number);
        a2 += (vectors[o + j + 2] as number) * (q[j + 2] as number);
        a3 += (vectors[o + j + 3] as number) * (q[j + 3] as number);
      }
      const score = a0 + a1 + (a2 + a3);
      if (score > threshold) threshold = top.offer(rowPerson[row] as number, row, score);
    }
    return count;
  }

  /** Screen with the packed int8 index, then re-score the few rows that could still be in the top k. */
  #searchScreened(q: Float64Array, top: TopPersons): number {
    const dim = this.dimension;
    const count = this.#count;
    const simdRows = this.#simdRows;
    let dots: Float64Array;
    let probe: ReturnType<typeof quantiseProbe>;
    if (simdRows) {
      probe = quantiseProbe(q, dim, probeLevelsMaxFor(simdRows.stride));
      dots = simdRows.screen(probe.levels, count);
    } else {
      const packedLevelsMax = Math.floor(lowFieldMax / (dim * galleryLevels));
      probe = quantiseProbe(q, dim, Math.min(probeLevelsMax, packedLevelsMax));
      const slots = (count + 1) >> 1;
      if (this.#integerDots.length < 2 * slots) {
        this.#integerDots.fill(0);
        this.#integerDots = this.#screener.allocate(this.#capacity);
      }
      dots = this.#integerDots;
      this.#screener.screen({
        packed: this.#packed,
        levels: probe.levels,
        dimension: dim,
        slots,
        dots,
      });
    }
    const lower = new TopPersons(top.capacity);
    let lowerThreshold = Number.NEGATIVE_INFINITY;
    let candidates = 0;
    const { invScale: probeInvScale, norm: probeNorm, err: probeErr } = probe;
    const invScale = this.#rowInvScale;
    const err = this.#rowErr;
    const norm = this.#rowNorm;
    const rowPerson = this.#rowPerson;
    for (let row = 0; row < count; row++) {
      const e = err[row] as number;
      const approx = (dots[row] as number) * (invScale[row] as number) * probeInvScale;
      const bound = probeNorm * e + probeErr * ((norm[row] as number) + e) + boundSlack;
      if (approx + bound < lowerThreshold) continue;
      if (candidates === this.#candidateRows.length) this.#growCandidates();
      this.#candidateRows[candidates] = row;
      this.#candidateUpper[candidates] = approx + bound;
      candidates += 1;
      if (approx - bound > lowerThreshold) {
        lowerThreshold = lower.offer(rowPerson[row] as number, row, approx - bound);
      }
    }
    return this.#rescore(q, top, candidates, lowerThreshold);
  }

  #rescore(q: Float64Array, top: TopPersons, candidates: number, lowerThreshold: number): number {
    const dim = this.dimension;
    const vectors = this.#vectors;
    let rescored = 0;
    for (let c = 0; c < candidates; c++) {
      if ((this.#candidateUpper[c] as number) < lowerThreshold) continue;
      const row = this.#candidateRows[c] as number;
      const o = row * dim;
      let score = 0;
      for (let j = 0; j < dim; j++) score += (vectors[o + j] as number) * (q[j] as number);
      top.offer(this.#rowPerson[row] as number, row, score);
      rescored += 1;
    }
    return rescored;
  }

  #quantiseRow(row: number): void {
    const dim = this.dimension;
    const o = row * dim;
    let maxAbs = 0;
    for (let j = 0; j < dim; j++)
      maxAbs = Math.max(maxAbs, Math.abs(this.#vectors[o + j] as number));
    assert(maxAbs > 0, 'normalised rows are non-zero');
    const scale = galleryLevels / maxAbs;
    const invScale = 1 / scale;
    let err2 = 0;
    let norm2 = 0;
    const slotBase = (row >> 1) * dim;
    const simdRows = this.#simdRows;
    const simdBase = simdRows ? row * simdRows.stride : 0;
    for (let j = 0; j < dim; j++) {
      const value = this.#vectors[o + j] as number;
      const level = Math.round(value * scale);
      const restored = level * invScale;
      err2 += (value - restored) ** 2;
      norm2 += restored * restored;
      if (simdRows) simdRows.rows[simdBase + j] = level;
      else
        this.#packed[slotBase + j] = withField(
          this.#packed[slotBase + j] as number,
          row & 1,
          level,
        );
    }
    this.#rowInvScale[row] = invScale;
    this.#rowErr[row] = Math.sqrt(err2);
    this.#rowNorm[row] = Math.sqrt(norm2);
  }

  #moveRow(from: number, to: number): void {
    const dim = this.dimension;
    this.#vectors.copyWithin(to * dim, from * dim, from * dim + dim);
    if (this.screening) this.#quantiseRow(to);
    this.#rowPerson[to] = this.#rowPerson[from] as number;
    const templateId = this.#rowTemplateId[from];
    assert(templateId !== undefined, 'moved row has a template id');
    this.#rowTemplateId[to] = templateId;
    this.#templateRow.set(templateId, to);
  }

  #clearRow(row: number): void {
    const dim = this.dimension;
    this.#vectors.fill(0, row * dim, row * dim + dim);
    if (this.#simdRows) {
      const stride = this.#simdRows.stride;
      this.#simdRows.rows.fill(0, row * stride, row * stride + stride);
    } else if (this.screening) {
      const slotBase = (row >> 1) * dim;
      for (let j = 0; j < dim; j++) {
        this.#packed[slotBase + j] = withField(this.#packed[slotBase + j] as number, row & 1, 0);
      }
    }
    this.#rowInvScale[row] = 0;
    this.#rowErr[row] = 0;
    this.#rowNorm[row] = 0;
    this.#rowPerson[row] = -1;
  }

  #internPerson(personId: string, templateId: string): number {
    let index = this.#personIndex.get(personId);
    if (index === undefined) {
      index = this.#freePersonIndexes.pop() ?? this.#personIds.length;
      this.#personIndex.set(personId, index);
      this.#personIds[index] = personId;
      this.#personTemplates[index] = new Set();
    }
    this.#personTemplates[index]?.add(templateId);
    return index;
  }

  #releasePerson(index: number, templateId: string): void {
    const templates = this.#personTemplates[index];
    assert(templates?.delete(templateId) === true, 'template belonged to its person');
    if (templates.size > 0) return;
    const personId = this.#personIds[index];
    assert(personId !== undefined, 'person index has an id');
    this.#personIndex.delete(personId);
    this.#personIds[index] = '';
    this.#freePersonIndexes.push(index);
  }

  /**
   * Doubles the arrays. The old ones are zeroed once copied, as clear() and a removed row are: left to
   * the garbage collector, the templates would stay in freed memory until it is reused.
   */
  #grow(): void {
    const capacity = Math.min(this.#capacity * 2, this.templatesMax + (this.templatesMax % 2));
    assert(capacity > this.#capacity, 'gallery grows');
    const dim = this.dimension;
    this.#vectors = moveInto(new Float32Array(capacity * dim), this.#vectors);
    this.#packed = moveInto(this.#screener.allocate(this.#packedLength(capacity)), this.#packed);
    this.#simdRows?.grow(capacity);
    this.#rowInvScale = moveInto(new Float64Array(capacity), this.#rowInvScale);
    this.#rowErr = moveInto(new Float64Array(capacity), this.#rowErr);
    this.#rowNorm = moveInto(new Float64Array(capacity), this.#rowNorm);
    this.#rowPerson = copyInto(new Int32Array(capacity), this.#rowPerson);
    this.#capacity = capacity;
  }

  /**
   * For tests only: the arrays that hold templates or values derived from them, as they are now (a
   * later growth replaces them), to check that growth zeroes the ones it drops.
   */
  dangerousTestOnlyTemplateBuffers(): ArrayBufferView[] {
    assertTestRun('dangerousTestOnlyTemplateBuffers');
    return [
      this.#vectors,
      this.#packed,
      this.#rowInvScale,
      this.#rowErr,
      this.#rowNorm,
      ...(this.#simdRows?.dangerousTestOnlyMemory() ?? []),
    ];
  }

  /** Float64 slots of the packed JS index: two int8 rows per slot, none with the SIMD kernel. */
  #packedLength(capacity: number): number {
    return this.screening && this.#simdRows === null ? (capacity * this.dimension) / 2 : 0;
  }

  #growCandidates(): void {
    const length = this.#candidateRows.length * 2;
    this.#candidateRows = copyInto(new Int32Array(length), this.#candidateRows);
    this.#candidateUpper = copyInto(new Float64Array(length), this.#candidateUpper);
  }
}

/** The best `capacity` distinct persons seen so far; offer() returns the score a newcomer must beat. */
class TopPersons {
  readonly capacity: number;
  #persons: Int32Array;
  #rows: Int32Array;
  #scores: Float64Array;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#persons = new Int32Array(capacity);
    this.#rows = new Int32Array(capacity);
    this.#scores = new Float64Array(capacity);
  }

  offer(person: number, row: number, score: number): number {
    let slot = this.#persons.subarray(0, this.#size).indexOf(person);
    if (slot >= 0) {
      if (score <= (this.#scores[slot] as number)) return this.#threshold();
    } else if (this.#size < this.capacity) {
      slot = this.#size;
      this.#size += 1;
    } else {
      slot = this.#minSlot();
      if (score <= (this.#scores[slot] as number)) return this.#threshold();
    }
    this.#persons[slot] = person;
    this.#rows[slot] = row;
    this.#scores[slot] = score;
    return this.#threshold();
  }

  ranked(): { person: number; row: number; score: number }[] {
    const out = [];
    for (let i = 0; i < this.#size; i++) {
      out.push({
        person: this.#persons[i] as number,
        row: this.#rows[i] as number,
        score: this.#scores[i] as number,
      });
    }
    return out.sort((a, b) => b.score - a.score || a.row - b.row);
  }

  #threshold(): number {
    if (this.#size < this.capacity) return Number.NEGATIVE_INFINITY;
    return this.#scores[this.#minSlot()] as number;
  }

  #minSlot(): number {
    let min = 0;
    for (let i = 1; i < this.#size; i++) {
      if ((this.#scores[i] as number) < (this.#scores[min] as number)) min = i;
    }
    return min;
  }
}

/**
 * The hot loop, kept small so the JIT keeps it tight: for each packed pair, one float64 multiply-add per
 * component scores both rows; the exact integer sum splits back into the two rows' dot products.
 * Self-contained (2^26 written out, no module references): parallel-screener.node.ts ships its source
 * text to worker threads.
 */
export function screenPairs(options: {
  packed: Float64Array;
  levels: Float64Array;
  dimension: number;
  from: number;
  to: number;
  dots: Float64Array;
}): void {
  const { packed, levels, dimension: dim, from, to, dots } = options;
  for (let slot = from, o = from * dim; slot < to; slot++, o += dim) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let j = 0; j < dim; j += 4) {
      a0 += (packed[o + j] as number) * (levels[j] as number);
      a1 += (packed[o + j + 1] as number) * (levels[j + 1] as number);
      a2 += (packed[o + j + 2] as number) * (levels[j + 2] as number);
      a3 += (packed[o + j + 3] as number) * (levels[j + 3] as number);
    }
    const sum = a0 + a1 + (a2 + a3);
    const high = Math.round(sum / 67_108_864);
    dots[2 * slot] = sum - high * 67_108_864;
    dots[2 * slot + 1] = high;
  }
}

/** Integer probe levels with their scale, error and norm, for the screening bound. */
function quantiseProbe(
  q: Float64Array,
  dim: number,
  levelsMax: number,
): { levels: Float64Array; invScale: number; err: number; norm: number } {
  let maxAbs = 0;
  for (let j = 0; j < dim; j++) maxAbs = Math.max(maxAbs, Math.abs(q[j] as number));
  const scale = levelsMax / maxAbs;
  const invScale = 1 / scale;
  const levels = new Float64Array(dim);
  let err2 = 0;
  let norm2 = 0;
  for (let j = 0; j < dim; j++) {
    const level = Math.round((q[j] as number) * scale);
    const restored = level * invScale;
    levels[j] = level;
    err2 += ((q[j] as number) - restored) ** 2;
    norm2 += restored * restored;
  }
  return { levels, invScale, err: Math.sqrt(err2), norm: Math.sqrt(norm2) };
}

/** Replaces field `which` (0 low, 1 high) of a packed pair; |level| <= 127 keeps decoding exact. */
function withField(packed: number, which: number, level: number): number {
  const high = Math.round(packed / fieldScale);
  const low = packed - high * fieldScale;
  return which === 0 ? level + high * fieldScale : low + level * fieldScale;
}

function normalisedFloat64(v: Float32Array): Float64Array {
  let norm2 = 0;
  for (let j = 0; j < v.length; j++) norm2 += (v[j] as number) ** 2;
  assert(Number.isFinite(norm2) && norm2 > 1e-24, 'template must be finite and non-zero');
  const inv = 1 / Math.sqrt(norm2);
  const out = new Float64Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = (v[j] as number) * inv;
  return out;
}

function writeNormalised(target: Float32Array, offset: number, v: Float32Array): void {
  const q = normalisedFloat64(v);
  for (let j = 0; j < v.length; j++) target[offset + j] = q[j] as number;
}

function copyInto<T extends Float32Array | Float64Array | Int32Array>(target: T, source: T): T {
  target.set(source as never);
  return target;
}

/** copyInto, then zeroes the source: it held template data and is dropped. */
function moveInto<T extends Float32Array | Float64Array>(target: T, source: T): T {
  copyInto(target, source);
  source.fill(0);
  return target;
}

function validId(id: string): boolean {
  return id.length > 0 && id.length <= templateBindingIdLengthMax;
}
