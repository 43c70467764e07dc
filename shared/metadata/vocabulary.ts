/**
 * Item and user metadata as the models see it: each item (user) is a bag of
 * string tokens — `c:<category>`, `p:<key>=<value>` for an item, `<key>=<value>`
 * for a user attribute — numbered by a vocabulary that the artifact stores, so
 * a served model maps tokens to the same embedding rows it was trained with.
 */
import type { TokenBags } from '../math/neural/network';

export class Vocabulary {
  readonly tokens: string[] = [];
  private readonly index = new Map<string, number>();

  static from(tokens: Iterable<string>): Vocabulary {
    const v = new Vocabulary();
    for (const t of tokens) v.add(t);
    return v;
  }

  get size(): number {
    return this.tokens.length;
  }

  add(token: string): number {
    let k = this.index.get(token);
    if (k === undefined) {
      k = this.tokens.length;
      this.index.set(token, k);
      this.tokens.push(token);
    }
    return k;
  }

  get(token: string): number | undefined {
    return this.index.get(token);
  }

  toJSON(): string[] {
    return this.tokens;
  }
}

export interface ItemMetadata {
  itemId: string;
  title?: string;
  categories: string[];
  /** Extra attributes; strings and booleans become tokens, numbers are kept for dense use. */
  properties: Record<string, string | number | boolean>;
}

export interface UserAttributes {
  userId: string;
  attributes: Record<string, string>;
}

/** The tokens of an item: one per category and one per non-numeric property. */
export function itemTokens(m: Pick<ItemMetadata, 'categories' | 'properties'>): string[] {
  const out = m.categories.map((c) => `c:${c}`);
  for (const [k, v] of Object.entries(m.properties)) if (typeof v !== 'number') out.push(`p:${k}=${v}`);
  return out;
}

export function userTokens(a: UserAttributes['attributes']): string[] {
  return Object.entries(a).map(([k, v]) => `${k}=${v}`);
}

/**
 * Token bags for rows 0..ids.length-1 (row r is ids[r]). `grow` adds unseen
 * tokens to the vocabulary (training); without it they are dropped (serving a
 * trained vocabulary). Rows without metadata get an empty bag.
 */
export function tokenBags(
  ids: readonly string[],
  tokensOf: (id: string) => readonly string[] | undefined,
  vocab: Vocabulary,
  grow: boolean,
): TokenBags {
  const indptr = new Int32Array(ids.length + 1);
  const indices: number[] = [];
  ids.forEach((id, r) => {
    const seen = new Set<number>();
    for (const t of tokensOf(id) ?? []) {
      const k = grow ? vocab.add(t) : vocab.get(t);
      if (k !== undefined && !seen.has(k)) {
        seen.add(k);
        indices.push(k);
      }
    }
    indptr[r + 1] = indices.length;
  });
  return { indptr, indices: Int32Array.from(indices) };
}

/** Dense 0/1 rows × vocab.size of a bag set (the design matrix of the ridge regression). */
export function multiHot(bags: TokenBags, width: number): Float64Array {
  const rows = bags.indptr.length - 1;
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++)
    for (let q = bags.indptr[r]; q < bags.indptr[r + 1]; q++) out[r * width + bags.indices[q]] = 1;
  return out;
}
