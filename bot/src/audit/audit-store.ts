import Database from 'better-sqlite3';

/**
 * The remediation audit log (append-only) in SQLite: the intent is written
 * before the signal, the result after. The action token id is unique, so a
 * double click, a Slack retry or a replayed button cannot signal twice.
 */
export interface AuditIntent {
  tokenId: string;
  user: string;
  node: string;
  pid: number;
  startTime: number;
  comm: string;
  signal: string;
  podUid?: string;
  findingId: string;
  /** What performs the signal: the node's collector (default) or the SSH fallback. */
  path?: 'collector' | 'ssh';
}

export interface AuditEntry extends AuditIntent {
  id: number;
  at: string;
  outcome?: string;
  message?: string;
  finishedAt?: string;
}

export type IntentResult = { status: 'new'; id: number } | { status: 'duplicate'; previous: AuditEntry };

export interface AuditStore {
  recordIntent(i: AuditIntent): IntentResult;
  recordResult(id: number, outcome: string, message: string): void;
  list(limit?: number): AuditEntry[];
  close(): void;
}

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS remediation_audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     token_id TEXT NOT NULL UNIQUE,
     at TEXT NOT NULL,
     user TEXT NOT NULL,
     node TEXT NOT NULL,
     pid INTEGER NOT NULL,
     start_time INTEGER NOT NULL,
     comm TEXT NOT NULL,
     signal TEXT NOT NULL,
     pod_uid TEXT,
     finding_id TEXT NOT NULL,
     outcome TEXT,
     message TEXT,
     finished_at TEXT
   )`,
  // Append-only: rows may gain a result once, never be deleted.
  `CREATE TRIGGER IF NOT EXISTS remediation_audit_no_delete BEFORE DELETE ON remediation_audit
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
];

/** Columns added after the first release, with their definitions: added to an older database when missing. */
const ADDED_COLUMNS: Array<[string, string]> = [
  ['path', "path TEXT NOT NULL DEFAULT 'collector'"],
];

type Row = { id: number; token_id: string; at: string; user: string; node: string; pid: number; start_time: number; comm: string; signal: string; pod_uid: string | null; finding_id: string; path: string; outcome: string | null; message: string | null; finished_at: string | null };

const fromRow = (r: Row): AuditEntry => ({
  id: r.id, tokenId: r.token_id, at: r.at, user: r.user, node: r.node, pid: r.pid, startTime: r.start_time, comm: r.comm,
  signal: r.signal, podUid: r.pod_uid ?? undefined, findingId: r.finding_id, path: r.path === 'ssh' ? 'ssh' : 'collector', outcome: r.outcome ?? undefined,
  message: r.message ?? undefined, finishedAt: r.finished_at ?? undefined,
});

export function openAuditStore(path: string): AuditStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  for (const m of MIGRATIONS) db.exec(m);
  const have = new Set((db.prepare('PRAGMA table_info(remediation_audit)').all() as { name: string }[]).map((c) => c.name));
  for (const [name, definition] of ADDED_COLUMNS) if (!have.has(name)) db.exec(`ALTER TABLE remediation_audit ADD COLUMN ${definition}`);
  const insert = db.prepare(`INSERT INTO remediation_audit (token_id, at, user, node, pid, start_time, comm, signal, pod_uid, finding_id, path)
    VALUES (@tokenId, @at, @user, @node, @pid, @startTime, @comm, @signal, @podUid, @findingId, @path) ON CONFLICT(token_id) DO NOTHING`);
  const byToken = db.prepare('SELECT * FROM remediation_audit WHERE token_id = ?');
  const finish = db.prepare('UPDATE remediation_audit SET outcome = ?, message = ?, finished_at = ? WHERE id = ? AND outcome IS NULL');
  const recent = db.prepare('SELECT * FROM remediation_audit ORDER BY id DESC LIMIT ?');
  return {
    recordIntent(i) {
      const info = insert.run({ ...i, podUid: i.podUid ?? null, path: i.path ?? 'collector', at: new Date().toISOString() });
      if (info.changes === 1) return { status: 'new', id: Number(info.lastInsertRowid) };
      return { status: 'duplicate', previous: fromRow(byToken.get(i.tokenId) as Row) };
    },
    recordResult(id, outcome, message) {
      finish.run(outcome, message, new Date().toISOString(), id);
    },
    list: (limit = 50) => (recent.all(limit) as Row[]).map(fromRow),
    close: () => db.close(),
  };
}
