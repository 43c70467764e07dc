/**
 * Kinds an A/B experiment names that training tried to fit and could not, kept
 * in one file beside latest.json (<prefix>variant-kind-attempts.json; a file,
 * not a folder: every folder under the prefix is a version). Training writes it
 * (shared/training/variant-kinds.ts); serving reads it to say in `servedBy.fallback`
 * why a kind's users are answered by the latest model.
 */
import type { ModelStore } from '../ports/model-store';

export const attemptsKey = (prefix: string) => `${prefix}variant-kind-attempts.json`;

/** A kind the job tried to fit and could not. */
export interface KindAttempt {
  kind: string;
  /** The running experiment's document identity (`<id>@<updatedAt>`) when it was tried. */
  experiment: string | null;
  at: string;
  reason: string;
  /** The data it was tried on: distinct (user, item) pairs, users, items, newest receivedAt. */
  interactions: number;
  users: number;
  items: number;
  watermark: number;
}

export type KindAttempts = Record<string, KindAttempt>;

/** The recorded attempts; {} when there are none or they cannot be read (then kinds are tried: the safe side). */
export async function readAttempts(store: Pick<ModelStore, 'get'>, prefix: string): Promise<KindAttempts> {
  try {
    const bytes = await store.get(attemptsKey(prefix));
    if (!bytes) return {};
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { attempts?: KindAttempts };
    return parsed.attempts ?? {};
  } catch {
    return {};
  }
}

export async function writeAttempts(store: Pick<ModelStore, 'put'>, prefix: string, a: KindAttempts): Promise<void> {
  await store.put(
    attemptsKey(prefix),
    Buffer.from(JSON.stringify({ attempts: a }, null, 1), 'utf8'),
    'application/json',
  );
}

/**
 * Growth of the training pairs that makes a failed kind worth another try: 10%.
 * The popularity fallback and the kinds' data-derived defaults depend on the
 * counts, so a tenth more data is a real change; retries then grow
 * geometrically (at most ~25 while the data grows tenfold), never once a run.
 */
export const RETRY_GROWTH = 0.1;

/** Pairs at which a kind that failed on `interactions` pairs is tried again. */
export const retryAt = (interactions: number) => Math.ceil(interactions * (1 + RETRY_GROWTH));

/** Why `kind` has no model, as the last failed attempt says; undefined when none is recorded. */
export async function notFittedReason(store: Pick<ModelStore, 'get'>, prefix: string, kind: string) {
  const a = (await readAttempts(store, prefix))[kind];
  if (!a) return undefined;
  const again = `tried again at ${retryAt(a.interactions)} user-item pairs or when the experiment is edited`;
  return `training could not fit it at ${a.at}: ${a.reason}; ${again}`;
}
