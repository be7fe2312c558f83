// WebAssembly SIMD screening kernel for the gallery: int8 rows times an int16 probe, one exact integer dot
// per row, from a module hand-assembled here (no wabt, no build step); callers fall back where unsupported.
import { assert } from '../../shared/assert.ts';
import { assertTestRun } from '../protect/test-only.ts';

/*
 * The kernel, as WAT (the bytes below are this, opcode for opcode):
 *
 *   (module
 *     (import "env" "memory" (memory 0))
 *     (func (export "dots") (param $rows i32) (param $probe i32) (param $out i32) (param $count i32)
 *                           (param $stride i32) (local $end i32) (local $j i32) (local $acc v128) (local $v v128)
 *       (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 3))))
 *       (block $done
 *         (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
 *         (loop $row
 *           (local.set $acc (v128.const i32x4 0 0 0 0))
 *           (local.set $j (i32.const 0))
 *           (loop $col                                   ;; 16 int8 components per turn
 *             (local.set $v (v128.load (i32.add (local.get $rows) (local.get $j))))
 *             (local.set $acc (i32x4.add (i32x4.add (local.get $acc)
 *               (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v))
 *                                  (v128.load offset=0 (i32.add (local.get $probe) (i32.shl (local.get $j) (i32.const 1))))))
 *               (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v))
 *                                  (v128.load offset=16 (i32.add (local.get $probe) (i32.shl (local.get $j) (i32.const 1)))))))
 *             (br_if $col (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $stride))))
 *           (f64.store (local.get $out) (f64.convert_i32_s (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc))
 *             (i32x4.extract_lane 1 (local.get $acc))) (i32.add (i32x4.extract_lane 2 (local.get $acc))
 *             (i32x4.extract_lane 3 (local.get $acc))))))
 *           (local.set $rows (i32.add (local.get $rows) (local.get $stride)))
 *           (br_if $row (i32.lt_u (local.tee $out (i32.add (local.get $out) (i32.const 8))) (local.get $end))))))
 *
 * Addresses are byte offsets into the imported memory, compared unsigned. The dot is exact: the caller keeps
 * stride * 127 * probeLevelsMax below 2^31, so no i32 lane or sum can overflow. Each dot is written as a
 * float64 so the gallery's bound pass reads the same Float64Array type as for its JS screen.
 */
const simd = 0xfd; // prefix of every SIMD opcode; the opcode follows as an unsigned LEB128
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Shl: 0x74,
  f64Store: 0x39,
  f64ConvertI32S: 0xb7,
  voidBlock: 0x40,
  typeI32: 0x7f,
  typeV128: 0x7b,
} as const;
const simdOp = {
  v128Load: 0x00,
  v128Const: 0x0c,
  i32x4ExtractLane: 0x1b,
  i16x8ExtendLowI8x16S: 0x87,
  i16x8ExtendHighI8x16S: 0x88,
  i32x4Add: 0xae,
  i32x4DotI16x8S: 0xba,
} as const;

// Locals: the five parameters, then $end, $j (i32) and $acc, $v (v128).
const [rows, probe, out, count, stride, end, j, acc, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;

function leb128(value: number): number[] {
  assert(Number.isSafeInteger(value) && value >= 0, 'unsigned LEB128 of a natural number');
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    bytes.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return bytes;
}

/** Small non-negative i32.const immediates only (signed LEB128 equals unsigned below 64). */
function i32Const(value: number): number[] {
  assert(value >= 0 && value < 64, 'small constant');
  return [op.i32Const, value];
}

const get = (local: number): number[] => [op.localGet, local];
const set = (local: number): number[] => [op.localSet, local];
const tee = (local: number): number[] => [op.localTee, local];
const simdInstr = (code: number, ...immediates: number[]): number[] => [
  simd,
  ...leb128(code),
  ...immediates,
];
/** memarg: log2 alignment hint (0: no promise, all our loads are 16-byte aligned anyway) and offset. */
const v128Load = (offset: number): number[] => simdInstr(simdOp.v128Load, 0, ...leb128(offset));
const probeAt = (offset: number): number[] => [
  ...get(probe),
  ...get(j),
  ...i32Const(1),
  op.i32Shl,
  op.i32Add,
  ...v128Load(offset),
];
const lane = (index: number): number[] => [
  ...get(acc),
  ...simdInstr(simdOp.i32x4ExtractLane, index),
];

function functionBody(): number[] {
  const code = [
    ...[...get(out), ...get(count), ...i32Const(3), op.i32Shl, op.i32Add, ...set(end)],
    ...[op.block, op.voidBlock],
    ...[...get(out), ...get(end), op.i32GeU, op.brIf, 0],
    ...[op.loop, op.voidBlock],
    ...[...simdInstr(simdOp.v128Const, ...new Array<number>(16).fill(0)), ...set(acc)],
    ...[...i32Const(0), ...set(j)],
    ...[op.loop, op.voidBlock],
    ...[...get(rows), ...get(j), op.i32Add, ...v128Load(0), ...set(v)],
    ...get(acc),
    ...[...get(v), ...simdInstr(simdOp.i16x8ExtendLowI8x16S), ...probeAt(0)],
    ...[...simdInstr(simdOp.i32x4DotI16x8S), ...simdInstr(simdOp.i32x4Add)],
    ...[...get(v), ...simdInstr(simdOp.i16x8ExtendHighI8x16S), ...probeAt(16)],
    ...[...simdInstr(simdOp.i32x4DotI16x8S), ...simdInstr(simdOp.i32x4Add), ...set(acc)],
    ...[...get(j), ...i32Const(16), op.i32Add, ...tee(j), ...get(stride), op.i32LtU, op.brIf, 0],
    op.end,
    ...get(out),
    ...[...lane(0), ...lane(1), op.i32Add, ...lane(2), ...lane(3), op.i32Add, op.i32Add],
    ...[op.f64ConvertI32S, op.f64Store, 3, 0],
    ...[...get(rows), ...get(stride), op.i32Add, ...set(rows)],
    ...[...get(out), ...i32Const(8), op.i32Add, ...tee(out), ...get(end), op.i32LtU, op.brIf, 0],
    ...[op.end, op.end, op.end],
  ];
  const locals = [2, 2, op.typeI32, 2, op.typeV128];
  return [...leb128(locals.length + code.length), ...locals, ...code];
}

function section(id: number, content: number[]): number[] {
  return [id, ...leb128(content.length), ...content];
}

function name(text: string): number[] {
  return [...leb128(text.length), ...[...text].map((c) => c.charCodeAt(0))];
}

/** The whole module: header, type, import, function, export and code sections. */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  const fiveI32ToNothing = [0x60, 5, ...new Array<number>(5).fill(op.typeI32), 0];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, [1, ...fiveI32ToNothing]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]), // memory, min 0 pages
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('dots'), 0x00, 0]),
    ...section(10, [1, ...functionBody()]),
  ]);
}

/** The WebAssembly surface this module uses: a fake may stand in for it in tests. */
export interface WasmApi {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
}

/** Whether this engine runs the kernel: WebAssembly present and the module (with its SIMD ops) valid. */
export function simdSupported(
  wasm: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly,
): boolean {
  if (wasm === undefined) return false;
  try {
    return wasm.validate(kernelBytes());
  } catch {
    return false;
  }
}

let compiled: WebAssembly.Module | null = null;

/** The kernel's export: byte offsets of the rows, the probe and the output, the row count and stride. */
type DotsFunction = (
  rows: number,
  probe: number,
  out: number,
  count: number,
  stride: number,
) => void;

const pageBytes = 65_536;
const align = (n: number): number => Math.ceil(n / 16) * 16;

/** Largest probe level so that stride * 127 * level stays below 2^31 (exact int32 dots). */
export function probeLevelsMaxFor(stride: number): number {
  return Math.min(32_767, Math.floor(2_147_483_647 / (stride * 127)));
}

/**
 * Int8 rows (row-major, `stride` bytes a row, zero-padded to a multiple of 16) in a WebAssembly.Memory,
 * with the int16 probe and the float64 output beside them. Growing moves everything to a new memory.
 * Layout: [probe: 2 * stride bytes][dots: 8 * capacity bytes][rows: stride * capacity bytes].
 */
export class SimdInt8Rows {
  readonly dimension: number;
  readonly stride: number;
  #capacity = 0;
  #memory: WebAssembly.Memory = new WebAssembly.Memory({ initial: 0 });
  #dotsFn: DotsFunction = () => undefined;
  #rowsOffset = 0;
  #dotsOffset = 0;
  /** Row r's levels: rows.subarray(r * stride, r * stride + dimension). Replaced by grow(). */
  rows: Int8Array = new Int8Array(0);
  #probe: Int16Array = new Int16Array(0);
  #dots: Float64Array = new Float64Array(0);

  constructor(options: { dimension: number; capacity: number }) {
    this.dimension = options.dimension;
    this.stride = align(options.dimension);
    this.grow(options.capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get byteLength(): number {
    return this.#memory.buffer.byteLength;
  }

  grow(capacity: number): void {
    assert(Number.isSafeInteger(capacity) && capacity >= this.#capacity, 'rows only grow');
    const probeBytes = align(2 * this.stride);
    const dotsOffset = probeBytes;
    const rowsOffset = dotsOffset + align(8 * capacity);
    const bytes = rowsOffset + this.stride * capacity;
    assert(bytes <= 65_536 * pageBytes, 'int8 rows fit in a 32-bit WebAssembly memory');
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / pageBytes)) });
    compiled ??= new WebAssembly.Module(kernelBytes());
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    const rows = new Int8Array(memory.buffer, rowsOffset, this.stride * capacity);
    rows.set(this.rows);
    // The old memory (rows, the last probe and its dots) is dropped: zeroed first, as clear() does.
    if (this.#capacity > 0) new Uint8Array(this.#memory.buffer).fill(0);
    this.#memory = memory;
    this.#dotsFn = instance.exports['dots'] as DotsFunction;
    this.#rowsOffset = rowsOffset;
    this.#dotsOffset = dotsOffset;
    this.rows = rows;
    this.#probe = new Int16Array(memory.buffer, 0, this.stride);
    this.#dots = new Float64Array(memory.buffer, dotsOffset, capacity);
    this.#capacity = capacity;
  }

  /** Integer dots of the first `count` rows with the probe levels (|level| <= probeLevelsMaxFor(stride)). */
  screen(levels: ArrayLike<number>, count: number): Float64Array {
    assert(levels.length === this.dimension, 'probe levels match the dimension');
    assert(Number.isSafeInteger(count) && count >= 0 && count <= this.#capacity, 'row count');
    const levelsMax = probeLevelsMaxFor(this.stride);
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i] as number;
      assert(Number.isInteger(level) && Math.abs(level) <= levelsMax, 'probe level in range');
      this.#probe[i] = level;
    }
    this.#dotsFn(this.#rowsOffset, 0, this.#dotsOffset, count, this.stride);
    return this.#dots;
  }

  /** Zeroes every row (the padding is always zero). */
  clear(): void {
    this.rows.fill(0);
  }

  /** For tests only: the WebAssembly memory's bytes as they are now (grow() replaces the memory). */
  dangerousTestOnlyMemory(): Uint8Array[] {
    assertTestRun('dangerousTestOnlyMemory');
    return [new Uint8Array(this.#memory.buffer)];
  }
}
