import { strict as assert } from "node:assert";
import {
  alarmSignal,
  decideFailover,
  type FailoverContext,
  type FailoverSignal,
  incidentExecutionName,
} from "../../handlers/failover-orchestrator";

const AT = "2026-11-21T10:00:00.000Z";
const CONTEXT: FailoverContext = {
  region: "us-west-2",
  peerRegion: "us-east-1",
  activeRegion: "us-east-1",
  runbookRunning: false,
  criticalAlarms: ["acmepay-prod-region-impaired-use1"],
  automaticWriteFailover: true,
  incidentWindowSeconds: 900,
};
const CRITICAL: FailoverSignal = {
  kind: "alarm",
  alarmName: "acmepay-prod-region-impaired-use1",
  newState: "ALARM",
  region: "us-east-1",
  at: AT,
};
const MANUAL: FailoverSignal = { kind: "manual", mode: "planned", reason: "drill", at: AT };

describe("failover orchestrator core", () => {
  const ignored: [string, FailoverSignal, Partial<FailoverContext>, string][] = [
    [
      "an alarm returning to OK",
      { ...CRITICAL, newState: "OK" },
      {},
      "alarm acmepay-prod-region-impaired-use1 went to OK, not ALARM",
    ],
    [
      "a non-critical alarm",
      { ...CRITICAL, alarmName: "acmepay-prod-api-p99-use1" },
      {},
      "alarm acmepay-prod-api-p99-use1 is not critical",
    ],
    [
      "an alarm of this region",
      { ...CRITICAL, region: "us-west-2" },
      {},
      "alarm acmepay-prod-region-impaired-use1 is in us-west-2, not the active region",
    ],
    [
      "a signal when this region already writes",
      CRITICAL,
      { activeRegion: "us-west-2" },
      "us-west-2 already takes the writes",
    ],
    [
      "a flag naming a third region",
      CRITICAL,
      { activeRegion: "eu-west-1" },
      "the active-region flag names eu-west-1, neither us-west-2 nor us-east-1",
    ],
    [
      "a critical alarm where automatic failover is off (dev)",
      CRITICAL,
      { automaticWriteFailover: false },
      "alarm acmepay-prod-region-impaired-use1 is critical, but automatic write failover is off: an operator decides",
    ],
    [
      "a critical alarm while a runbook runs",
      CRITICAL,
      { runbookRunning: true },
      "a failover runbook is already running",
    ],
    [
      "a manual trigger while a runbook runs",
      MANUAL,
      { runbookRunning: true },
      "a failover runbook is already running",
    ],
    [
      "a signal without a valid time",
      { ...MANUAL, at: "yesterday" },
      {},
      'the signal\'s time "yesterday" is not a date',
    ],
  ];
  for (const [what, signal, context, reason] of ignored) {
    it(`ignores ${what}`, () => {
      assert.deepEqual(decideFailover(signal, { ...CONTEXT, ...context }), {
        start: false,
        reason,
      });
    });
  }

  it("starts an unplanned failover to this region on a critical alarm of the active region", () => {
    assert.deepEqual(decideFailover(CRITICAL, CONTEXT), {
      start: true,
      executionName: incidentExecutionName("us-west-2", AT, 900),
      input: {
        mode: "unplanned",
        targetRegion: "us-west-2",
        reason: "critical alarm acmepay-prod-region-impaired-use1 in us-east-1",
      },
    });
  });

  it("starts what an operator asks, even where automatic failover is off", () => {
    assert.deepEqual(decideFailover(MANUAL, { ...CONTEXT, automaticWriteFailover: false }), {
      start: true,
      executionName: incidentExecutionName("us-west-2", AT, 900),
      input: { mode: "planned", targetRegion: "us-west-2", reason: "drill" },
    });
  });

  it("names one execution per incident window (debounce), a new one after it", () => {
    const at = (minutes: number) => new Date(Date.parse(AT) + minutes * 60_000).toISOString();
    assert.equal(
      incidentExecutionName("us-west-2", at(0), 900),
      incidentExecutionName("us-west-2", at(14), 900),
    );
    assert.notEqual(
      incidentExecutionName("us-west-2", at(0), 900),
      incidentExecutionName("us-west-2", at(15), 900),
    );
    assert.match(incidentExecutionName("us-west-2", AT, 900), /^failover-to-us-west-2-\d+$/);
  });

  it("reads a CloudWatch alarm notification, and refuses anything else", () => {
    const message = JSON.stringify({
      AlarmName: "acmepay-prod-region-impaired-use1",
      AlarmArn: "arn:aws:cloudwatch:us-east-1:418295077265:alarm:acmepay-prod-region-impaired-use1",
      NewStateValue: "ALARM",
      OldStateValue: "OK",
      StateChangeTime: AT,
    });
    assert.deepEqual(alarmSignal(message), CRITICAL);
    assert.deepEqual(alarmSignal("nope"), { problem: "the message is not JSON" });
    assert.deepEqual(alarmSignal('{"AlarmName":"x"}'), {
      problem: "the message is not a CloudWatch alarm notification",
    });
  });
});
