/**
 * Catalog reads on the Recommend function (read-only access to the table):
 * one item by id, and the catalog in pages with an opaque, stable cursor.
 */
import { z } from 'zod';
import type { ApiRequest, RouteImpl } from '../http/api';
import { badRequest, notFound } from '../http/errors';
import { describeIssues, Id, validate } from '../http/validation';
import { InvalidCursorError, type InteractionStore } from '../ports/interactions';

export const MAX_ITEMS_PAGE = 100;

export const ListItemsQuery = z
  .object({
    limit: z
      .string()
      .regex(/^\d+$/, `must be an integer between 1 and ${MAX_ITEMS_PAGE}`)
      .transform(Number)
      .pipe(z.number().int().min(1).max(MAX_ITEMS_PAGE, `must be between 1 and ${MAX_ITEMS_PAGE}`))
      .optional(),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .strict();

const NoQuery = z.object({}).strict();

function pathId(req: ApiRequest, name: string): string {
  const r = Id.safeParse(req.params[name]);
  if (!r.success) throw badRequest('invalid_path', `${name}: ${describeIssues(r.error.issues)}`);
  return r.data;
}

export function catalogRoutes(store: Pick<InteractionStore, 'getItem' | 'listCatalogPage'>): Record<string, RouteImpl> {
  return {
    'GET /items/{itemId}': async (req) => {
      const itemId = pathId(req, 'itemId');
      validate(NoQuery, req.query, 'invalid_query');
      const item = await store.getItem(itemId);
      if (!item) throw notFound(`no catalog record has the id "${itemId}"`);
      return { status: 200, body: item };
    },

    'GET /items': async (req) => {
      const q = validate(ListItemsQuery, req.query, 'invalid_query');
      try {
        return { status: 200, body: await store.listCatalogPage({ limit: q.limit ?? 50, cursor: q.cursor }) };
      } catch (err) {
        if (err instanceof InvalidCursorError) throw badRequest('invalid_cursor', `cursor: ${err.message}`);
        throw err;
      }
    },
  };
}
