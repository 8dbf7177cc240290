// Runs the WebAssembly Cholesky kernel (assembly/cholesky.ts) on Float64Arrays. The kernel is a blocked,
// SIMD factorisation several times faster than the best plain TypeScript loop at a few hundred points and up;
// where WebAssembly or its SIMD instructions are missing, callers fall back to the TypeScript code.

import { CHOLESKY_WASM_BASE64 } from './choleskyKernel';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  factor(a: number, n: number, workspace: number, blockSize: number): number;
}

/** Columns per block: measured fastest at n = 200…1000 on x64 (32–96 are within a few percent). */
const BLOCK_SIZE = 64;
const PAGE_BYTES = 65536;

/** undefined until first use; null when this runtime cannot run the kernel. */
let kernel: KernelExports | null | undefined;

function loadKernel(): KernelExports | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = Uint8Array.from(atob(CHOLESKY_WASM_BASE64), (c) => c.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    kernel = instance.exports as unknown as KernelExports;
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the WebAssembly kernel runs here (it needs WebAssembly with fixed-width SIMD). */
export function wasmCholeskyAvailable(): boolean {
  return loadKernel() !== null;
}

/**
 * Factors the lower triangle of `a` (row-major n×n) in place, zeroing the upper one, like the TypeScript
 * choleskyInPlace. Returns true on success, false when a pivot is not positive (then `a` is untouched),
 * and undefined when the kernel cannot run here or cannot get the memory: the caller must fall back.
 */
export function choleskyInPlaceWasm(a: Float64Array, n: number): boolean | undefined {
  const k = loadKernel();
  if (k === null) return undefined;
  const matrixOffset = k.heapBase();
  const workspaceOffset = matrixOffset + n * n * 8;
  const needed = workspaceOffset + Math.ceil(n / 4) * 4 * BLOCK_SIZE * 8;
  const have = k.memory.buffer.byteLength;
  if (needed > have) {
    try {
      k.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
    } catch {
      return undefined;
    }
  }
  // Growing detaches earlier views, so the view is made after it.
  const view = new Float64Array(k.memory.buffer, matrixOffset, n * n);
  view.set(a.subarray(0, n * n));
  if (k.factor(matrixOffset, n, workspaceOffset, BLOCK_SIZE) !== 1) return false;
  a.set(view);
  return true;
}
