// Runs the WebAssembly linear-algebra kernels (assembly/linalg.ts) on Float64Arrays: a blocked SIMD Cholesky
// and the batched forward substitution behind posterior variances, several times faster than the best plain
// TypeScript loops from a few dozen points up. Where WebAssembly or its SIMD instructions are missing, the
// functions here return undefined and callers run their TypeScript code instead.

import { LINALG_WASM_BASE64 } from './linalgKernel';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  factor(a: number, n: number, workspace: number, blockSize: number): number;
  explainedVariance(l: number, n: number, cross: number, m: number, work: number, out: number): void;
}

/** Columns per block: measured fastest at n = 200…1000 on x64 (32–96 are within a few percent). */
const BLOCK_SIZE = 64;
const PAGE_BYTES = 65536;

/** undefined until first use; null when this runtime cannot run the kernels. */
let kernel: KernelExports | null | undefined;

function loadKernel(): KernelExports | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = Uint8Array.from(atob(LINALG_WASM_BASE64), (c) => c.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    kernel = instance.exports as unknown as KernelExports;
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the WebAssembly kernels run here (they need WebAssembly with fixed-width SIMD). */
export function wasmLinalgAvailable(): boolean {
  return loadKernel() !== null;
}

/**
 * Lays out consecutive 16-byte-aligned buffers of the given lengths (in doubles) from the heap base, growing
 * the memory when needed. Returns their byte offsets, or undefined when the memory cannot grow. The memory is
 * kept for later calls: it is as large as the largest problem seen.
 */
function reserve(k: KernelExports, lengths: readonly number[]): number[] | undefined {
  const offsets: number[] = [];
  let end = k.heapBase();
  for (const length of lengths) {
    offsets.push(end);
    end += Math.ceil(length / 2) * 16;
  }
  const have = k.memory.buffer.byteLength;
  if (end > have) {
    try {
      k.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    } catch {
      return undefined;
    }
  }
  return offsets;
}

/**
 * Factors the lower triangle of `a` (row-major n×n) into `out` (default: in place), zeroing its upper triangle,
 * like the TypeScript choleskyInPlace. Returns true on success, false when a pivot is not positive (then `out`
 * is untouched), and undefined when the kernel cannot run here or cannot get the memory: the caller falls back.
 */
export function choleskyWasm(a: Float64Array, n: number, out: Float64Array = a): boolean | undefined {
  const k = loadKernel();
  if (k === null) return undefined;
  const at = reserve(k, [n * n, Math.ceil(n / 4) * 4 * BLOCK_SIZE]);
  if (!at) return undefined;
  // Growing detaches earlier views, so views are made after reserve().
  const view = new Float64Array(k.memory.buffer, at[0], n * n);
  view.set(a.subarray(0, n * n));
  if (k.factor(at[0]!, n, at[1]!, BLOCK_SIZE) !== 1) return false;
  out.set(view);
  return true;
}

/**
 * out[r] = ‖L⁻¹·c_r‖² for the m rows c_r of `cross` (m×n, row-major) and the lower-triangular factor `l`
 * (n×n): the variance the observations explain at m query points. Returns false when the kernel cannot run
 * here; the caller then solves row by row.
 */
export function explainedVarianceWasm(l: Float64Array, n: number, cross: Float64Array, m: number, out: Float64Array): boolean {
  const k = loadKernel();
  if (k === null) return false;
  const width = Math.ceil(m / 4) * 4;
  const at = reserve(k, [n * n, m * n, n * width, width]);
  if (!at) return false;
  const memory = k.memory.buffer;
  new Float64Array(memory, at[0], n * n).set(l.subarray(0, n * n));
  new Float64Array(memory, at[1], m * n).set(cross.subarray(0, m * n));
  k.explainedVariance(at[0]!, n, at[1]!, m, at[2]!, at[3]!);
  out.set(new Float64Array(memory, at[3], m));
  return true;
}
