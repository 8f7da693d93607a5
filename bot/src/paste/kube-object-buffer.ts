import YAML from 'yaml';

/**
 * Multi-line Kubernetes objects in a paste — `kubectl get -o yaml|json`,
 * `crictl inspect`, a status block quoted from an issue — buffered one object
 * at a time (bounded) and parsed when it ends, tolerating cuts:
 *   JSON  starts at a line that opens a bracket it does not close ("{", "[",
 *         `{"kind": "Pod",`); ends when the brackets close, at a cut, a blank
 *         line (a fence), or a line that cannot be JSON. A cut object is
 *         repaired (open strings and brackets closed) before parsing.
 *   YAML  starts at a top-level `apiVersion:` / `kind:` / `metadata:` …, or at
 *         a key only Kubernetes objects have (`deletionTimestamp:`, `finalizers:`,
 *         `podIP:` …) — then the indented key lines just before it belong to it;
 *         ends at a blank line, a cut, or a line at column 0 that is not a key.
 *   loose JSON fields  `"state": "CONTAINER_EXITED",` lines without their braces.
 * Every scan is one pass over the line; nothing backtracks. JSON is parsed as
 * JSON only (never handed to the YAML parser); YAML lines no kubectl prints
 * (flow collections nested deep, values longer than 8 KB) are left out.
 */
export const MAX_OBJECT_LINES = 5000;
export const MAX_OBJECT_CHARS = 1 << 20;

export type Syntax = 'json' | 'yaml' | 'json-fields';

export interface Scan {
  depth: number;
  inString: boolean;
  escaped: boolean;
}

/** Bracket depth after `text`, continuing `s` (strings and escapes respected). */
export function scanJson(text: string, s: Scan): Scan {
  let { depth, inString, escaped } = s;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 92 /* \ */) escaped = true;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) depth++;
    else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth <= 0) return { depth: 0, inString: false, escaped: false };
    }
  }
  // A JSON string never spans lines: an open one at the end of a line was cut.
  return { depth, inString: false, escaped: false };
}

/** A line that opens JSON it does not close. */
export function opensJson(t: string): boolean {
  const c = t.charCodeAt(0);
  if (c !== 123 && c !== 91) return false;
  // "[ 123.4] …", "[root@host ~]#", "[...]": closed on the line.
  return scanJson(t, { depth: 0, inString: false, escaped: false }).depth > 0;
}

/** A line that can be part of pretty-printed JSON. */
export function jsonShaped(t: string): boolean {
  const c = t.charCodeAt(0);
  return c === 34 || c === 123 || c === 125 || c === 91 || c === 93 || (c >= 48 && c <= 57) || c === 45 || t === 'true' || t === 'false' || t === 'null' || /^(?:true|false|null),?$/.test(t);
}

const LOOSE_FIELD = /^"[\w.\/-]{1,64}":\s?\S/;
/** `"key": value,` — a line of a JSON object whose braces were not pasted. */
export const looseJsonField = (t: string): boolean => t.charCodeAt(0) === 34 && LOOSE_FIELD.test(t);

/** Top-level keys of an API object printed as YAML. */
const YAML_ROOT = /^(?:apiVersion|kind|metadata|spec|status|items):(?:\s|$)/;
/** Keys only Kubernetes objects (pods, nodes) have: a fragment of one starts here. */
const YAML_K8S_KEY =
  /^\s*(?:deletionTimestamp|deletionGracePeriodSeconds|finalizers|ownerReferences|terminationGracePeriodSeconds|containerStatuses|nodeName|podIP|hostIP|qosClass|phase|lastHeartbeatTime|taints|creationTimestamp|resourceVersion):(?:\s|$)/;
/** An indented lowerCamel key line: "  message: …", "    - name: x". */
const YAML_KEY_LINE = /^\s+(?:- )?[a-z][\w.\/-]{0,80}:(?:\s|$)/;
const YAML_TOP = /^(?:[a-z][\w.\/-]{0,80}:(?:\s|$)|- |-$|---)/;

export function yamlStart(text: string): 'root' | 'fragment' | null {
  const c = text.charCodeAt(0);
  if (c >= 97 && c <= 122 && YAML_ROOT.test(text)) return 'root';
  if ((c === 32 || (c >= 97 && c <= 122)) && text.length < 2000 && YAML_K8S_KEY.test(text)) return 'fragment';
  return null;
}

/** An indented key line (kept aside in case a fragment starts below it). */
export const yamlKeyLine = (text: string): boolean => text.charCodeAt(0) === 32 && text.length < 2000 && YAML_KEY_LINE.test(text);

/** Still inside the YAML object: indented, or a lowerCamel key / list item at column 0. */
export function yamlContinues(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c === 32 || c === 9) return true;
  return YAML_TOP.test(text);
}

interface JsonScan {
  closers: string;
  inString: boolean;
  boundary: number;
}

function scanAll(s: string): JsonScan {
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  let boundary = -1;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === 92) escaped = true;
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123) {
      stack.push('}');
      boundary = i + 1;
    } else if (ch === 91) {
      stack.push(']');
      boundary = i + 1;
    } else if (ch === 125 || ch === 93) stack.pop();
    else if (ch === 44 /* , */) boundary = i;
  }
  return { closers: stack.reverse().join(''), inString, boundary };
}

const TRAILING = new Set([44, 58, 32, 9, 10, 13]);
function trimTrailing(s: string): string {
  let end = s.length;
  while (end > 0 && TRAILING.has(s.charCodeAt(end - 1))) end--;
  return s.slice(0, end);
}

/**
 * Closes what a cut left open, or null: the open string and brackets are
 * closed; when that does not parse (a key without its value), the last
 * element is dropped and it tries again (a few times, each one pass).
 */
export function repairJson(text: string): string | null {
  let s = text;
  for (let attempt = 0; attempt < 6 && s.length; attempt++) {
    const scan = scanAll(s);
    const body = trimTrailing(scan.inString ? `${s}"` : s);
    const closed = body + scanAll(body).closers;
    try {
      JSON.parse(closed);
      return closed;
    } catch {
      /* drop the last element */
    }
    if (scan.boundary <= 0 || scan.boundary >= s.length) return null;
    s = s.slice(0, scan.boundary);
  }
  return null;
}

export interface Parsed {
  value: unknown;
  repaired: boolean;
}

/** JSON as JSON (repaired when cut); YAML with the yaml package, keeping what parsed before an error. */
/** Flow collections nested deeper than this are not Kubernetes output: such a line is left out of a YAML parse. */
const MAX_FLOW_BRACKETS = 64;
const MAX_YAML_LINE = 8192;

/**
 * The YAML parser's time grows with deeply nested flow collections and very
 * long scalars; kubectl prints neither. A line with more brackets than any
 * object has is dropped; an overlong value is replaced by null.
 */
function tameYaml(text: string): string {
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let brackets = 0;
    for (let j = 0; j < l.length && brackets <= MAX_FLOW_BRACKETS; j++) {
      const c = l.charCodeAt(j);
      if (c === 123 || c === 91) brackets++;
    }
    if (brackets > MAX_FLOW_BRACKETS) {
      lines[i] = '';
      changed = true;
      continue;
    }
    if (l.length > MAX_YAML_LINE) {
      const colon = l.indexOf(': ');
      lines[i] = colon > 0 && colon < 200 ? `${l.slice(0, colon)}: ~` : '';
      changed = true;
    }
  }
  return changed ? lines.join('\n') : text;
}

export function parseObject(syntax: Syntax, text: string, cut: boolean): Parsed | null {
  if (syntax === 'json' || syntax === 'json-fields') {
    const body = syntax === 'json-fields' ? `{${trimTrailing(text)}}` : text;
    try {
      return { value: JSON.parse(body), repaired: false };
    } catch {
      /* cut or not quite JSON */
    }
    const repaired = repairJson(body);
    if (repaired === null) return null;
    try {
      return { value: JSON.parse(repaired), repaired: true };
    } catch {
      return null;
    }
  }
  try {
    const doc = YAML.parseDocument(tameYaml(text), { prettyErrors: false, strict: false, uniqueKeys: false });
    const value: unknown = doc.toJS({ maxAliasCount: 10 });
    if (value === null || typeof value !== 'object') return null;
    return { value, repaired: cut || doc.errors.length > 0 };
  } catch {
    return null;
  }
}
