/**
 * The starting factors of a WebAssembly ALS run, drawn straight into its memory
 * by every thread of the team, yet the very numbers the serial loop draws:
 * Y's rows then X's, each value `Rng(seed).normal() · scale`.
 *
 * Why this is possible: Rng is mulberry32, whose state after n draws is
 * s0 + n·0x6d2b79f5 (mod 2³²), so draw n is a function of n alone and any
 * thread can start anywhere. Value k of the sequence takes draws 2k + 1 and
 * 2k + 2 (Box–Muller, one value a call) — unless a uniform u was exactly 0,
 * which Rng.normal() rejects and redraws, shifting every later value. That
 * happens about once in 2³² draws; {@link drawStartRows} counts it, and the
 * caller then redraws the whole run serially with Rng (same bytes, slower).
 *
 * Why it matters: drawing ≈ 3M normals costs ≈ 0.2 s of one thread at 1M
 * interactions and 64 factors (one tenth of a 2-thread fit), and drawing into
 * the run's memory skips a JS copy of both matrices and its page faults.
 *
 * drawStartRows is also the worker's code (worker-source.ts embeds its source
 * text), so it must stay self-contained: only its parameters, locals and Math.
 */

/** Rng's initial state for `seed` (its constructor's hashing); tests hold the two equal. */
export function streamState(seed: number): number {
  let s = (seed | 0) ^ 0x9e3779b9;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
  return (s ^ (s >>> 16)) >>> 0;
}

/**
 * Writes rows [lo, hi) of the stacked matrix [Y; X] (`items` rows of Y, then
 * X's) into `out`: row r < items at float index yAt + r·fp, else at
 * xAt + (r − items)·fp; f values a row, value k = r·f + j. Returns how many of
 * the values hit a rejected (zero) uniform: then these rows are wrong.
 */
export function drawStartRows(
  out: Float32Array,
  yAt: number,
  xAt: number,
  items: number,
  f: number,
  fp: number,
  lo: number,
  hi: number,
  state: number,
  scale: number,
): number {
  let rejected = 0;
  for (let r = lo; r < hi; r++) {
    let o = r < items ? yAt + r * fp : xAt + (r - items) * fp;
    // the state just before draw 2·(r·f) + 1; r·f < 2^52, so imul's wrap-around is the exact product mod 2^32
    let s = (state + Math.imul(2 * r * f, 0x6d2b79f5)) >>> 0;
    for (let j = 0; j < f; j++, o++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      s = (s + 0x6d2b79f5) >>> 0;
      t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const v = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      if (u === 0) rejected++;
      out[o] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v) * scale;
    }
  }
  return rejected;
}
