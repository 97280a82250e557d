/**
 * The state of one request going through the rules (HAProxy's `txn`): the
 * request view, what the rules decided so far, the header edits, the tracked
 * stick-table entries, and during response rules the response status and
 * headers. The same object is the {@link RequestVerdict} handed to the HTTP
 * layer, so evaluating a request allocates one object (plus header edit
 * lists when header rules fire).
 */
import type { StickEntry } from './stick-table.js'
import type { PersistRuleResult, RequestVerdict, RuleRequest, VerdictAction } from './types.js'

/** Per-request rule state; fields are written by the compiled rules of this folder only. */
export class Txn implements RequestVerdict {
  readonly request: RuleRequest
  /** Evaluation time in ms (counters are read and updated at this time). */
  now: number
  source: string
  url: string
  /** Index of `?` in `url`, or its length. */
  pathEnd: number
  action: VerdictAction = 'continue'
  status = 0
  body: string | undefined = undefined
  contentType: string | undefined = undefined
  replyHeaders: string[] | undefined = undefined
  delay = 0
  backend: string | undefined = undefined
  priorityClass: number | undefined = undefined
  priorityOffset: number | undefined = undefined
  persist: PersistRuleResult | undefined = undefined
  urlChanged = false
  /** Header names whose client lines are removed. */
  drop: string[] | undefined = undefined
  /** Header lines added, flat `[name, value, …]`. */
  append: string[] | undefined = undefined

  get dropHeaders(): readonly string[] | undefined {
    return this.drop
  }

  get addHeaders(): readonly string[] | undefined {
    return this.append
  }
  sc0: StickEntry | undefined = undefined
  sc1: StickEntry | undefined = undefined
  sc2: StickEntry | undefined = undefined
  /** `end()` was called. */
  ended = false
  /** Response phase: the status and the flat header list being edited in place. */
  resStatus = 0
  resHeaders: string[] | undefined = undefined
  statusReason: string | undefined = undefined

  constructor(request: RuleRequest, source: string, now: number) {
    this.request = request
    this.source = source
    this.now = now
    const url = request.url
    this.url = url
    const q = url.indexOf('?')
    this.pathEnd = q < 0 ? url.length : q
  }

  get headersChanged(): boolean {
    return this.drop !== undefined || this.append !== undefined
  }

  /** The path (target before `?`). */
  get path(): string {
    return this.pathEnd === this.url.length ? this.url : this.url.slice(0, this.pathEnd)
  }

  /** The query string without `?`, or `undefined` when the target has none. */
  get query(): string | undefined {
    return this.pathEnd === this.url.length ? undefined : this.url.slice(this.pathEnd + 1)
  }

  /** Replaces the path, keeping the query string. */
  setPath(path: string): void {
    this.url = path + this.url.slice(this.pathEnd)
    this.pathEnd = path.length
    this.urlChanged = true
  }

  /** Records `set-header`: client lines and earlier additions of `name` go, one line is added. */
  setHeader(name: string, value: string): void {
    this.delHeader(name)
    ;(this.append ??= []).push(name, value)
  }

  /** Records `add-header`. */
  addHeader(name: string, value: string): void {
    ;(this.append ??= []).push(name, value)
  }

  /** Records `del-header`: client lines and earlier additions of `name` go. */
  delHeader(name: string): void {
    const drop = (this.drop ??= [])
    if (!drop.includes(name)) drop.push(name)
    const append = this.append
    if (append !== undefined) removeLines(append, name)
  }
}

/** Removes every `name` line from a flat `[name, value, …]` list, in place, keeping order. */
export function removeLines(list: string[], name: string): void {
  let w = 0
  for (let r = 0; r < list.length; r += 2) {
    if (list[r] === name) continue
    list[w] = list[r]!
    list[w + 1] = list[r + 1]!
    w += 2
  }
  // Setting an array's length is slow; most calls remove nothing.
  if (w !== list.length) list.length = w
}
