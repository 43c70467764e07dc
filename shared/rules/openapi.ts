/** The rules' and catalog reads' routes in the OpenAPI document (spread into shared/http/openapi.ts's ROUTE_SCHEMAS). */
import type { z } from 'zod';
import type { ResponseSchemaName } from '../http/responses';
import { ListItemsQuery } from '../serving/catalog-routes';
import { FilterBody, PromotionBody } from './definitions';

interface RouteDoc {
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyExample?: unknown;
  success: { status: number; description: string; schema: ResponseSchemaName };
  notFound?: string;
}

export const RULE_ROUTE_SCHEMAS: Record<string, RouteDoc> = {
  'GET /rules': { success: { status: 200, description: 'Every stored filter and promotion', schema: 'Rules' } },
  'PUT /rules/filters/{name}': {
    body: FilterBody,
    bodyExample: { expression: 'price < 100 and brand != "acme"', description: 'affordable, not acme' },
    success: { status: 200, description: 'The stored filter definition', schema: 'FilterDefinition' },
  },
  'DELETE /rules/filters/{name}': {
    success: { status: 200, description: 'Whether a filter was deleted', schema: 'RuleDeleted' },
  },
  'PUT /rules/promotions/{name}': {
    body: PromotionBody,
    bodyExample: { type: 'slots', expression: 'onSale', slots: 2 },
    success: { status: 200, description: 'The stored promotion', schema: 'Promotion' },
  },
  'DELETE /rules/promotions/{name}': {
    success: { status: 200, description: 'Whether a promotion was deleted', schema: 'RuleDeleted' },
  },
  'GET /items/{itemId}': {
    success: { status: 200, description: 'The catalog record', schema: 'CatalogItem' },
    notFound: 'No catalog record has this id',
  },
  'GET /items': {
    query: ListItemsQuery,
    success: {
      status: 200,
      description: 'One page of the catalog, least recently updated first',
      schema: 'CatalogPage',
    },
  },
};
