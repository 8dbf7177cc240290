// Seeded randomness: xoshiro128** (32-bit ops, fast in JS), Box-Muller normals, sampling helpers,
// and a randomly shifted Halton sequence for space-filling candidate sets.
import { EngineError, type Rng } from './types';

/** splitmix32: expands one seed into the xoshiro state so nearby seeds give unrelated streams. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class SeededRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new EngineError(`Random seed must be a finite number, got ${seed}.`);
    // Fold the seed's high bits in so large seeds (e.g. Date.now()) differ too.
    const mixed = (Math.floor(Math.abs(seed)) ^ Math.floor(Math.abs(seed) / 4294967296)) >>> 0;
    const sm = splitmix32(mixed ^ (seed < 0 ? 0xdeadbeef : 0));
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  int(n: number): number {
    if (!(n >= 1) || !Number.isFinite(n)) throw new EngineError(`Rng.int needs a positive bound, got ${n}.`);
    return Math.floor(this.next() * Math.floor(n));
  }

  /** An independent child stream, e.g. one per restart, so adding draws in one place doesn't shift others. */
  fork(): SeededRng {
    return new SeededRng(this.nextUint32() ^ Math.imul(this.nextUint32(), 0x9e3779b1));
  }
}

export function createRng(seed: number): SeededRng {
  return new SeededRng(seed);
}

/** Fisher-Yates shuffle in place; returns the array. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/** k distinct indices from [0, n), in random order (partial Fisher-Yates; O(n) memory). */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng): number[] {
  if (k > n) throw new EngineError(`Cannot sample ${k} distinct items from ${n}.`);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const tmp = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = tmp;
  }
  return pool.slice(0, k);
}

const PRIMES = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
  113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199,
];

function radicalInverse(index: number, base: number): number {
  let result = 0;
  let f = 1 / base;
  let i = index;
  while (i > 0) {
    result += f * (i % base);
    i = Math.floor(i / base);
    f /= base;
  }
  return result;
}

/**
 * Quasi-random points in [0,1)^d: Halton with a random start index and a random Cranley-Patterson
 * shift per dimension (modulo 1), so different seeds give different but still low-discrepancy sets.
 */
export class HaltonSequence {
  private index: number;
  private readonly shift: Float64Array;

  constructor(
    readonly dim: number,
    rng?: Rng,
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new EngineError(`Halton dimension must be a positive integer, got ${dim}.`);
    if (dim > PRIMES.length) throw new EngineError(`Halton sequence supports up to ${PRIMES.length} dimensions, got ${dim}.`);
    this.shift = new Float64Array(dim);
    this.index = 1;
    if (rng) {
      this.index = 1 + rng.int(4096);
      for (let j = 0; j < dim; j++) this.shift[j] = rng.next();
    }
  }

  /** Writes the next point into out (length ≥ dim) at offset. */
  nextInto(out: Float64Array, offset = 0): void {
    for (let j = 0; j < this.dim; j++) {
      const v = radicalInverse(this.index, PRIMES[j]!) + this.shift[j]!;
      out[offset + j] = v >= 1 ? v - 1 : v;
    }
    this.index++;
  }

  /** n points, row-major n×dim. */
  take(n: number): Float64Array {
    const out = new Float64Array(n * this.dim);
    for (let i = 0; i < n; i++) this.nextInto(out, i * this.dim);
    return out;
  }
}
