/** Reported in snapshots and Health; bump with package.json. */
export const COLLECTOR_VERSION = '0.1.0';
