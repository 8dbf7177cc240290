// AssemblyScript source of the WebAssembly Cholesky kernel (compiled by `npm run build:wasm`).
//
// Blocked right-looking Cholesky of a row-major n×n matrix, lower factor, with f64x2 SIMD.
// Each step factors a diagonal block, solves the panel below it, and subtracts the panel's outer
// product from the trailing matrix. The trailing update holds almost all the work; it runs on a
// packed copy of the panel (groups of four rows, column-major within a group) so the 4×4 register
// tile reads both operands with contiguous loads.
//
// Memory: the caller places the matrix at `a` and reserves `workspace` bytes at `w` for
// ceil((n - 1) / 4) · 4 · blockSize doubles. Nothing is allocated here.

/** First free byte after the module's static data: the caller lays its buffers out from here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

@inline function addr(a: usize, n: i32, i: i32, j: i32): usize {
  return a + ((<usize>i * <usize>n + <usize>j) << 3);
}

/**
 * Factors the lower triangle of the matrix at `a` in place and zeroes its upper triangle.
 * Returns 1 on success, 0 when a pivot is not positive (the matrix is then partly overwritten).
 */
export function factor(a: usize, n: i32, w: usize, blockSize: i32): i32 {
  for (let k0 = 0; k0 < n; k0 += blockSize) {
    const bs = min(blockSize, n - k0);
    if (!factorDiagonalBlock(a, n, k0, bs)) return 0;
    const r0 = k0 + bs;
    const m = n - r0;
    if (m == 0) break;
    packPanel(a, n, k0, bs, r0, m, w);
    solvePanel(a, n, k0, bs, m, w);
    unpackPanel(a, n, k0, bs, r0, m, w);
    updateTrailing(a, n, bs, r0, m, w);
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) store<f64>(addr(a, n, i, j), 0);
  }
  return 1;
}

/** Unblocked Cholesky of the bs×bs block at (k0, k0); earlier columns were already subtracted. */
function factorDiagonalBlock(a: usize, n: i32, k0: i32, bs: i32): bool {
  for (let i = 0; i < bs; i++) {
    const ri = addr(a, n, k0 + i, k0);
    for (let j = 0; j < i; j++) {
      const rj = addr(a, n, k0 + j, k0);
      let s = load<f64>(ri + (<usize>j << 3));
      for (let k = 0; k < j; k++) s -= load<f64>(ri + (<usize>k << 3)) * load<f64>(rj + (<usize>k << 3));
      store<f64>(ri + (<usize>j << 3), s / load<f64>(rj + (<usize>j << 3)));
    }
    let d = load<f64>(ri + (<usize>i << 3));
    for (let k = 0; k < i; k++) {
      const v = load<f64>(ri + (<usize>k << 3));
      d -= v * v;
    }
    // `!(d > 0)` also rejects NaN; an infinite pivot means the input overflowed.
    if (!(d > 0) || d == Infinity) return false;
    store<f64>(ri + (<usize>i << 3), Math.sqrt(d));
  }
  return true;
}

/** Copies rows r0.. of block columns k0..k0+bs into groups of four rows, zero-padding the last group. */
function packPanel(a: usize, n: i32, k0: i32, bs: i32, r0: i32, m: i32, w: usize): void {
  const groups = (m + 3) >> 2;
  for (let g = 0; g < groups; g++) {
    const base = w + ((<usize>g * <usize>bs) << 5);
    for (let r = 0; r < 4; r++) {
      const row = r0 + (g << 2) + r;
      const dst = base + (<usize>r << 3);
      if (row < n) {
        const src = addr(a, n, row, k0);
        for (let k = 0; k < bs; k++) store<f64>(dst + (<usize>k << 5), load<f64>(src + (<usize>k << 3)));
      } else {
        for (let k = 0; k < bs; k++) store<f64>(dst + (<usize>k << 5), 0);
      }
    }
  }
}

/** Solves X·Lᵀ = P for the packed panel, four rows at a time, L being the factored diagonal block. */
function solvePanel(a: usize, n: i32, k0: i32, bs: i32, m: i32, w: usize): void {
  const groups = (m + 3) >> 2;
  for (let g = 0; g < groups; g++) {
    const base = w + ((<usize>g * <usize>bs) << 5);
    for (let j = 0; j < bs; j++) {
      const lj = addr(a, n, k0 + j, k0);
      const xj = base + (<usize>j << 5);
      let v0 = v128.load(xj);
      let v1 = v128.load(xj, 16);
      for (let k = 0; k < j; k++) {
        const l = v128.load64_splat(lj + (<usize>k << 3));
        const xk = base + (<usize>k << 5);
        v0 = f64x2.sub(v0, f64x2.mul(v128.load(xk), l));
        v1 = f64x2.sub(v1, f64x2.mul(v128.load(xk, 16), l));
      }
      const inv = f64x2.splat(1 / load<f64>(lj + (<usize>j << 3)));
      v128.store(xj, f64x2.mul(v0, inv));
      v128.store(xj, f64x2.mul(v1, inv), 16);
    }
  }
}

/** Writes the solved panel back into the matrix: these are final entries of the factor. */
function unpackPanel(a: usize, n: i32, k0: i32, bs: i32, r0: i32, m: i32, w: usize): void {
  for (let i = 0; i < m; i++) {
    const src = w + ((<usize>(i >> 2) * <usize>bs) << 5) + (<usize>(i & 3) << 3);
    const dst = addr(a, n, r0 + i, k0);
    for (let k = 0; k < bs; k++) store<f64>(dst + (<usize>k << 3), load<f64>(src + (<usize>k << 5)));
  }
}

/**
 * Trailing update A[i][j] -= Σ_k P[i][k]·P[j][k] over the lower triangle, by 4×4 tiles. Tiles on the
 * diagonal are written whole: their upper entries are never read and are zeroed at the end.
 */
function updateTrailing(a: usize, n: i32, bs: i32, r0: i32, m: i32, w: usize): void {
  const groups = (m + 3) >> 2;
  const stride = <usize>bs << 5;
  for (let gi = 0; gi < groups; gi++) {
    const pi = w + <usize>gi * stride;
    const rows = min(4, m - (gi << 2));
    for (let gj = 0; gj <= gi; gj++) {
      const pj = w + <usize>gj * stride;
      let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
      let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
      let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
      let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
      const end = pi + stride;
      let q = pj;
      for (let p = pi; p < end; p += 32) {
        const b0 = v128.load(q);
        const b1 = v128.load(q, 16);
        let s = v128.load64_splat(p);
        c00 = f64x2.add(c00, f64x2.mul(s, b0));
        c01 = f64x2.add(c01, f64x2.mul(s, b1));
        s = v128.load64_splat(p, 8);
        c10 = f64x2.add(c10, f64x2.mul(s, b0));
        c11 = f64x2.add(c11, f64x2.mul(s, b1));
        s = v128.load64_splat(p, 16);
        c20 = f64x2.add(c20, f64x2.mul(s, b0));
        c21 = f64x2.add(c21, f64x2.mul(s, b1));
        s = v128.load64_splat(p, 24);
        c30 = f64x2.add(c30, f64x2.mul(s, b0));
        c31 = f64x2.add(c31, f64x2.mul(s, b1));
        q += 32;
      }
      const i0 = r0 + (gi << 2);
      const j0 = r0 + (gj << 2);
      const cols = min(4, m - (gj << 2));
      if (cols == 4) {
        subtractRow(addr(a, n, i0, j0), c00, c01);
        if (rows > 1) subtractRow(addr(a, n, i0 + 1, j0), c10, c11);
        if (rows > 2) subtractRow(addr(a, n, i0 + 2, j0), c20, c21);
        if (rows > 3) subtractRow(addr(a, n, i0 + 3, j0), c30, c31);
      } else {
        // The last, partial group on the diagonal: columns past n would spill into the next row.
        subtractPartialRow(addr(a, n, i0, j0), c00, c01, cols);
        if (rows > 1) subtractPartialRow(addr(a, n, i0 + 1, j0), c10, c11, cols);
        if (rows > 2) subtractPartialRow(addr(a, n, i0 + 2, j0), c20, c21, cols);
      }
    }
  }
}

@inline function subtractRow(p: usize, lo: v128, hi: v128): void {
  v128.store(p, f64x2.sub(v128.load(p), lo));
  v128.store(p, f64x2.sub(v128.load(p, 16), hi), 16);
}

function subtractPartialRow(p: usize, lo: v128, hi: v128, cols: i32): void {
  store<f64>(p, load<f64>(p) - f64x2.extract_lane(lo, 0));
  if (cols > 1) store<f64>(p, load<f64>(p, 8) - f64x2.extract_lane(lo, 1), 8);
  if (cols > 2) store<f64>(p, load<f64>(p, 16) - f64x2.extract_lane(hi, 0), 16);
}

/**
 * For each of the m rows k of `cross` (m×n, row-major), out[k] = ‖L⁻¹·k‖²: the variance a GP posterior
 * explains at m query points. The rows are transposed into `work` (n × m rounded up to 4, zero-padded) so
 * one forward substitution solves four queries per vector pair and reuses each entry of L across all m.
 */
export function explainedVariance(l: usize, n: i32, cross: usize, m: i32, work: usize, out: usize): void {
  const width = (m + 3) & ~3;
  for (let j = 0; j < n; j++) {
    const dst = addr(work, width, j, 0);
    for (let k = 0; k < m; k++) store<f64>(dst + (<usize>k << 3), load<f64>(addr(cross, n, k, j)));
    for (let k = m; k < width; k++) store<f64>(dst + (<usize>k << 3), 0);
  }
  solveLowerColumns(l, n, work, width);
  for (let k = 0; k < width; k += 2) v128.store(out + (<usize>k << 3), f64x2.splat(0));
  for (let j = 0; j < n; j++) {
    const row = addr(work, width, j, 0);
    for (let k = 0; k < width; k += 2) {
      const x = v128.load(row + (<usize>k << 3));
      const o = out + (<usize>k << 3);
      v128.store(o, f64x2.add(v128.load(o), f64x2.mul(x, x)));
    }
  }
}

/** Solves L·X = B in place for X n×m row-major, m a multiple of 4: four rows by four columns at a time. */
function solveLowerColumns(l: usize, n: i32, x: usize, m: i32): void {
  const rowBytes = <usize>m << 3;
  const lRow = <usize>n << 3;
  let i0 = 0;
  for (; i0 + 4 <= n; i0 += 4) {
    const l0 = addr(l, n, i0, 0);
    const l1 = l0 + lRow, l2 = l1 + lRow, l3 = l2 + lRow;
    const inv0 = f64x2.splat(1 / load<f64>(l0 + (<usize>i0 << 3)));
    const inv1 = f64x2.splat(1 / load<f64>(l1 + (<usize>(i0 + 1) << 3)));
    const inv2 = f64x2.splat(1 / load<f64>(l2 + (<usize>(i0 + 2) << 3)));
    const inv3 = f64x2.splat(1 / load<f64>(l3 + (<usize>(i0 + 3) << 3)));
    for (let c = 0; c < m; c += 4) {
      const column = x + (<usize>c << 3);
      const p = column + <usize>i0 * rowBytes;
      let a00 = v128.load(p), a01 = v128.load(p, 16);
      let a10 = v128.load(p + rowBytes), a11 = v128.load(p + rowBytes, 16);
      let a20 = v128.load(p + 2 * rowBytes), a21 = v128.load(p + 2 * rowBytes, 16);
      let a30 = v128.load(p + 3 * rowBytes), a31 = v128.load(p + 3 * rowBytes, 16);
      let q = column;
      for (let k = 0; k < i0; k++) {
        const b0 = v128.load(q), b1 = v128.load(q, 16);
        const o = <usize>k << 3;
        let s = v128.load64_splat(l0 + o);
        a00 = f64x2.sub(a00, f64x2.mul(s, b0));
        a01 = f64x2.sub(a01, f64x2.mul(s, b1));
        s = v128.load64_splat(l1 + o);
        a10 = f64x2.sub(a10, f64x2.mul(s, b0));
        a11 = f64x2.sub(a11, f64x2.mul(s, b1));
        s = v128.load64_splat(l2 + o);
        a20 = f64x2.sub(a20, f64x2.mul(s, b0));
        a21 = f64x2.sub(a21, f64x2.mul(s, b1));
        s = v128.load64_splat(l3 + o);
        a30 = f64x2.sub(a30, f64x2.mul(s, b0));
        a31 = f64x2.sub(a31, f64x2.mul(s, b1));
        q += rowBytes;
      }
      // The 4×4 triangle on the diagonal.
      const d = <usize>i0 << 3;
      a00 = f64x2.mul(a00, inv0);
      a01 = f64x2.mul(a01, inv0);
      let s = v128.load64_splat(l1 + d);
      a10 = f64x2.mul(f64x2.sub(a10, f64x2.mul(s, a00)), inv1);
      a11 = f64x2.mul(f64x2.sub(a11, f64x2.mul(s, a01)), inv1);
      s = v128.load64_splat(l2 + d);
      a20 = f64x2.sub(a20, f64x2.mul(s, a00));
      a21 = f64x2.sub(a21, f64x2.mul(s, a01));
      s = v128.load64_splat(l2 + d + 8);
      a20 = f64x2.mul(f64x2.sub(a20, f64x2.mul(s, a10)), inv2);
      a21 = f64x2.mul(f64x2.sub(a21, f64x2.mul(s, a11)), inv2);
      s = v128.load64_splat(l3 + d);
      a30 = f64x2.sub(a30, f64x2.mul(s, a00));
      a31 = f64x2.sub(a31, f64x2.mul(s, a01));
      s = v128.load64_splat(l3 + d + 8);
      a30 = f64x2.sub(a30, f64x2.mul(s, a10));
      a31 = f64x2.sub(a31, f64x2.mul(s, a11));
      s = v128.load64_splat(l3 + d + 16);
      a30 = f64x2.mul(f64x2.sub(a30, f64x2.mul(s, a20)), inv3);
      a31 = f64x2.mul(f64x2.sub(a31, f64x2.mul(s, a21)), inv3);
      v128.store(p, a00);
      v128.store(p, a01, 16);
      v128.store(p + rowBytes, a10);
      v128.store(p + rowBytes, a11, 16);
      v128.store(p + 2 * rowBytes, a20);
      v128.store(p + 2 * rowBytes, a21, 16);
      v128.store(p + 3 * rowBytes, a30);
      v128.store(p + 3 * rowBytes, a31, 16);
    }
  }
  for (; i0 < n; i0++) {
    const li = addr(l, n, i0, 0);
    const inv = f64x2.splat(1 / load<f64>(li + (<usize>i0 << 3)));
    for (let c = 0; c < m; c += 4) {
      const column = x + (<usize>c << 3);
      const p = column + <usize>i0 * rowBytes;
      let a0 = v128.load(p), a1 = v128.load(p, 16);
      let q = column;
      for (let k = 0; k < i0; k++) {
        const s = v128.load64_splat(li + (<usize>k << 3));
        a0 = f64x2.sub(a0, f64x2.mul(s, v128.load(q)));
        a1 = f64x2.sub(a1, f64x2.mul(s, v128.load(q, 16)));
        q += rowBytes;
      }
      v128.store(p, f64x2.mul(a0, inv));
      v128.store(p, f64x2.mul(a1, inv), 16);
    }
  }
}
