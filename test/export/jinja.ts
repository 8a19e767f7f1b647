/**
 * A tiny evaluator of the Jinja subset the hub's Home Assistant templates use, with Jinja's precedence
 * (filters and `is` tests bind tighter than `*`, which binds tighter than comparisons, `not`, `and`,
 * `or`, and the conditional `a if c else b`), so a test can render a discovery `value_template` against
 * a real MQTT message the way Home Assistant would: `value_json` is the parsed payload, a missing key is
 * undefined (rendered as ''), and a template this evaluator does not know throws.
 *
 * Supported: `{{ expr }}` only; literals 'str', "str", numbers, [lists], None/True/False; attribute access;
 * `* / + -`; `== != < > <= >=`; `in`; `not`, `and`, `or`; `x if c else y`; `is defined`/`is not defined`;
 * filters `round(n)`, `float`, `int`, `default(x)`.
 */

const UNDEFINED = Symbol('undefined');
type Value = string | number | boolean | null | Value[] | { [k: string]: Value } | typeof UNDEFINED;

type Token = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'name'; v: string } | { t: 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string in ${src}`);
      out.push({ t: 'str', v: src.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      out.push({ t: 'name', v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>='].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if ('()[],.|*/+-<>'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else throw new Error(`unexpected "${c}" in ${src}`);
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly vars: Record<string, Value>,
  ) {}

  done(): boolean {
    return this.i >= this.toks.length;
  }
  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t?.t === 'op' && t.v === v;
  }
  private isName(v: string): boolean {
    const t = this.peek();
    return t?.t === 'name' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v) && !this.isName(v)) throw new Error(`expected "${v}" at token ${this.i}`);
    this.i++;
  }

  /** Returns a thunk: the branches of a conditional are evaluated only when taken, as in Jinja. */
  cond(): () => Value {
    const a = this.or();
    if (!this.isName('if')) return a;
    this.i++;
    const c = this.or();
    let b: () => Value = () => UNDEFINED;
    if (this.isName('else')) {
      this.i++;
      b = this.cond();
    }
    return () => (truthy(c()) ? a() : b());
  }
  private or(): () => Value {
    let a = this.and();
    while (this.isName('or')) {
      this.i++;
      const l = a;
      const r = this.and();
      a = () => (truthy(l()) ? l() : r());
    }
    return a;
  }
  private and(): () => Value {
    let a = this.not();
    while (this.isName('and')) {
      this.i++;
      const l = a;
      const r = this.not();
      a = () => (truthy(l()) ? r() : l());
    }
    return a;
  }
  private not(): () => Value {
    if (this.isName('not')) {
      this.i++;
      const a = this.not();
      return () => !truthy(a());
    }
    return this.compare();
  }
  private compare(): () => Value {
    let a = this.math();
    for (;;) {
      const t = this.peek();
      const op = t?.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v) ? t.v : t?.t === 'name' && t.v === 'in' ? 'in' : null;
      if (op === null) return a;
      this.i++;
      const l = a;
      const r = this.math();
      a = () => {
        const x = l();
        const y = r();
        switch (op) {
          case '==':
            return JSON.stringify(x) === JSON.stringify(y);
          case '!=':
            return JSON.stringify(x) !== JSON.stringify(y);
          case 'in':
            return Array.isArray(y) ? y.some((v) => JSON.stringify(v) === JSON.stringify(x)) : typeof y === 'string' && typeof x === 'string' && y.includes(x);
          default: {
            const [p, q] = [num(x), num(y)];
            return op === '<' ? p < q : op === '>' ? p > q : op === '<=' ? p <= q : p >= q;
          }
        }
      };
    }
  }
  private math(): () => Value {
    let a = this.term();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.toks[this.i++] as { v: string }).v;
      const l = a;
      const r = this.term();
      a = () => (op === '+' ? num(l()) + num(r()) : num(l()) - num(r()));
    }
    return a;
  }
  private term(): () => Value {
    let a = this.filtered();
    while (this.isOp('*') || this.isOp('/')) {
      const op = (this.toks[this.i++] as { v: string }).v;
      const l = a;
      const r = this.filtered();
      a = () => (op === '*' ? num(l()) * num(r()) : num(l()) / num(r()));
    }
    return a;
  }
  private filtered(): () => Value {
    let a = this.postfix();
    for (;;) {
      if (this.isOp('|')) {
        this.i++;
        const name = this.peek();
        if (name?.t !== 'name') throw new Error('expected a filter name');
        this.i++;
        const args = this.isOp('(') ? this.args() : [];
        const base = a;
        a = () => applyFilter(name.v, base(), args.map((f) => f()));
      } else if (this.isName('is')) {
        this.i++;
        let negate = false;
        if (this.isName('not')) {
          this.i++;
          negate = true;
        }
        this.expect('defined');
        const base = a;
        a = () => (base() !== UNDEFINED) !== negate;
      } else return a;
    }
  }
  private args(): Array<() => Value> {
    this.expect('(');
    const out: Array<() => Value> = [];
    while (!this.isOp(')')) {
      out.push(this.cond());
      if (this.isOp(',')) this.i++;
    }
    this.expect(')');
    return out;
  }
  private postfix(): () => Value {
    let a = this.primary();
    while (this.isOp('.')) {
      this.i++;
      const name = this.peek();
      if (name?.t !== 'name') throw new Error('expected an attribute name');
      this.i++;
      const base = a;
      a = () => {
        const o = base();
        return o !== null && typeof o === 'object' && !Array.isArray(o) && Object.hasOwn(o, name.v) ? (o[name.v] as Value) : UNDEFINED;
      };
    }
    return a;
  }
  private primary(): () => Value {
    const t = this.peek();
    if (!t) throw new Error('unexpected end of template');
    this.i++;
    if (t.t === 'num' || t.t === 'str') return () => t.v;
    if (t.t === 'name') {
      if (t.v === 'None') return () => null;
      if (t.v === 'True' || t.v === 'true') return () => true;
      if (t.v === 'False' || t.v === 'false') return () => false;
      return () => (Object.hasOwn(this.vars, t.v) ? this.vars[t.v]! : UNDEFINED);
    }
    if (t.v === '(') {
      const e = this.cond();
      this.expect(')');
      return e;
    }
    if (t.v === '[') {
      const items: Array<() => Value> = [];
      while (!this.isOp(']')) {
        items.push(this.cond());
        if (this.isOp(',')) this.i++;
      }
      this.expect(']');
      return () => items.map((f) => f());
    }
    if (t.v === '-') {
      const e = this.filtered();
      return () => -num(e());
    }
    throw new Error(`unexpected "${t.v}"`);
  }
}

function num(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new Error(`not a number: ${String(v === UNDEFINED ? 'undefined' : JSON.stringify(v))}`);
}

function truthy(v: Value): boolean {
  if (v === UNDEFINED || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function applyFilter(name: string, v: Value, args: Value[]): Value {
  switch (name) {
    case 'round': {
      const digits = args.length > 0 ? num(args[0]!) : 0;
      const f = 10 ** digits;
      return Math.round(num(v) * f) / f;
    }
    case 'float':
      return v === UNDEFINED ? (args[0] ?? 0) : Number(v);
    case 'int':
      return v === UNDEFINED ? (args[0] ?? 0) : Math.trunc(Number(v));
    case 'default':
      return v === UNDEFINED ? (args[0] ?? '') : v;
    default:
      throw new Error(`filter "${name}" is not supported here`);
  }
}

/** How Jinja prints a value: Python's str() for the cases that occur here. */
function print(v: Value): string {
  if (v === UNDEFINED) return '';
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Renders `{{ expr }}` with `value` (the raw payload) and `value_json` (its JSON, when it parses). */
export function renderTemplate(template: string, payload: string): string {
  const m = /^\{\{(.*)\}\}$/s.exec(template.trim());
  if (!m) throw new Error(`not a single {{ expression }}: ${template}`);
  let json: Value = UNDEFINED;
  try {
    json = JSON.parse(payload) as Value;
  } catch {
    // value_json stays undefined, as in Home Assistant
  }
  const parser = new Parser(tokenize(m[1]!), { value: payload, value_json: json });
  const expr = parser.cond();
  if (!parser.done()) throw new Error(`unparsed rest of template: ${template}`);
  return print(expr());
}
