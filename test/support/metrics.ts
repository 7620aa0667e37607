import { HttpClient } from './http';

/** The value of one Prometheus sample from /metrics (0 when absent). */
export async function metric(client: HttpClient, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await client.get('/metrics');
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort();
  for (const line of response.text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',').filter(Boolean).sort();
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return 0;
}
