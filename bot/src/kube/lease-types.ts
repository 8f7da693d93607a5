/** The parts of a coordination.k8s.io/v1 Lease the watch shards use; times in ms since the epoch. */
export interface LeaseRecord {
  name: string;
  resourceVersion?: string;
  holder?: string;
  durationSeconds?: number;
  acquireTimeMs?: number;
  renewTimeMs?: number;
  transitions: number;
}

/** The Lease API of one namespace. create/replace reject with LeaseConflict on 409 (and on AlreadyExists). */
export interface LeaseApi {
  list(): Promise<LeaseRecord[]>;
  create(l: LeaseRecord): Promise<LeaseRecord>;
  /** Replaces the lease when its resourceVersion is still `l.resourceVersion`. */
  replace(l: LeaseRecord): Promise<LeaseRecord>;
}

export class LeaseConflict extends Error {
  constructor(name: string) {
    super(`lease ${name} was changed by someone else (409 Conflict)`);
  }
}
