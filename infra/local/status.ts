/** Routes the local API serves itself: the status page (GET /) and the OpenAPI document. */
import type { LocalRoute } from './api-server';

export function statusRoutes(): LocalRoute[] {
  return [];
}
