import { strict as assert } from 'node:assert';
import { HaltonSequence, createRng, sampleWithoutReplacement, shuffleInPlace } from '../../../src/engine/rng';

describe('engine/rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    const sb = Array.from({ length: 5 }, () => b.next());
    const sc = Array.from({ length: 5 }, () => c.next());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  it('uniforms lie in [0,1) with mean 1/2 and variance 1/12', () => {
    const rng = createRng(1);
    const n = 200000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      assert.ok(u >= 0 && u < 1);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    assert.ok(Math.abs(s2 / n - mean * mean - 1 / 12) < 0.002);
  });

  it('normals have mean 0 and variance 1', () => {
    const rng = createRng(7);
    const n = 200000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
    }
    assert.ok(Math.abs(s / n) < 0.01);
    assert.ok(Math.abs(s2 / n - 1) < 0.02);
  });

  it('int covers [0,n) uniformly', () => {
    const rng = createRng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[rng.int(6)]++;
    for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `count ${c}`);
    assert.throws(() => rng.int(0), /positive/);
  });

  it('shuffle is a permutation and sampling gives distinct indices', () => {
    const rng = createRng(5);
    const arr = shuffleInPlace(Array.from({ length: 50 }, (_, i) => i), rng);
    assert.deepEqual([...arr].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    const idx = sampleWithoutReplacement(100, 30, rng);
    assert.equal(new Set(idx).size, 30);
    for (const i of idx) assert.ok(i >= 0 && i < 100);
    assert.throws(() => sampleWithoutReplacement(3, 4, rng), /distinct/);
  });

  it('Halton points fill the cube with lower discrepancy than random points', () => {
    // Star-discrepancy proxy: max error of box counts over a grid of anchored boxes.
    const d = 3;
    const n = 512;
    const boxError = (pts: Float64Array): number => {
      let worst = 0;
      const grid = [0.25, 0.5, 0.75, 1];
      for (const a of grid)
        for (const b of grid)
          for (const c of grid) {
            let count = 0;
            for (let i = 0; i < n; i++) if (pts[i * d]! < a && pts[i * d + 1]! < b && pts[i * d + 2]! < c) count++;
            worst = Math.max(worst, Math.abs(count / n - a * b * c));
          }
      return worst;
    };
    const halton = new HaltonSequence(d, createRng(11)).take(n);
    for (const v of halton) assert.ok(v >= 0 && v < 1);
    const rng = createRng(11);
    const random = Float64Array.from({ length: n * d }, () => rng.next());
    const eh = boxError(halton);
    const er = boxError(random);
    assert.ok(eh < 0.02, `halton discrepancy ${eh}`);
    assert.ok(eh < er, `halton ${eh} vs random ${er}`);
    // Different seeds give different sets.
    assert.notDeepEqual(new HaltonSequence(d, createRng(1)).take(4), new HaltonSequence(d, createRng(2)).take(4));
  });
});
