/**
 * The Attune client: typed calls generated from the OpenAPI document
 * (openapi-typescript types, openapi-fetch calls; nothing hand-maintained),
 * a token provider for Cognito/OIDC tokens the app refreshes, and the event
 * queue. Runs wherever `fetch` exists: browsers, React Native, Node 18+.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { EventQueue, type EventQueueOptions, type QueuedEvent, type SendResult } from './queue';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Recommendations = Schemas['Recommendations'];
export type Ranking = Schemas['Ranking'];
export type SimilarItems = Schemas['SimilarItems'];
export type Health = Schemas['Health'];
export type RecommendQuery = NonNullable<paths['/users/{userId}/recommendations']['get']['parameters']['query']>;
export type SimilarQuery = NonNullable<paths['/items/{itemId}/similar']['get']['parameters']['query']>;

/** Returns the current access token (refreshing it as needed), or nothing for anonymous calls. */
export type TokenProvider = () => string | null | undefined | Promise<string | null | undefined>;

export interface AttuneClientOptions {
  /** e.g. https://abc123.execute-api.eu-west-1.amazonaws.com or http://127.0.0.1:3000 */
  baseUrl: string;
  token?: TokenProvider;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Event queue options (storage, batch size, callbacks…). */
  queue?: Omit<EventQueueOptions, 'send'>;
}

/** Statuses worth retrying (later, no sooner than `retryAfter`): throttled, or a store or gateway down. */
const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * A typed call that did not get its answer: the status and the error body (`{"error"}` or API
 * Gateway's `{"message"}`; the text when it was not JSON), Retry-After in seconds when sent, and
 * whether retrying can help (a 4xx never does: the same request gets the same answer).
 */
export class AttuneError extends Error {
  override name = 'AttuneError';
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly retryAfter?: number,
  ) {
    const b = body as { error?: { code?: string; message?: string }; message?: string } | undefined;
    const text = typeof body === 'string' && body ? "not the API's error body" : '';
    super(`${status} ${b?.error?.code ?? ''} ${b?.error?.message ?? b?.message ?? text}`.replace(/\s+/g, ' ').trim());
  }
  get code(): string | undefined {
    return (this.body as { error?: { code?: string } } | undefined)?.error?.code;
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.status);
  }
}

const retryAfterOf = (response: Response): number | undefined => {
  const s = Number(response.headers.get('retry-after'));
  return Number.isFinite(s) && s > 0 ? s : undefined;
};

export interface AttuneClient {
  /** The typed openapi-fetch client for any route: `api.GET('/health')`. */
  api: Client<paths>;
  events: EventQueue;
  /** Shorthand for events.track: queues an event, returns its id at once. */
  track: EventQueue['track'];
  recommendations(userId: string, query?: RecommendQuery): Promise<Recommendations>;
  similar(itemId: string, query?: SimilarQuery): Promise<SimilarItems>;
  rank(userId: string, itemIds: string[]): Promise<Ranking>;
  health(): Promise<Health>;
  close(): Promise<void>;
}

function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.data === undefined) throw new AttuneError(r.response.status, r.error, retryAfterOf(r.response));
  return r.data;
}

/**
 * A 2xx that is not JSON (a captive portal's login page, a proxy's page) is an AttuneError with
 * its status and text, not a bare SyntaxError from the JSON parser.
 */
const notJson: Middleware = {
  async onResponse({ response }) {
    if (!response.ok || response.status === 204) return undefined;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json')) return undefined;
    throw new AttuneError(response.status, await response.clone().text(), retryAfterOf(response));
  },
};

export function createAttuneClient(opts: AttuneClientOptions): AttuneClient {
  const api = createClient<paths>({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    fetch: opts.fetch,
    // lists travel as one comma-separated value, as API Gateway joins repeated ones
    querySerializer: { array: { style: 'form', explode: false } },
  });
  api.use(notJson);
  if (opts.token) {
    const provider = opts.token;
    const auth: Middleware = {
      async onRequest({ request }) {
        const token = await provider();
        if (token) request.headers.set('authorization', `Bearer ${token}`);
        return request;
      },
    };
    api.use(auth);
  }

  const send = async (events: QueuedEvent[]): Promise<SendResult> => {
    const answer = await api.POST('/events', { body: { events } }).catch((err: unknown) => {
      // a 2xx that is not the API's JSON: the queue keeps the batch (it needs the API's own answer)
      if (err instanceof AttuneError) return err;
      throw err;
    });
    if (answer instanceof AttuneError)
      return { status: answer.status, body: answer.body, retryAfter: answer.retryAfter };
    const { data, error, response } = answer;
    return { status: response.status, body: data ?? error, retryAfter: retryAfterOf(response) };
  };
  const events = new EventQueue({ ...opts.queue, send });

  return {
    api,
    events,
    track: (e) => events.track(e),
    recommendations: async (userId, query) =>
      unwrap(await api.GET('/users/{userId}/recommendations', { params: { path: { userId }, query } })),
    similar: async (itemId, query) =>
      unwrap(await api.GET('/items/{itemId}/similar', { params: { path: { itemId }, query } })),
    rank: async (userId, itemIds) =>
      unwrap(await api.POST('/users/{userId}/rank', { params: { path: { userId } }, body: { itemIds } })),
    health: async () => unwrap(await api.GET('/health')),
    close: () => events.close(),
  };
}
