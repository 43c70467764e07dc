/**
 * Filters as bitmaps over a model's item indices, so the top-k selection can
 * test an expression with one byte read per item. An expression is compiled
 * once, and its bitmap built once per catalog view generation (a catalog
 * change or a new model builds it again). Both caches are bounded, least
 * recently used first out. Bitmaps are never written after they are built,
 * so concurrent requests may share them.
 */
import { compileFilter, type CompiledFilter, type ItemRecord } from './expression';

/** What the bitmap builder needs of the catalog as projected on one model (CatalogView). */
export interface FilterView {
  /** Changes whenever a record of the view changes. */
  readonly generation: number;
  /** Item indices of the model: bitmaps have this length. */
  readonly size: number;
  /** Calls fn once per model item with what the catalog knows of it (no categories/properties when unknown). */
  forEachRecord(fn: (index: number, record: ItemRecord) => void): void;
}

export interface FilterIndexOptions {
  /** Compiled expressions kept (default 512). */
  maxCompiled?: number;
  /** Bytes of bitmaps kept (default 64 MiB); at least the newest bitmap is always kept. */
  maxBitmapBytes?: number;
}

interface Bits {
  view: number;
  generation: number;
  bits: Uint8Array;
}

export class FilterIndex {
  private readonly compiled = new Map<string, CompiledFilter>();
  private readonly bitmaps = new Map<string, Bits>();
  private readonly viewIds = new WeakMap<FilterView, number>();
  private nextViewId = 1;
  private bytes = 0;
  private readonly maxCompiled: number;
  private readonly maxBytes: number;

  constructor(opts: FilterIndexOptions = {}) {
    this.maxCompiled = opts.maxCompiled ?? 512;
    this.maxBytes = opts.maxBitmapBytes ?? 64 * 1024 * 1024;
  }

  /** The compiled expression (cached); throws RuleSyntaxError for a bad one. */
  compile(source: string): CompiledFilter {
    const hit = this.compiled.get(source);
    if (hit) {
      this.compiled.delete(source);
      this.compiled.set(source, hit);
      return hit;
    }
    const c = compileFilter(source);
    this.compiled.set(source, c);
    if (this.compiled.size > this.maxCompiled) this.compiled.delete(this.compiled.keys().next().value as string);
    return c;
  }

  /**
   * bits[i] = 1 when model item i matches every one of `sources` in this view's catalog (each
   * compiled on its own: one expression's text can never change another's meaning). Read-only.
   */
  bitmap(view: FilterView, sources: readonly string[]): Uint8Array {
    let id = this.viewIds.get(view);
    if (id === undefined) this.viewIds.set(view, (id = this.nextViewId++));
    // per view: A/B variants' models are served at once, each through its own view
    const source = `${id}\u0001${sources.join('\u0000')}`;
    const hit = this.bitmaps.get(source);
    if (hit && hit.generation === view.generation) {
      this.bitmaps.delete(source);
      this.bitmaps.set(source, hit);
      return hit.bits;
    }
    const tests = sources.map((src) => this.compile(src).test);
    const bits = new Uint8Array(view.size);
    view.forEachRecord((i, rec) => {
      if (tests.every((t) => t(rec))) bits[i] = 1;
    });
    if (hit) {
      this.bitmaps.delete(source);
      this.bytes -= hit.bits.length;
    }
    this.bitmaps.set(source, { view: id, generation: view.generation, bits });
    this.bytes += bits.length;
    while (this.bytes > this.maxBytes && this.bitmaps.size > 1) {
      const oldest = this.bitmaps.keys().next().value as string;
      this.bytes -= this.bitmaps.get(oldest)!.bits.length;
      this.bitmaps.delete(oldest);
    }
    return bits;
  }

  /** Bitmaps held now (for tests and the status page). */
  get cachedBitmaps(): number {
    return this.bitmaps.size;
  }
}
