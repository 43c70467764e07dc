/** TrainingStore in memory: unit tests of the training job and the CLI's file input. */
import type { Interaction } from '../../events';
import type { Erasure } from '../../ports/interactions';
import type { BatchVisitor, ReadStats, RunRecord, TrainingStore } from '../../ports/training';

/** Batch size handed to visitors, like one DynamoDB page. */
const BATCH = 1000;

export class MemoryTrainingStore implements TrainingStore {
  readonly events: Interaction[] = [];
  readonly erasures = new Map<string, Erasure>();
  readonly runs: RunRecord[] = [];
  private readonly leases = new Map<string, { owner: string; until: number }>();

  constructor(events: Iterable<Interaction> = []) {
    for (const e of events) this.events.push(e);
  }

  addEvents(events: Iterable<Interaction>): void {
    for (const e of events) this.events.push(e);
  }

  /** Records an erasure marker; the events stay, as in DynamoDB before the deletes finish. */
  erase(userId: string, erasedAt: number = Date.now()): void {
    this.erasures.set(userId, { userId, erasedAt });
  }

  async scanInteractions(visit: (batch: Interaction[]) => void): Promise<number> {
    // awaited: readAll's visitor may return a promise (a rebuild's spill write)
    for (let i = 0; i < this.events.length; i += BATCH) await visit(this.events.slice(i, i + BATCH));
    return this.events.length;
  }

  async readReceivedSince(from: number, visit: (batch: Interaction[]) => void): Promise<ReadStats> {
    const hits = this.events.filter((e) => e.receivedAt >= from);
    for (let i = 0; i < hits.length; i += BATCH) visit(hits.slice(i, i + BATCH));
    return { events: hits.length, itemsRead: hits.length, via: 'index' };
  }

  async readAll(visit: BatchVisitor): Promise<ReadStats> {
    const n = await this.scanInteractions(visit);
    return { events: n, itemsRead: n, via: 'scan' };
  }

  async hasNewSince(watermark: number): Promise<boolean> {
    return this.events.some((e) => e.receivedAt > watermark);
  }

  async listErasures(): Promise<Erasure[]> {
    return [...this.erasures.values()];
  }

  async acquireLease(name: string, owner: string, seconds: number, now: number = Date.now()): Promise<boolean> {
    const held = this.leases.get(name);
    if (held && held.until >= now) return false;
    this.leases.set(name, { owner, until: now + seconds * 1000 });
    return true;
  }

  async releaseLease(name: string, owner: string): Promise<boolean> {
    if (this.leases.get(name)?.owner !== owner) return false;
    this.leases.delete(name);
    return true;
  }

  async recordRun(run: RunRecord): Promise<void> {
    this.runs.push(structuredClone(run));
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    const key = (r: RunRecord) => `${r.startedAt}#${r.runId}`;
    return [...this.runs].sort((a, b) => (key(a) < key(b) ? 1 : -1)).slice(0, limit);
  }
}
