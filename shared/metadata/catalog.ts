/**
 * Catalog records (PUT /items) as model metadata. Properties are free-form
 * JSON; only top-level scalars mean something as tokens (a string or boolean
 * becomes `p:<key>=<value>`, a number is kept for dense use), so nested values
 * are left out rather than stringified into noise.
 */
import type { CatalogItem } from '../events';
import type { ItemMetadata } from './vocabulary';

/** Longest property value that becomes a token: longer strings are descriptions, not attributes. */
export const MAX_TOKEN_VALUE = 64;

export function metadataOfCatalog(
  r: Pick<CatalogItem, 'itemId' | 'title' | 'categories' | 'properties'>,
): ItemMetadata {
  const properties: ItemMetadata['properties'] = {};
  for (const [k, v] of Object.entries(r.properties ?? {})) {
    if (typeof v === 'number' && Number.isFinite(v)) properties[k] = v;
    else if (typeof v === 'boolean') properties[k] = v;
    else if (typeof v === 'string' && v.length > 0 && v.length <= MAX_TOKEN_VALUE) properties[k] = v;
  }
  return { itemId: r.itemId, title: r.title, categories: [...new Set(r.categories ?? [])], properties };
}

/** The category named by a `c:<category>` token, or null for other tokens. */
export function categoryOfToken(token: string): string | null {
  return token.startsWith('c:') ? token.slice(2) : null;
}
