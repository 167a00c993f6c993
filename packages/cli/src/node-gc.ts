/** The Prometheus series (prom-client's default metrics, with the node's prefix) of main-thread GC pauses. */
const GC_PAUSE_SERIES = 'tongbao_process_nodejs_gc_duration_seconds_sum';

/**
 * Milliseconds a running node's main thread has spent paused for garbage collection so
 * far, summed over every kind, read from its /metrics; undefined if the node does not
 * answer. The benchmark divides the difference over the timed phase by the payments
 * committed in it: the figure that showed the state tree's cached pages to be the
 * scavenger's main burden.
 */
export async function readGcPauseMs(apiUrl: string): Promise<number | undefined> {
  let text: string;
  try {
    const response = await fetch(new URL('/metrics', apiUrl), { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }
  let seconds = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(GC_PAUSE_SERIES)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!Number.isFinite(value)) return undefined;
    seconds += value;
    found = true;
  }
  return found ? seconds * 1000 : undefined;
}
