/** @attune/client: typed Attune API calls and an offline event queue for apps. */
export { AttuneError, createAttuneClient } from './client';
export type {
  AttuneClient,
  AttuneClientOptions,
  Health,
  Ranking,
  RecommendQuery,
  Recommendations,
  Schemas,
  SimilarItems,
  SimilarQuery,
  TokenProvider,
} from './client';
export { EventQueue } from './queue';
export type {
  DropReason,
  EventInput,
  EventQueueOptions,
  FlushResult,
  QueuedEvent,
  SendEvents,
  SendResult,
} from './queue';
export { asyncStorageAdapter, localStorageAdapter, memoryStorage } from './storage';
export type { StorageAdapter, WebStorageLike } from './storage';
export type { components, paths } from './schema';
