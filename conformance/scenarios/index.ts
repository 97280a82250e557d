/** Every conformance scenario, in run order. */
import type { Scenario } from '../harness/scenario.js'
import { algorithmScenarios } from './algorithms.js'
import { cookieScenarios } from './cookies.js'
import { healthScenarios } from './health.js'
import { proxyingScenarios } from './proxying.js'
import { queueScenarios } from './queueing.js'
import { routingScenarios } from './routing.js'
import { tcpScenarios } from './tcp.js'

export const scenarios: readonly Scenario[] = [...algorithmScenarios, ...cookieScenarios, ...queueScenarios, ...healthScenarios, ...proxyingScenarios, ...routingScenarios, ...tcpScenarios]
