/** Runs the Train function locally, as its EventBridge schedule would. */
import { localContext } from './http-event';
import { loadFunction } from './functions';
import { buildScheduledEvent } from './schedule-event';

export async function runTraining(log: (line: string) => void = () => undefined): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  const started = Date.now();
  try {
    const handler = await loadFunction('Train');
    const result = await handler(buildScheduledEvent(), localContext('Train', 900_000));
    const r = result as Record<string, unknown> | undefined;
    log(`training: ${String(r?.decision ?? 'done')}${r?.version ? ` → model ${r.version}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return { ok: true, result };
  } catch (err) {
    log(`training failed: ${(err as Error).message}`);
    return { ok: false, error: (err as Error).message };
  }
}
