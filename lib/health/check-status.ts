/**
 * HAProxy's check status table: what each status counts as and its default
 * description (HAProxy `check_statuses[]`). Pure.
 */
import type { CheckOutcome, CheckStatus, ProbeStage } from './types.js'

interface StatusInfo {
  readonly outcome: CheckOutcome
  readonly description: string
}

const STATUS: Readonly<Record<CheckStatus, StatusInfo>> = {
  UNK: { outcome: 'neutral', description: 'Unknown' },
  INI: { outcome: 'neutral', description: 'Initializing' },
  SOCKERR: { outcome: 'failed', description: 'Socket error' },
  L4OK: { outcome: 'passed', description: 'Layer4 check passed' },
  L4TOUT: { outcome: 'failed', description: 'Layer4 timeout' },
  L4CON: { outcome: 'failed', description: 'Layer4 connection problem' },
  L6OK: { outcome: 'passed', description: 'Layer6 check passed' },
  L6TOUT: { outcome: 'failed', description: 'Layer6 timeout' },
  L6RSP: { outcome: 'failed', description: 'Layer6 invalid response' },
  L7OK: { outcome: 'passed', description: 'Layer7 check passed' },
  L7OKC: { outcome: 'conditional', description: 'Layer7 check conditionally passed' },
  L7TOUT: { outcome: 'failed', description: 'Layer7 timeout' },
  L7RSP: { outcome: 'failed', description: 'Layer7 invalid response' },
  L7STS: { outcome: 'failed', description: 'Layer7 wrong status' },
  HANA: { outcome: 'failed', description: 'Health analyze' },
  CHECKED: { outcome: 'neutral', description: 'No status change' },
}

/** How `status` counts for the health counter (HAProxy `CHK_RES_*`). */
export function outcomeOf(status: CheckStatus): CheckOutcome {
  return STATUS[status].outcome
}

/** HAProxy's description of `status` (e.g. `L4CON` → "Layer4 connection problem"). */
export function describeStatus(status: CheckStatus): string {
  return STATUS[status].description
}

/** The status of a timeout at `stage`: L4TOUT, L6TOUT or L7TOUT. */
export function timeoutStatus(stage: ProbeStage): CheckStatus {
  return stage === 'connect' ? 'L4TOUT' : stage === 'handshake' ? 'L6TOUT' : 'L7TOUT'
}

/** The status of a connection error at `stage`: L4CON, L6RSP or L7RSP. */
export function errorStatus(stage: ProbeStage): CheckStatus {
  return stage === 'connect' ? 'L4CON' : stage === 'handshake' ? 'L6RSP' : 'L7RSP'
}
