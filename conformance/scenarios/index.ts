/** Every conformance scenario, in run order. */
import type { Scenario } from '../harness/scenario.js'
import { algorithmScenarios } from './algorithms.js'
import { cookieScenarios } from './cookies.js'

export const scenarios: readonly Scenario[] = [...algorithmScenarios, ...cookieScenarios]
