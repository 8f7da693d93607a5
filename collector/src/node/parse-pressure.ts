import type { Pressure } from '../../../proto/generated/whystuck/v1/Pressure';

/** /proc/pressure/<resource>: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0". */
export function parsePressure(resource: string, text: string): Pressure[] {
  const out: Pressure[] = [];
  for (const line of text.split('\n')) {
    const m = /^(some|full)\s+avg10=([\d.]+)\s+avg60=([\d.]+)\s+avg300=([\d.]+)\s+total=(\d+)/.exec(line);
    if (m) out.push({ resource, kind: m[1], avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), total_us: m[5] });
  }
  return out;
}
