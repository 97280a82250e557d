/**
 * HAProxy's ACL syntax, parsed into the same {@link Condition} objects the
 * API takes: `acl <name> <criterion> [flags] [operator] <values…>` lines and
 * `if`/`unless` conditions (`!`, `||`/`or`, implicit AND binding tighter,
 * `{ anonymous acl }`).
 *
 * Criteria: `src`; `path`, `path_beg|end|sub|reg|dom`; `url`, `url_beg|end|sub|reg|dom`;
 * `hdr(<name>)` / `req.hdr(<name>)`, `hdr_beg|end|sub|reg|dom(<name>)`, `req.fhdr(<name>)`,
 * `hdr_cnt(<name>)`; `method`; `url_param(<name>)` / `urlp(<name>)` (and `_beg` … `_dom`);
 * `req.cook(<name>)` / `cook(<name>)` (and `_beg` … `_dom`); `nbsrv(<backend>)`;
 * `sc_<counter>(<slot>)` / `sc<slot>_<counter>` for `conn_cur`, `http_req_cnt`,
 * `http_req_rate`, `http_err_cnt`, `http_err_rate`; `ssl_fc`; in response rules
 * `status` and `res.hdr(<name>)` / `shdr(<name>)` / `res.fhdr(<name>)`.
 * Flags: `-i`, `-m str|beg|end|sub|reg|dom|found`, `-n`, `--`. Integer
 * criteria take `eq|lt|le|gt|ge <n>` or values `n`, `a:b`, `:b`, `a:`.
 */
import { cfgError } from './cfg-words.js'
import { counterFetch, parseFetchCall, type FetchCall } from './format.js'
import type { Condition, CounterSlot, IntCompare, StringMatch } from './types.js'

/** A parsed `acl` line. */
export interface ParsedAcl {
  readonly name: string
  readonly condition: Condition
}

type StringOp = StringMatch['op'] | 'found'

const METHOD_FLAGS: Readonly<Record<string, StringOp>> = { str: 'exact', beg: 'prefix', end: 'suffix', sub: 'substring', reg: 'regex', dom: 'domain', found: 'found' }
const SUFFIX_OPS: Readonly<Record<string, StringOp>> = { beg: 'prefix', end: 'suffix', sub: 'substring', reg: 'regex', dom: 'domain' }
const INT_OPS = new Set(['eq', 'lt', 'le', 'gt', 'ge'])

/** How a fetch is matched and which condition it builds. */
type FetchSpec =
  | { readonly type: 'str'; readonly op: StringOp; readonly leaf: (match: StringMatch | undefined) => Condition }
  | { readonly type: 'int'; readonly leaf: (compare: IntCompare) => Condition; readonly found: Condition }
  | { readonly type: 'ip' | 'meth' | 'bool' }

/** `name` or `name_<suffix>` with a known suffix: the base name and its default operator. */
function splitSuffix(name: string): { base: string; op: StringOp } {
  const m = /^(.*)_(beg|end|sub|reg|dom)$/.exec(name)
  return m === null ? { base: name, op: 'exact' } : { base: m[1]!, op: SUFFIX_OPS[m[2]!]! }
}

function argument(call: FetchCall, fetch: string, where: string | undefined): string {
  const arg = call.args[0]
  if (arg === undefined || arg === '') throw cfgError(`\`${call.name}\` needs an argument in \`${fetch}\``, fetch, where)
  return arg
}

function fetchSpec(fetch: string, where: string | undefined): FetchSpec {
  const call = parseFetchCall(fetch)
  if (call === undefined) throw cfgError(`unsupported ACL criterion \`${fetch}\` (converters are not supported)`, fetch, where)
  const counter = counterFetch(call)
  if (counter !== undefined) {
    const slot = counter.slot as CounterSlot
    return {
      type: 'int',
      leaf: (compare) => ({ kind: 'counter', slot, counter: counter.counter, compare }),
      // "found" means the slot is tracked: every counter reads ≥ 0 then.
      found: { kind: 'counter', slot, counter: counter.counter, compare: { op: 'ge', value: 0 } },
    }
  }
  switch (call.name) {
    case 'src':
      return { type: 'ip' }
    case 'method':
      return { type: 'meth' }
    case 'ssl_fc':
      return { type: 'bool' }
    case 'hdr_cnt':
    case 'req.hdr_cnt': {
      const name = argument(call, fetch, where)
      return { type: 'int', leaf: (compare) => ({ kind: 'header-count', name, compare }), found: { kind: 'always' } }
    }
    case 'nbsrv': {
      const backend = argument(call, fetch, where)
      return { type: 'int', leaf: (compare) => ({ kind: 'nbsrv', backend, compare }), found: { kind: 'always' } }
    }
    case 'status':
      return { type: 'int', leaf: (compare) => ({ kind: 'status', compare }), found: { kind: 'status', compare: { op: 'ge', value: 0 } } }
    case 'req.fhdr':
    case 'res.fhdr':
    case 'req.hdr':
    case 'res.hdr':
    case 'shdr': {
      const name = argument(call, fetch, where)
      const full = call.name.endsWith('fhdr')
      const kind = call.name.startsWith('req') ? 'header' : 'response-header'
      return { type: 'str', op: 'exact', leaf: (match) => ({ kind, name, match, full }) }
    }
  }
  const { base, op } = splitSuffix(call.name)
  switch (base) {
    case 'path':
    case 'url': {
      const kind = base
      return { type: 'str', op, leaf: (match) => (match === undefined ? { kind: 'always' } : { kind, match }) }
    }
    case 'hdr': {
      const name = argument(call, fetch, where)
      return { type: 'str', op, leaf: (match) => ({ kind: 'header', name, match }) }
    }
    case 'url_param':
    case 'urlp': {
      const name = argument(call, fetch, where)
      return { type: 'str', op, leaf: (match) => ({ kind: 'param', name, match }) }
    }
    case 'req.cook':
    case 'cook': {
      const name = argument(call, fetch, where)
      return { type: 'str', op, leaf: (match) => ({ kind: 'cookie', name, match }) }
    }
  }
  throw cfgError(`unsupported ACL criterion \`${fetch}\``, fetch, where)
}

/** Integer pattern values: an operator and one value, or values and ranges (any may match). */
function intCompares(values: readonly string[], fetch: string, where: string | undefined): IntCompare[] {
  const int = (text: string | undefined): number => {
    if (text === undefined || !/^\d+$/.test(text)) throw cfgError(`expected an integer for \`${fetch}\`, got \`${String(text)}\``, text, where)
    return Number(text)
  }
  const first = values[0]!
  if (INT_OPS.has(first)) {
    if (values.length < 2) throw cfgError(`\`${first}\` needs a value for \`${fetch}\``, first, where)
    return values.slice(1).map((v) => ({ op: first as 'eq', value: int(v) }))
  }
  return values.map((v) => {
    const colon = v.indexOf(':')
    if (colon < 0) return { op: 'eq', value: int(v) }
    const lo = v.slice(0, colon)
    const hi = v.slice(colon + 1)
    return { op: 'range', min: lo === '' ? undefined : int(lo), max: hi === '' ? undefined : int(hi) }
  })
}

/**
 * Parses a criterion: the fetch, flags and values of an `acl` line after its
 * name, or the inside of `{ … }`.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION naming the offending word:
 *   unknown criteria or flags, `-f` pattern files, bad integers, a matching
 *   method the criterion does not support.
 */
export function parseCriterion(words: readonly string[], where?: string, warnings?: string[]): Condition {
  const fetch = words[0]
  if (fetch === undefined) throw cfgError('missing ACL criterion', '', where)
  const spec = fetchSpec(fetch, where)
  let ignoreCase = false
  let method: string | undefined
  let i = 1
  for (; i < words.length; i++) {
    const w = words[i]!
    if (!w.startsWith('-')) break
    if (w === '--') {
      i++
      break
    }
    if (w === '-i') ignoreCase = true
    else if (w === '-n') continue
    else if (w === '-m') {
      method = words[++i]
      if (method === undefined) throw cfgError(`\`-m\` needs a matching method in \`${words.join(' ')}\``, w, where)
    } else if (w === '-f' || w === '-M' || w === '-u') {
      throw cfgError(`\`${w}\` is not supported (give the patterns inline or through the API)`, w, where)
    } else {
      throw cfgError(`unknown ACL flag \`${w}\``, w, where)
    }
  }
  const values = words.slice(i)
  const text = words.join(' ')
  const never = (): Condition => {
    warnings?.push(`${where === undefined ? '' : `${where}: `}\`${text}\` has no pattern and never matches (use \`-m found\` to test presence)`)
    return { kind: 'never' }
  }
  if (method !== undefined && method !== 'found' && spec.type !== 'str' && !(method === 'int' && spec.type === 'int') && !(method === 'ip' && spec.type === 'ip')) {
    throw cfgError(`matching method \`-m ${method}\` does not apply to \`${fetch}\``, method, where)
  }
  switch (spec.type) {
    case 'ip':
      if (method === 'found') return { kind: 'always' }
      return values.length === 0 ? never() : { kind: 'src', networks: values }
    case 'meth':
      if (method === 'found') return { kind: 'always' }
      return values.length === 0 ? never() : { kind: 'method', methods: values, ignoreCase }
    case 'bool':
      if (values.length > 0) throw cfgError(`\`${fetch}\` is a boolean and takes no pattern`, values[0], where)
      return { kind: 'secure' }
    case 'int': {
      if (method === 'found') return spec.found
      if (values.length === 0) return never()
      const compares = intCompares(values, fetch, where)
      return compares.length === 1 ? spec.leaf(compares[0]!) : { kind: 'or', any: compares.map((c) => spec.leaf(c)) }
    }
    case 'str': {
      const op = method === undefined ? spec.op : METHOD_FLAGS[method]
      if (op === undefined) throw cfgError(`unknown matching method \`-m ${String(method)}\``, method, where)
      if (op === 'found') return spec.leaf(undefined)
      if (values.length === 0) return never()
      return spec.leaf({ op, values, ignoreCase })
    }
  }
}

/**
 * Parses the words after `acl`.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for a missing or invalid name, or an invalid criterion.
 */
export function parseAcl(words: readonly string[], where?: string, warnings?: string[]): ParsedAcl {
  const name = words[0]
  if (name === undefined || !/^[A-Za-z0-9_.:-]+$/.test(name)) throw cfgError(`invalid ACL name \`${String(name)}\``, name, where)
  return { name, condition: parseCriterion(words.slice(1), where, warnings) }
}

/**
 * Parses a condition (the words after `if` or `unless`): terms are ACL
 * names, `!name` / `! name` negations and `{ criterion }` anonymous ACLs;
 * consecutive terms are AND-ed, `||` or `or` separates OR-ed groups.
 * @throws {SwitchyardError} SWY_ERR_INVALID_OPTION for an empty condition or
 *   group, an unclosed `{`, a stray `}` or a dangling `!`.
 */
export function parseCondition(words: readonly string[], where?: string, warnings?: string[]): Condition {
  const text = words.join(' ')
  if (words.length === 0) throw cfgError('missing condition after if/unless', text, where)
  const groups: Condition[][] = [[]]
  let negate = false
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!
    if (w === '||' || w === 'or') {
      if (negate || groups.at(-1)!.length === 0) throw cfgError(`misplaced \`${w}\` in \`${text}\``, w, where)
      groups.push([])
      continue
    }
    while (w.startsWith('!')) {
      negate = !negate
      w = w.slice(1)
    }
    if (w === '') continue
    let term: Condition
    if (w === '{') {
      const close = words.indexOf('}', i + 1)
      if (close < 0) throw cfgError(`unclosed \`{\` in \`${text}\``, text, where)
      term = parseCriterion(words.slice(i + 1, close), where, warnings)
      i = close
    } else if (w === '}') {
      throw cfgError(`stray \`}\` in \`${text}\``, text, where)
    } else {
      term = { kind: 'acl', name: w }
    }
    groups.at(-1)!.push(negate ? { kind: 'not', condition: term } : term)
    negate = false
  }
  if (negate || groups.at(-1)!.length === 0) throw cfgError(`condition \`${text}\` ends early`, text, where)
  const ors = groups.map((g): Condition => (g.length === 1 ? g[0]! : { kind: 'and', all: g }))
  return ors.length === 1 ? ors[0]! : { kind: 'or', any: ors }
}

/** HAProxy's predefined ACLs that apply here; user ACLs of the same name win. */
export const PREDEFINED_ACLS: Readonly<Record<string, Condition>> = {
  TRUE: { kind: 'always' },
  FALSE: { kind: 'never' },
  HTTP: { kind: 'always' },
  LOCALHOST: { kind: 'src', networks: ['127.0.0.1/8', '::1'] },
  HTTP_URL_ABS: { kind: 'url', match: { op: 'regex', values: '^[^/:]*://' } },
  HTTP_URL_SLASH: { kind: 'url', match: { op: 'prefix', values: '/' } },
  HTTP_URL_STAR: { kind: 'url', match: { op: 'exact', values: '*' } },
  METH_CONNECT: { kind: 'method', methods: 'CONNECT' },
  METH_DELETE: { kind: 'method', methods: 'DELETE' },
  METH_GET: { kind: 'method', methods: ['GET', 'HEAD'] },
  METH_HEAD: { kind: 'method', methods: 'HEAD' },
  METH_OPTIONS: { kind: 'method', methods: 'OPTIONS' },
  METH_POST: { kind: 'method', methods: 'POST' },
  METH_PUT: { kind: 'method', methods: 'PUT' },
  METH_TRACE: { kind: 'method', methods: 'TRACE' },
}
