import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package root: the nearest ancestor holding proto/whystuck/v1/collector.proto. */
export function protoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'proto', 'whystuck', 'v1', 'collector.proto'))) return join(dir, 'proto');
    const up = dirname(dir);
    if (up === dir) throw new Error('proto/whystuck/v1/collector.proto not found above ' + __dirname);
    dir = up;
  }
}
