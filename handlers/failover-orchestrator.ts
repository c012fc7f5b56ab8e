/**
 * The failover orchestrator's decision core: given a signal (a CloudWatch alarm state change from
 * the other region, or an operator's manual trigger) and what is known of the world (which
 * region writes, whether a runbook is running, the stack's rules), decide whether this region
 * starts the failover runbook to take over the write path, and under which execution name.
 *
 * Rules: only a critical alarm entering ALARM counts; only the active writer can be failed away
 * from, and only by the other region; automatic write failover only where the stack enables it
 * (dev does not, unless configured); a manual trigger always may; never two runbooks at once; one
 * execution per incident window (the deterministic name makes a repeated start a no-op).
 */

export type FailoverMode = "planned" | "unplanned";

export type FailoverSignal =
  | {
      readonly kind: "alarm";
      readonly alarmName: string;
      readonly newState: string;
      /** The region whose alarm fired. */
      readonly region: string;
      readonly at: string;
    }
  | {
      readonly kind: "manual";
      readonly mode: FailoverMode;
      readonly reason: string;
      readonly at: string;
    };

export interface FailoverContext {
  /** The region this orchestrator runs in: the one that would take over. */
  readonly region: string;
  /** The other region of the stack. */
  readonly peerRegion: string;
  /** The region the active-region flag names. */
  readonly activeRegion: string;
  /** A runbook execution is running in either region. */
  readonly runbookRunning: boolean;
  /** Alarm names that justify a write failover on their own. */
  readonly criticalAlarms: readonly string[];
  /** Whether a critical alarm may start the runbook without a person (off in dev by default). */
  readonly automaticWriteFailover: boolean;
  /** Signals within one window belong to one incident, and one execution. */
  readonly incidentWindowSeconds: number;
}

export type FailoverDecision =
  | {
      readonly start: true;
      readonly executionName: string;
      readonly input: {
        readonly mode: FailoverMode;
        readonly targetRegion: string;
        readonly reason: string;
      };
    }
  | { readonly start: false; readonly reason: string };

const ignore = (reason: string): FailoverDecision => ({ start: false, reason });

/** One name per target region and incident window: Step Functions refuses a second start. */
export function incidentExecutionName(
  targetRegion: string,
  at: string,
  windowSeconds: number,
): string {
  const window = Math.floor(Date.parse(at) / 1000 / windowSeconds);
  return `failover-to-${targetRegion}-${window}`;
}

export function decideFailover(signal: FailoverSignal, context: FailoverContext): FailoverDecision {
  if (Number.isNaN(Date.parse(signal.at))) {
    return ignore(`the signal's time ${JSON.stringify(signal.at)} is not a date`);
  }
  if (context.activeRegion === context.region) {
    return ignore(`${context.region} already takes the writes`);
  }
  if (context.activeRegion !== context.peerRegion) {
    return ignore(
      `the active-region flag names ${context.activeRegion}, neither ${context.region} nor ${context.peerRegion}`,
    );
  }
  let mode: FailoverMode;
  let reason: string;
  if (signal.kind === "alarm") {
    if (signal.newState !== "ALARM") {
      return ignore(`alarm ${signal.alarmName} went to ${signal.newState}, not ALARM`);
    }
    if (signal.region !== context.peerRegion) {
      return ignore(`alarm ${signal.alarmName} is in ${signal.region}, not the active region`);
    }
    if (!context.criticalAlarms.includes(signal.alarmName)) {
      return ignore(`alarm ${signal.alarmName} is not critical`);
    }
    if (!context.automaticWriteFailover) {
      return ignore(
        `alarm ${signal.alarmName} is critical, but automatic write failover is off: an operator decides`,
      );
    }
    mode = "unplanned";
    reason = `critical alarm ${signal.alarmName} in ${signal.region}`;
  } else {
    mode = signal.mode;
    reason = signal.reason;
  }
  if (context.runbookRunning) {
    return ignore("a failover runbook is already running");
  }
  return {
    start: true,
    executionName: incidentExecutionName(context.region, signal.at, context.incidentWindowSeconds),
    input: { mode, targetRegion: context.region, reason },
  };
}

/** The signal in an SNS notification of a CloudWatch alarm, or why the message is not one. */
export function alarmSignal(message: string): FailoverSignal | { readonly problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return { problem: "the message is not JSON" };
  }
  const alarm = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  const arn = typeof alarm.AlarmArn === "string" ? alarm.AlarmArn : "";
  const region = arn.split(":")[3];
  if (
    typeof alarm.AlarmName !== "string" ||
    typeof alarm.NewStateValue !== "string" ||
    typeof alarm.StateChangeTime !== "string" ||
    region === undefined ||
    region === ""
  ) {
    return { problem: "the message is not a CloudWatch alarm notification" };
  }
  return {
    kind: "alarm",
    alarmName: alarm.AlarmName,
    newState: alarm.NewStateValue,
    region,
    at: alarm.StateChangeTime,
  };
}
