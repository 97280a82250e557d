/**
 * Type-only vocabulary of frontend routing: HAProxy's `use_backend <name> if
 * <acl>` rules and `default_backend`, over any backend type.
 */
import type { IncomingHttpHeaders } from 'node:http'

/** What a rule may look at: an `IncomingMessage` fits. */
export interface RouteRequest {
  readonly method?: string | undefined
  /** Request target as received (origin-form, or absolute-form). */
  readonly url?: string | undefined
  /** Lower-case header names, as Node gives them. */
  readonly headers: IncomingHttpHeaders
}

/** A header condition: present (no `value`), equal (string, case-sensitive), or matching (RegExp). HAProxy: `hdr(<name>)`, `hdr_reg`. */
export interface HeaderCondition {
  readonly name: string
  readonly value?: string | RegExp | undefined
}

/**
 * A condition; every field given must hold (AND), like several ACLs on one
 * `if`. An empty condition always holds.
 */
export interface RouteCondition {
  /** The path (before `?`) starts with this string, as HAProxy `path_beg` (`/api` also matches `/apiv2`); an array matches any. */
  readonly pathPrefix?: string | readonly string[] | undefined
  /** The Host header, lower-cased, without port and trailing dot, equals one of these (HAProxy `hdr(host)` with `-i`). */
  readonly host?: string | readonly string[] | undefined
  /** A header condition; an array requires all. */
  readonly header?: HeaderCondition | readonly HeaderCondition[] | undefined
  /** The method equals one of these (upper case). HAProxy: `method`. */
  readonly method?: string | readonly string[] | undefined
  /** Any other test; a throw is treated as a failed request (500), never a crash. */
  readonly predicate?: ((request: RouteRequest) => boolean) | undefined
}

/** One `use_backend` rule: first match wins. */
export interface RouteRule<B> {
  readonly backend: B
  /** The rule applies when this holds. @default always */
  readonly if?: RouteCondition | undefined
  /** The rule applies unless this holds (both `if` and `unless` may be given). */
  readonly unless?: RouteCondition | undefined
}

/** Routing table: rules in order, then the default backend. */
export interface RouterOptions<B> {
  readonly rules?: readonly RouteRule<B>[] | undefined
  /** HAProxy `default_backend`; without it, unmatched requests get 503 (or `next()` in middleware). */
  readonly defaultBackend?: B | undefined
}

/** Chooses a backend for a request. */
export interface Router<B> {
  /** The first matching rule's backend, else the default, else `undefined`. May throw when a predicate throws. */
  route(request: RouteRequest): B | undefined
  /** Every backend named by a rule or the default, without duplicates, in order. */
  readonly backends: readonly B[]
}
