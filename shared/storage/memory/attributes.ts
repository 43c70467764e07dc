/** User attributes in memory, held by MemoryInteractionStore beside its events (same contract as DynamoDB). */
import type { StoredUserAttributes, UserAttributesBody } from '../../ingest/attributes';

export class MemoryAttributes {
  private readonly byUser = new Map<string, StoredUserAttributes>();

  put(userId: string, a: UserAttributesBody, now: number): StoredUserAttributes {
    const stored = structuredClone({ userId, ...a, updatedAt: new Date(now).toISOString() });
    for (const k of Object.keys(stored) as (keyof StoredUserAttributes)[])
      if (stored[k] === undefined) delete stored[k];
    this.byUser.set(userId, stored);
    return structuredClone(stored);
  }

  get(userId: string): StoredUserAttributes | null {
    const a = this.byUser.get(userId);
    return a ? structuredClone(a) : null;
  }

  delete(userId: string): void {
    this.byUser.delete(userId);
  }

  list(): StoredUserAttributes[] {
    return [...this.byUser.values()].sort((a, b) => (a.userId < b.userId ? -1 : 1)).map((a) => structuredClone(a));
  }
}
