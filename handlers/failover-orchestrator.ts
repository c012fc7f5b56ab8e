/**
 * The failover orchestrator's decision core: given a signal (a CloudWatch alarm state change from
 * the other region, or an operator's manual trigger) and what is known of the world (which
 * region writes, whether a runbook is running, the stack's rules), decide whether this region
 * starts the failover runbook to take over the write path, and under which execution name.
 *
 * Rules: only a critical alarm entering ALARM counts (the other region's region-impaired, or this
 * region's peer-down, which sees the other region from outside); only the active writer can be
 * failed away from, and only by the other region; automatic write failover only where the stack enables it
 * (dev does not, unless configured); a manual trigger always may; never two runbooks at once; one
 * execution per incident window (the deterministic name makes a repeated start a no-op).
 *
 * Pure, over ports; the AWS shell that wires them is ./failover-orchestrator.lambda.
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
  /**
   * When the flag last changed (SSM GetParameter's `LastModifiedDate`:
   * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Parameter.html), if known.
   * The writes moved then (a runbook, a fence, a returning region fencing itself): an alarm within
   * the incident window after it must not move them again by itself, or a region that has just
   * returned (its alarms breaching on the data its outage left missing) takes the writes back,
   * and the other takes them again: a failover storm. An operator decides instead.
   */
  readonly activeRegionChangedAt?: string;
  /** A runbook execution is running in either region. */
  readonly runbookRunning: boolean;
  /**
   * For an alarm raised here about the other region (peer-down): whether the other region's
   * `/health` answers 200 when the orchestrator asks it itself. A watch that stopped reporting
   * (missing data is breaching) must not fail a healthy region over with data loss.
   */
  readonly peerAnswers?: boolean;
  /** Alarms that justify a write failover on their own, each with the region that raises it. */
  readonly criticalAlarms: readonly CriticalAlarm[];
  /** Whether a critical alarm may start the runbook without a person (off in dev by default). */
  readonly automaticWriteFailover: boolean;
  /** Signals within one window belong to one incident, and one execution. */
  readonly incidentWindowSeconds: number;
}

export interface CriticalAlarm {
  readonly name: string;
  readonly region: string;
}

/** `name@region,name@region` (the orchestrator's CRITICAL_ALARMS) as critical alarms. */
export function parseCriticalAlarms(text: string): CriticalAlarm[] {
  return text
    .split(",")
    .filter((entry) => entry !== "")
    .map((entry) => {
      const at = entry.lastIndexOf("@");
      return { name: entry.slice(0, at), region: entry.slice(at + 1) };
    });
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
    // The other region's own verdict is raised there; this region's view of it (the peer
    // watch's peer-down) here. A critical alarm counts only from the region that raises it.
    const critical = context.criticalAlarms.filter((a) => a.name === signal.alarmName);
    if (critical.length === 0) {
      return ignore(`alarm ${signal.alarmName} is not critical`);
    }
    if (!critical.some((a) => a.region === signal.region)) {
      return ignore(
        `alarm ${signal.alarmName} is in ${signal.region}, not where it is raised (${critical.map((a) => a.region).join(", ")})`,
      );
    }
    if (signal.region === context.region && context.peerAnswers === true) {
      return ignore(
        `alarm ${signal.alarmName} is not confirmed: ${context.peerRegion} answers its health check`,
      );
    }
    if (!context.automaticWriteFailover) {
      return ignore(
        `alarm ${signal.alarmName} is critical, but automatic write failover is off: an operator decides`,
      );
    }
    if (context.activeRegionChangedAt !== undefined) {
      const ageSeconds = (Date.parse(signal.at) - Date.parse(context.activeRegionChangedAt)) / 1000;
      if (ageSeconds < context.incidentWindowSeconds) {
        return ignore(
          `alarm ${signal.alarmName} came ${Math.max(0, Math.round(ageSeconds))} s after the active-region flag last changed (within the ${context.incidentWindowSeconds} s incident window): moving the writes again by itself would be a failover storm; an operator decides`,
        );
      }
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

/** A manual trigger: `aws lambda invoke` with `{ "mode": "planned", "reason": "..." }`. */
export interface ManualTrigger {
  readonly mode?: unknown;
  readonly reason?: unknown;
}

/** SNS delivering a CloudWatch alarm notification from the other region's alarms topic. */
export interface SnsDelivery {
  readonly Records: readonly { readonly Sns: { readonly Message: string } }[];
}

/** The signals an invocation carries, or why it carries none. */
export function signalsOf(
  event: SnsDelivery | ManualTrigger,
  now: Date,
): { readonly signals: FailoverSignal[]; readonly problems: string[] } {
  if ("Records" in event && Array.isArray(event.Records)) {
    const signals: FailoverSignal[] = [];
    const problems: string[] = [];
    for (const record of event.Records) {
      const signal = alarmSignal(record.Sns.Message);
      if ("problem" in signal) {
        problems.push(signal.problem);
      } else {
        signals.push(signal);
      }
    }
    return { signals, problems };
  }
  const manual = event as ManualTrigger;
  if (manual.mode !== "planned" && manual.mode !== "unplanned") {
    return {
      signals: [],
      problems: [
        `a manual trigger needs "mode": "planned" or "unplanned", not ${JSON.stringify(manual.mode)}`,
      ],
    };
  }
  if (typeof manual.reason !== "string" || manual.reason.trim() === "") {
    return { signals: [], problems: ['a manual trigger needs a non-empty "reason"'] };
  }
  return {
    signals: [{ kind: "manual", mode: manual.mode, reason: manual.reason, at: now.toISOString() }],
    problems: [],
  };
}

export interface OrchestratorPorts {
  /** The active-region flag as this region reads it now, and when it last changed if known. */
  readonly activeRegion: () => Promise<{ readonly region: string; readonly changedAt?: string }>;
  /** Whether a runbook runs in either region (an unreachable peer counts as not running). */
  readonly runbookRunning: () => Promise<boolean>;
  /** Starts the runbook; false when an execution of that name exists (this incident's run). */
  readonly start: (name: string, input: string) => Promise<boolean>;
  /** Whether the other region's `/health` answers 200 now (false when it does not answer). */
  readonly peerAnswers: () => Promise<boolean>;
}

export interface OrchestratorResult {
  readonly decisions: readonly (FailoverDecision & { readonly started?: boolean })[];
  readonly problems: readonly string[];
}

/** Decides on each signal and starts the runbook when the decision says so. */
export async function orchestrate(
  event: SnsDelivery | ManualTrigger,
  settings: Omit<
    FailoverContext,
    "activeRegion" | "activeRegionChangedAt" | "runbookRunning" | "peerAnswers"
  >,
  ports: OrchestratorPorts,
  now: Date,
): Promise<OrchestratorResult> {
  const { signals, problems } = signalsOf(event, now);
  const decisions: (FailoverDecision & { started?: boolean })[] = [];
  for (const signal of signals) {
    const [flag, runbookRunning] = await Promise.all([
      ports.activeRegion(),
      ports.runbookRunning(),
    ]);
    // Confirm a peer-down raised here with a probe of this orchestrator's own.
    const peerAnswers =
      signal.kind === "alarm" && signal.region === settings.region && signal.newState === "ALARM"
        ? await ports.peerAnswers()
        : undefined;
    const decision = decideFailover(signal, {
      ...settings,
      activeRegion: flag.region,
      ...(flag.changedAt === undefined ? {} : { activeRegionChangedAt: flag.changedAt }),
      runbookRunning,
      ...(peerAnswers === undefined ? {} : { peerAnswers }),
    });
    if (decision.start) {
      const started = await ports.start(decision.executionName, JSON.stringify(decision.input));
      decisions.push({ ...decision, started });
    } else {
      decisions.push(decision);
    }
  }
  return { decisions, problems };
}
