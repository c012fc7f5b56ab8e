import { strict as assert } from "node:assert";
import {
  alarmSignal,
  decideFailover,
  type FailoverContext,
  type FailoverSignal,
  incidentExecutionName,
  orchestrate,
  type OrchestratorPorts,
  parseCriticalAlarms,
} from "../../handlers/failover-orchestrator";
import { AT, delivery } from "../fixtures/failover";

const CONTEXT: FailoverContext = {
  region: "us-west-2",
  peerRegion: "us-east-1",
  activeRegion: "us-east-1",
  runbookRunning: false,
  criticalAlarms: [
    { name: "acmepay-prod-region-impaired-use1", region: "us-east-1" },
    { name: "acmepay-prod-peer-down-usw2", region: "us-west-2" },
  ],
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
      "a critical alarm's name raised in another region",
      { ...CRITICAL, region: "us-west-2" },
      {},
      "alarm acmepay-prod-region-impaired-use1 is in us-west-2, not where it is raised (us-east-1)",
    ],
    [
      "this region's peer-down while this region writes",
      { ...CRITICAL, alarmName: "acmepay-prod-peer-down-usw2", region: "us-west-2" },
      { activeRegion: "us-west-2" },
      "us-west-2 already takes the writes",
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
      "a critical alarm moments after the writes moved (a returning region's missing data)",
      CRITICAL,
      { activeRegionChangedAt: new Date(Date.parse(CRITICAL.at) - 8_000).toISOString() },
      "alarm acmepay-prod-region-impaired-use1 came 8 s after the active-region flag last changed (within the 900 s incident window): moving the writes again by itself would be a failover storm; an operator decides",
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
    // The flag last changed a window and a second before: the alarm is a new incident.
    const settled = new Date(Date.parse(AT) - 901_000).toISOString();
    assert.deepEqual(decideFailover(CRITICAL, { ...CONTEXT, activeRegionChangedAt: settled }), {
      start: true,
      executionName: incidentExecutionName("us-west-2", AT, 900),
      input: {
        mode: "unplanned",
        targetRegion: "us-west-2",
        reason: "critical alarm acmepay-prod-region-impaired-use1 in us-east-1",
      },
    });
  });

  it("starts an unplanned failover on this region's peer-down (the peer seen from outside)", () => {
    const peerDown: FailoverSignal = {
      ...CRITICAL,
      alarmName: "acmepay-prod-peer-down-usw2",
      region: "us-west-2",
    };
    assert.deepEqual(decideFailover(peerDown, CONTEXT), {
      start: true,
      executionName: incidentExecutionName("us-west-2", AT, 900),
      input: {
        mode: "unplanned",
        targetRegion: "us-west-2",
        reason: "critical alarm acmepay-prod-peer-down-usw2 in us-west-2",
      },
    });
  });

  it("reads CRITICAL_ALARMS as name@region pairs", () => {
    assert.deepEqual(parseCriticalAlarms("a-use1@us-east-1,b-usw2@us-west-2"), [
      { name: "a-use1", region: "us-east-1" },
      { name: "b-usw2", region: "us-west-2" },
    ]);
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

describe("failover orchestrator", () => {
  const { activeRegion, runbookRunning, ...settings } = CONTEXT;
  void activeRegion;
  void runbookRunning;
  const world = () => {
    const started: [string, string][] = [];
    const names = new Set<string>();
    const ports: OrchestratorPorts & {
      running: boolean;
      active: string;
      changedAt?: string;
      peerUp: boolean;
      probes: number;
    } = {
      running: false,
      active: "us-east-1",
      peerUp: false,
      probes: 0,
      activeRegion: async () => ({
        region: ports.active,
        ...(ports.changedAt === undefined ? {} : { changedAt: ports.changedAt }),
      }),
      runbookRunning: async () => ports.running,
      peerAnswers: async () => {
        ports.probes += 1;
        return ports.peerUp;
      },
      start: async (name, input) => {
        started.push([name, input]);
        if (names.has(name)) {
          return false;
        }
        names.add(name);
        return true;
      },
    };
    return { ports, started };
  };
  const NOW = new Date(AT);

  it("starts one unplanned runbook for a critical alarm, and none for its repeat in the window", async () => {
    const { ports, started } = world();
    const first = await orchestrate(delivery(CRITICAL.alarmName, "ALARM"), settings, ports, NOW);
    const again = await orchestrate(delivery(CRITICAL.alarmName, "ALARM"), settings, ports, NOW);
    assert.equal(first.decisions[0].start && first.decisions[0].started, true);
    assert.equal(again.decisions[0].start && again.decisions[0].started, false);
    assert.deepEqual(JSON.parse(started[0][1]), {
      mode: "unplanned",
      targetRegion: "us-west-2",
      reason: "critical alarm acmepay-prod-region-impaired-use1 in us-east-1",
    });
  });

  describe("this region's peer-down is confirmed by the orchestrator's own probe of the peer", () => {
    const PEER_DOWN = "acmepay-prod-peer-down-usw2";
    for (const [peerUp, starts] of [
      [false, true],
      [true, false],
    ] as const) {
      it(`the peer ${peerUp ? "answers 200: no failover (a silent watch is not an outage)" : "does not answer: unplanned failover"}`, async () => {
        const { ports, started } = world();
        ports.peerUp = peerUp;
        const result = await orchestrate(
          delivery(PEER_DOWN, "ALARM", "us-west-2"),
          settings,
          ports,
          NOW,
        );
        assert.equal(ports.probes, 1);
        assert.equal(result.decisions[0].start, starts);
        assert.equal(started.length, starts ? 1 : 0);
        if (!starts) {
          assert.deepEqual(result.decisions[0], {
            start: false,
            reason: `alarm ${PEER_DOWN} is not confirmed: us-east-1 answers its health check`,
          });
        }
      });
    }

    it("the other region's own alarm needs no probe (it comes from there)", async () => {
      const { ports } = world();
      await orchestrate(delivery(CRITICAL.alarmName, "ALARM"), settings, ports, NOW);
      assert.equal(ports.probes, 0);
    });
  });

  it("starts nothing in dev on an alarm, but does on an operator's call", async () => {
    const { ports, started } = world();
    const dev = { ...settings, automaticWriteFailover: false };
    const alarm = await orchestrate(delivery(CRITICAL.alarmName, "ALARM"), dev, ports, NOW);
    assert.equal(alarm.decisions[0].start, false);
    assert.equal(started.length, 0);
    const manual = await orchestrate({ mode: "planned", reason: "drill" }, dev, ports, NOW);
    assert.equal(manual.decisions[0].start, true);
    assert.equal(started.length, 1);
  });

  it("never starts a second runbook while one runs", async () => {
    const { ports, started } = world();
    ports.running = true;
    const result = await orchestrate({ mode: "unplanned", reason: "x" }, settings, ports, NOW);
    assert.deepEqual(result.decisions, [
      { start: false, reason: "a failover runbook is already running" },
    ]);
    assert.equal(started.length, 0);
  });

  it("refuses a malformed manual trigger with a message, starting nothing", async () => {
    const { ports, started } = world();
    for (const [event, problem] of [
      [
        { mode: "sideways", reason: "x" },
        'a manual trigger needs "mode": "planned" or "unplanned", not "sideways"',
      ],
      [{ mode: "planned" }, 'a manual trigger needs a non-empty "reason"'],
      [{ mode: "planned", reason: "  " }, 'a manual trigger needs a non-empty "reason"'],
    ] as const) {
      const result = await orchestrate(event, settings, ports, NOW);
      assert.deepEqual(result, { decisions: [], problems: [problem] });
    }
    assert.equal(started.length, 0);
  });
});
