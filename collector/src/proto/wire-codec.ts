import * as protobuf from 'protobufjs';

/**
 * A protobuf codec compiled from the proto's reflection into one encode and
 * one decode function per message type, for the message that is big: a
 * whole-node SnapshotResponse (10,000+ tasks, ~1.7 MB).
 *
 * proto-loader encodes with `fromObject` plus protobufjs's writer (a linked
 * list of one small object per field written) and decodes with `decode` plus
 * `toObject`, which walks every task twice more. Here the encoder writes
 * straight into one growing buffer and skips proto3 defaults as it goes; the
 * decoder reads straight into plain objects shaped exactly as proto-loader
 * returns them with the project's LOADER_OPTIONS (keepCase, longs as numbers,
 * enums as names, defaults present, oneof discriminators). The bytes are
 * ordinary protobuf: either side can talk to a stock implementation.
 */

type Kind = 'double' | 'float' | 'int32' | 'uint32' | 'sint32' | 'int64' | 'uint64' | 'sint64' | 'bool' | 'string' | 'bytes' | 'enum' | 'message' | 'map';

interface FieldPlan {
  name: string;
  id: number;
  kind: Kind;
  repeated: boolean;
  /** Member of a real oneof: written whenever present, absent reads as undefined. */
  oneof?: string;
  /** proto3 `optional`: written whenever present. */
  explicit: boolean;
  enumValues?: Record<string, number>;
  enumNames?: Record<number, string>;
  message?: MessagePlan;
  keyKind?: Kind;
  value?: FieldPlan;
}

interface MessagePlan {
  index: number;
  type: protobuf.Type;
  fields: FieldPlan[];
  oneofs: string[];
  encode: (out: Out, obj: Record<string, unknown>) => void;
  decode: (inp: In) => Record<string, unknown>;
}

const SCALARS = new Set<string>(['double', 'float', 'int32', 'uint32', 'sint32', 'int64', 'uint64', 'sint64', 'bool', 'string', 'bytes']);
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_DELIMITED = 2;
const WIRE_FIXED32 = 5;

// ---------------------------------------------------------------- buffers

export class Out {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    while (v > 0x7fffffff) {
      b[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v > 0x7f) {
      b[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[p++] = v;
    this.pos = p;
  }

  /** Any 64-bit integer, two's complement for negatives (ten bytes, as the spec says). */
  varint64(v: bigint): void {
    let u = BigInt.asUintN(64, v);
    this.ensure(10);
    while (u > 0x7fn) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  int(v: number): void {
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) this.varint(v);
    else this.varint64(BigInt(Math.trunc(v)));
  }

  long(v: unknown): void {
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) this.varint(v);
    // Decimal strings of up to 15 digits (below 2^53: the same value either way) skip BigInt,
    // which cost most of encoding a kernel log's records (three 64-bit fields each).
    else if (typeof v === 'string' && isShortDecimal(v)) this.varint(Number(v));
    else this.varint64(toBig(v));
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  float(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.pos);
    this.pos += 4;
  }

  string(v: unknown): void {
    const s = typeof v === 'string' ? v : String(v);
    const n = s.length;
    // Short ASCII (comm, state, signal masks, ids) is copied by hand: cheaper than a call into C++.
    if (n < 128) {
      this.ensure(1 + n * 3);
      const b = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        b[this.pos] = n;
        this.pos = p;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Starts a length-delimited body: three bytes are reserved for its length. */
  begin(): number {
    this.ensure(3);
    this.pos += 3;
    return this.pos;
  }

  /** Ends the body begun at `body`: writes its length, closing the gap if it is shorter. */
  end(body: number): void {
    const len = this.pos - body;
    const start = body - 3;
    const lenBytes = len < 0x80 ? 1 : len < 0x4000 ? 2 : len < 0x200000 ? 3 : varintLength(len);
    if (lenBytes !== 3) {
      this.ensure(lenBytes - 3);
      this.buf.copyWithin(start + lenBytes, body, this.pos);
      this.pos += lenBytes - 3;
    }
    const endPos = this.pos;
    this.pos = start;
    this.varint(len);
    this.pos = endPos;
  }
}

/** 1 to 15 ASCII digits and nothing else. */
function isShortDecimal(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 15) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function toBig(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string') return BigInt(v);
  const l = v as { low: number; high: number };
  return (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
}

const isZero64 = (v: unknown): boolean => v === 0 || v === '0' || v === 0n || (typeof v === 'object' && v !== null && (v as { low: number }).low === 0 && (v as { high: number }).high === 0);

/** Recently decoded short ASCII strings, by a hash of their bytes (In.string). */
const SHORT_STRINGS = 4096;
const shortStrings: Array<string | undefined> = new Array<string | undefined>(SHORT_STRINGS);

export class In {
  readonly view: DataView;
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  varint(): number {
    const b = this.buf;
    let p = this.pos;
    let byte = b[p++];
    let v = byte & 0x7f;
    if (byte >= 0x80) {
      let shift = 7;
      let mul = 128;
      do {
        if (p >= this.end) throw new Error('wire-codec: truncated varint');
        byte = b[p++];
        if (shift < 28) v |= (byte & 0x7f) << shift;
        else v += (byte & 0x7f) * mul;
        shift += 7;
        mul *= 128;
      } while (byte >= 0x80 && shift < 70);
    }
    this.pos = p;
    return v;
  }

  /** A varint as an exact BigInt, for signed and huge values. */
  varint64(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('wire-codec: truncated varint');
      const byte = this.buf[this.pos++];
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return v;
      shift += 7n;
    }
  }

  int32(): number {
    const save = this.pos;
    const v = this.varint();
    if (this.pos - save <= 5) return v > 0x7fffffff ? v - 2 ** 32 : v;
    this.pos = save; // negatives arrive as ten-byte varints: keep the low 32 bits
    return Number(BigInt.asIntN(32, this.varint64()));
  }

  uint64(): number {
    const save = this.pos;
    const v = this.varint();
    if (v <= Number.MAX_SAFE_INTEGER) return v;
    this.pos = save;
    return Number(BigInt.asUintN(64, this.varint64()));
  }

  int64(): number {
    const save = this.pos;
    const v = this.varint();
    if (v <= Number.MAX_SAFE_INTEGER) return v;
    this.pos = save;
    return Number(BigInt.asIntN(64, this.varint64()));
  }

  sint32(): number {
    const v = this.varint() >>> 0;
    return (v >>> 1) ^ -(v & 1);
  }

  sint64(): number {
    const u = BigInt.asUintN(64, this.varint64());
    return Number((u >> 1n) ^ -(u & 1n));
  }

  double(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  float(): number {
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Opens a length-delimited body; returns the enclosing end to restore with `close`. */
  open(): number {
    const len = this.varint();
    const outer = this.end;
    const end = this.pos + len;
    if (end > outer) throw new Error('wire-codec: truncated field');
    this.end = end;
    return outer;
  }

  close(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  string(): string {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new Error('wire-codec: truncated string');
    this.pos = end;
    if (len === 0) return '';
    if (len < 32) {
      // Short strings (comms, states, signal masks, cgroup names) repeat across thousands of
      // tasks: a decoded snapshot shares one string per value instead of one per task, made
      // once (it was a string per character, each a copy of the last). ASCII only.
      const b = this.buf;
      let h = len;
      for (let i = start; i < end; i++) {
        const c = b[i];
        if (c >= 0x80) return b.toString('utf8', start, end);
        h = (Math.imul(h, 31) + c) | 0;
      }
      const k = (h ^ (h >>> 12)) & (SHORT_STRINGS - 1);
      const known = shortStrings[k];
      if (known !== undefined && known.length === len) {
        let i = 0;
        while (i < len && known.charCodeAt(i) === b[start + i]) i++;
        if (i === len) return known;
      }
      const s = b.toString('latin1', start, end);
      shortStrings[k] = s;
      return s;
    }
    return this.buf.toString('utf8', start, end);
  }

  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Error('wire-codec: truncated bytes');
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT: {
        // Past its bytes without computing its value (varint64's BigInt arithmetic was most of a peek's cost).
        const b = this.buf;
        for (;;) {
          if (this.pos >= this.end) throw new Error('wire-codec: truncated varint');
          if (b[this.pos++] < 0x80) break;
        }
        break;
      }
      case WIRE_FIXED64:
        this.pos += 8;
        break;
      // (the length first: `this.pos += this.varint()` would add it to the position before the length was read)
      case WIRE_DELIMITED: {
        const len = this.varint();
        this.pos += len;
        break;
      }
      case WIRE_FIXED32:
        this.pos += 4;
        break;
      default:
        throw new Error(`wire-codec: unknown wire type ${wire}`);
    }
    if (this.pos > this.end) throw new Error('wire-codec: truncated field');
  }
}

// ---------------------------------------------------------------- plans

function kindOf(typeName: string, resolved: protobuf.ReflectionObject | null, where: string): Kind {
  if (SCALARS.has(typeName)) return typeName as Kind;
  if (resolved instanceof protobuf.Enum) return 'enum';
  if (resolved instanceof protobuf.Type) return 'message';
  throw new Error(`wire-codec: ${where} has type ${typeName}, which this codec does not implement`);
}

function planValue(field: protobuf.Field, resolved: protobuf.Enum | protobuf.Type | null, where: string, plans: Map<protobuf.Type, MessagePlan>): FieldPlan {
  const kind = kindOf(field.type, resolved, where);
  const plan: FieldPlan = { name: field.name, id: field.id, kind, repeated: false, explicit: false };
  if (kind === 'enum') {
    plan.enumValues = (resolved as protobuf.Enum).values;
    plan.enumNames = Object.fromEntries(Object.entries(plan.enumValues).map(([k, v]) => [v, k]));
  } else if (kind === 'message') {
    plan.message = planMessage(resolved as protobuf.Type, plans);
  }
  return plan;
}

function planField(field: protobuf.Field, plans: Map<protobuf.Type, MessagePlan>): FieldPlan {
  field.resolve();
  const where = `${field.parent?.name}.${field.name}`;
  const explicit = Boolean(field.options?.proto3_optional);
  const oneof = field.partOf && !explicit ? field.partOf.name : undefined;
  if (field instanceof protobuf.MapField) {
    const value = planValue(new protobuf.Field('value', 2, field.type), field.resolvedType, where, plans);
    return { name: field.name, id: field.id, kind: 'map', repeated: false, explicit, keyKind: kindOf(field.keyType, null, where), value };
  }
  return { ...planValue(field, field.resolvedType, where, plans), repeated: field.repeated, explicit, oneof };
}

function planMessage(type: protobuf.Type, plans: Map<protobuf.Type, MessagePlan>): MessagePlan {
  const known = plans.get(type);
  if (known) return known;
  type.resolveAll();
  const plan: MessagePlan = {
    index: plans.size,
    type,
    fields: [],
    oneofs: [],
    encode: () => {
      throw new Error('wire-codec: not compiled');
    },
    decode: () => {
      throw new Error('wire-codec: not compiled');
    },
  };
  plans.set(type, plan); // before the fields: messages may be recursive
  plan.fields = type.fieldsArray.map((f) => planField(f, plans));
  plan.oneofs = type.oneofsArray.filter((o) => !o.fieldsArray.every((f) => f.options?.proto3_optional)).map((o) => o.name);
  return plan;
}

// ---------------------------------------------------------------- code generation

const wireType = (kind: Kind): number => {
  switch (kind) {
    case 'double':
      return WIRE_FIXED64;
    case 'float':
      return WIRE_FIXED32;
    case 'string':
    case 'bytes':
    case 'message':
    case 'map':
      return WIRE_DELIMITED;
    default:
      return WIRE_VARINT;
  }
};

/** Helpers the generated code calls; `P` holds every message plan by index. */
interface Runtime {
  P: MessagePlan[];
  F: FieldPlan[];
  isZero64: typeof isZero64;
  enumValue: (field: number, v: unknown) => number;
  writeMap: (out: Out, field: number, v: unknown) => void;
  readMapEntry: (inp: In, field: number, target: Record<string, unknown>) => void;
}

const q = JSON.stringify;

/** Statement writing `x` (no tag) for a scalar field. */
function writeExpr(f: FieldPlan, fi: number, x: string): string {
  switch (f.kind) {
    case 'string':
      return `out.string(${x});`;
    case 'bool':
      return `out.byte(${x} ? 1 : 0);`;
    case 'int32':
      return `out.int(${x});`;
    case 'uint32':
      return `out.varint(${x} >>> 0);`;
    case 'sint32':
      return `out.varint(((${x} << 1) ^ (${x} >> 31)) >>> 0);`;
    case 'int64':
    case 'uint64':
      return `out.long(${x});`;
    case 'sint64':
      return `{ const b = BigInt(typeof ${x} === 'object' ? String(${x}) : ${x}); out.varint64((b << 1n) ^ (b >> 63n)); }`;
    case 'double':
      return `out.double(${x});`;
    case 'float':
      return `out.float(${x});`;
    case 'bytes':
      return `out.bytes(${x});`;
    case 'enum':
      return `out.int(typeof ${x} === 'number' ? ${x} : R.enumValue(${fi}, ${x}));`;
    default:
      throw new Error(`wire-codec: no scalar writer for ${f.kind}`);
  }
}

function defaultTest(f: FieldPlan, x: string): string {
  switch (f.kind) {
    case 'string':
      return `${x} === ''`;
    case 'bool':
      return `${x} === false`;
    case 'bytes':
      return `${x}.length === 0`;
    case 'enum':
      return `(${x} === 0 || ${x} === ${q(f.enumNames?.[0] ?? 0)})`;
    case 'int64':
    case 'uint64':
    case 'sint64':
      return `R.isZero64(${x})`;
    case 'message':
      return 'false';
    default:
      return `${x} === 0`;
  }
}

function tagOf(f: FieldPlan, wire: number): number {
  return f.id * 8 + wire;
}

function compileEncoder(plan: MessagePlan, R: Runtime): MessagePlan['encode'] {
  const lines: string[] = ['let v, s;'];
  for (const f of plan.fields) {
    const fi = R.F.push(f) - 1;
    lines.push(`v = o[${q(f.name)}];`);
    if (f.kind === 'map') {
      lines.push(`if (v != null) R.writeMap(out, ${fi}, v);`);
    } else if (f.kind === 'message') {
      const enc = `R.P[${f.message?.index}].encode`;
      const one = (x: string): string => `out.varint(${tagOf(f, WIRE_DELIMITED)}); s = out.begin(); ${enc}(out, ${x}); out.end(s);`;
      if (f.repeated) lines.push(`if (v != null) for (const x of v) { ${one('x')} }`);
      else lines.push(`if (v != null${f.oneof ? ` && (o[${q(f.oneof)}] === undefined || o[${q(f.oneof)}] === ${q(f.name)})` : ''}) { ${one('v')} }`);
    } else if (f.repeated) {
      if (wireType(f.kind) === WIRE_DELIMITED) {
        lines.push(`if (v != null) for (const x of v) { out.varint(${tagOf(f, WIRE_DELIMITED)}); ${writeExpr(f, fi, 'x')} }`);
      } else {
        // packed, proto3's default for repeated scalars
        lines.push(`if (v != null && v.length > 0) { out.varint(${tagOf(f, WIRE_DELIMITED)}); s = out.begin(); for (const x of v) { ${writeExpr(f, fi, 'x')} } out.end(s); }`);
      }
    } else {
      const present = f.oneof ? `v != null && (o[${q(f.oneof)}] === undefined || o[${q(f.oneof)}] === ${q(f.name)})` : f.explicit ? 'v != null' : `v != null && !(${defaultTest(f, 'v')})`;
      lines.push(`if (${present}) { out.varint(${tagOf(f, wireType(f.kind))}); ${writeExpr(f, fi, 'v')} }`);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the encoder is compiled from the message's schema (our .proto), never from input
  return new Function('R', `return function encode_${plan.type.name}(out, o) {\n${lines.join('\n')}\n};`)(R) as MessagePlan['encode'];
}

function readExpr(f: FieldPlan, fi: number): string {
  switch (f.kind) {
    case 'string':
      return 'inp.string()';
    case 'bool':
      return 'inp.varint() !== 0';
    case 'int32':
      return 'inp.int32()';
    case 'uint32':
      return 'inp.varint() >>> 0';
    case 'sint32':
      return 'inp.sint32()';
    case 'int64':
      return 'inp.int64()';
    case 'uint64':
      return 'inp.uint64()';
    case 'sint64':
      return 'inp.sint64()';
    case 'double':
      return 'inp.double()';
    case 'float':
      return 'inp.float()';
    case 'bytes':
      return 'inp.bytes()';
    case 'enum':
      return `R.F[${fi}].enumNames[n = inp.int32()] ?? n`;
    default:
      throw new Error(`wire-codec: no scalar reader for ${f.kind}`);
  }
}

function defaultLiteral(f: FieldPlan): string {
  if (f.repeated) return '[]';
  if (f.kind === 'map') return '{}';
  if (f.explicit || f.oneof) return 'undefined'; // proto-loader leaves unset oneof members out
  switch (f.kind) {
    case 'message':
      return 'null';
    case 'string':
      return "''";
    case 'bool':
      return 'false';
    case 'bytes':
      return 'Buffer.alloc(0)';
    case 'enum':
      return q(f.enumNames?.[0] ?? 0);
    default:
      return '0';
  }
}

function compileDecoder(plan: MessagePlan, R: Runtime): MessagePlan['decode'] {
  // One literal per message type: every decoded object gets the same shape (hidden class).
  const literal = [...plan.fields.map((f) => `${q(f.name)}: ${defaultLiteral(f)}`), ...plan.oneofs.map((o) => `${q(o)}: undefined`)];
  const cases: string[] = [];
  for (const f of plan.fields) {
    const fi = R.F.push(f) - 1;
    const key = q(f.name);
    const setOneof = f.oneof ? ` o[${q(f.oneof)}] = ${key};` : '';
    if (f.kind === 'map') {
      cases.push(`case ${tagOf(f, WIRE_DELIMITED)}: R.readMapEntry(inp, ${fi}, o[${key}]); break;`);
    } else if (f.kind === 'message') {
      const read = `outer = inp.open(); x = R.P[${f.message?.index}].decode(inp); inp.close(outer);`;
      cases.push(`case ${tagOf(f, WIRE_DELIMITED)}: ${read} ${f.repeated ? `o[${key}].push(x);` : `o[${key}] = x;`}${setOneof} break;`);
    } else if (f.repeated) {
      const wire = wireType(f.kind);
      cases.push(`case ${tagOf(f, wire)}: o[${key}].push(${readExpr(f, fi)}); break;`);
      if (wire !== WIRE_DELIMITED) {
        cases.push(`case ${tagOf(f, WIRE_DELIMITED)}: outer = inp.open(); while (inp.pos < inp.end) o[${key}].push(${readExpr(f, fi)}); inp.close(outer); break;`);
      }
    } else {
      cases.push(`case ${tagOf(f, wireType(f.kind))}: o[${key}] = ${readExpr(f, fi)};${setOneof} break;`);
    }
  }
  const body = `
    const o = { ${literal.join(', ')} };
    let key, n, x, outer;
    while (inp.pos < inp.end) {
      key = inp.varint();
      switch (key) {
        ${cases.join('\n        ')}
        default: inp.skip(key & 7);
      }
    }
    if (inp.pos > inp.end) throw new Error(${q(`wire-codec: truncated ${plan.type.name}`)});
    return o;`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the decoder is compiled from the message's schema (our .proto), never from input
  return new Function('R', `return function decode_${plan.type.name}(inp) {${body}\n};`)(R) as MessagePlan['decode'];
}

function runtime(): Runtime {
  const R: Runtime = {
    P: [],
    F: [],
    isZero64,
    enumValue(fi, v) {
      const n = R.F[fi].enumValues?.[v as string];
      if (n === undefined) throw new Error(`wire-codec: ${String(v)} is not a value of the enum of ${R.F[fi].name}`);
      return n;
    },
    writeMap(out, fi, v) {
      // An empty map writes nothing (most tasks' cgroups): no entry list made for it.
      if (!(v instanceof Map) && !hasOwnEnumerable(v as object)) return;
      const f = R.F[fi];
      const keyField: FieldPlan = { name: 'key', id: 1, kind: f.keyKind as Kind, repeated: false, explicit: false };
      const value = f.value as FieldPlan;
      const entries = v instanceof Map ? [...v] : Object.entries(v as object);
      for (const [k, val] of entries) {
        out.varint(tagOf(f, WIRE_DELIMITED));
        const s = out.begin();
        writeLoose(out, keyField, f.keyKind === 'string' ? String(k) : Number(k));
        if (val !== undefined && val !== null) writeLoose(out, value, val);
        out.end(s);
      }
    },
    readMapEntry(inp, fi, target) {
      const f = R.F[fi];
      const value = f.value as FieldPlan;
      const outer = inp.open();
      let k: unknown = f.keyKind === 'string' ? '' : 0;
      let val: unknown = value.kind === 'message' ? null : value.kind === 'string' ? '' : value.kind === 'bool' ? false : value.kind === 'enum' ? value.enumNames?.[0] : 0;
      while (inp.pos < inp.end) {
        const key = inp.varint();
        if (key >>> 3 === 1) k = readLoose(inp, { name: 'key', id: 1, kind: f.keyKind as Kind, repeated: false, explicit: false });
        else if (key >>> 3 === 2) {
          if (value.kind === 'message') {
            const o2 = inp.open();
            val = (value.message as MessagePlan).decode(inp);
            inp.close(o2);
          } else val = readLoose(inp, value);
        } else inp.skip(key & 7);
      }
      inp.close(outer);
      target[String(k)] = val;
    },
  };
  return R;
}

/** Whether Object.entries(o) has anything, without making it. */
function hasOwnEnumerable(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}

/** Maps are rare and small: their keys and values go through these generic paths. */
function writeLoose(out: Out, f: FieldPlan, v: unknown): void {
  if (f.kind === 'message') {
    out.varint(tagOf(f, WIRE_DELIMITED));
    const s = out.begin();
    (f.message as MessagePlan).encode(out, v as Record<string, unknown>);
    out.end(s);
    return;
  }
  out.varint(tagOf(f, wireType(f.kind)));
  const n = v as number;
  switch (f.kind) {
    case 'string':
      out.string(v);
      break;
    case 'bool':
      out.byte(v ? 1 : 0);
      break;
    case 'int32':
      out.int(n);
      break;
    case 'uint32':
      out.varint(n >>> 0);
      break;
    case 'sint32':
      out.varint(((n << 1) ^ (n >> 31)) >>> 0);
      break;
    case 'int64':
    case 'uint64':
      out.long(v);
      break;
    case 'sint64': {
      const b = toBig(v);
      out.varint64((b << 1n) ^ (b >> 63n));
      break;
    }
    case 'double':
      out.double(n);
      break;
    case 'float':
      out.float(n);
      break;
    case 'bytes':
      out.bytes(v as Uint8Array);
      break;
    case 'enum': {
      const n = typeof v === 'number' ? v : f.enumValues?.[v as string];
      if (n === undefined) throw new Error(`wire-codec: ${String(v)} is not a value of the enum of ${f.name}`);
      out.int(n);
      break;
    }
    default:
      throw new Error(`wire-codec: cannot write ${f.kind} here`);
  }
}

function readLoose(inp: In, f: FieldPlan): unknown {
  switch (f.kind) {
    case 'string':
      return inp.string();
    case 'bool':
      return inp.varint() !== 0;
    case 'int32':
      return inp.int32();
    case 'uint32':
      return inp.varint() >>> 0;
    case 'sint32':
      return inp.sint32();
    case 'int64':
      return inp.int64();
    case 'uint64':
      return inp.uint64();
    case 'sint64':
      return inp.sint64();
    case 'double':
      return inp.double();
    case 'float':
      return inp.float();
    case 'bytes':
      return inp.bytes();
    case 'enum': {
      const n = inp.int32();
      return f.enumNames?.[n] ?? n;
    }
    default:
      throw new Error(`wire-codec: cannot read ${f.kind} here`);
  }
}

// ---------------------------------------------------------------- API

export interface WireCodec<T, O> {
  encode(value: T): Buffer;
  /** Appends the message's fields (no tag, no length) to `out`. */
  encodeInto(out: Out, value: T): void;
  decode(bytes: Uint8Array): O;
}

export function compileCodec<T, O>(type: protobuf.Type): WireCodec<T, O> {
  const plans = new Map<protobuf.Type, MessagePlan>();
  const root = planMessage(type, plans);
  const R = runtime();
  R.P = [...plans.values()];
  for (const p of R.P) {
    p.encode = compileEncoder(p, R);
    p.decode = compileDecoder(p, R);
  }
  return {
    encode(value) {
      const out = new Out();
      root.encode(out, value as unknown as Record<string, unknown>);
      return out.buf.subarray(0, out.pos);
    },
    encodeInto(out, value) {
      root.encode(out, value as unknown as Record<string, unknown>);
    },
    decode(bytes) {
      const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return root.decode(new In(buf, 0, buf.length)) as O;
    },
  };
}
