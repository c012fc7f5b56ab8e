import { strict as assert } from "node:assert";
import { type GameDayOutcome, type InvariantName, judge } from "../../tools/gameday/invariants";

/** A clean game day: three payments of three intents, two completed, one declined. */
const CLEAN: GameDayOutcome = {
  acknowledged: [
    { paymentId: "pay_a", intent: "order-1", at: 1 },
    { paymentId: "pay_b", intent: "order-2", at: 2 },
    { paymentId: "pay_c", intent: "order-3", at: 3 },
    // A replay of order-1 (the same key, the same payment).
    { paymentId: "pay_a", intent: "order-1", at: 4 },
  ],
  payments: {
    pay_a: { status: "COMPLETED", ledgerAttempted: true, parked: false },
    pay_b: { status: "COMPLETED", ledgerAttempted: true, parked: false },
    pay_c: { status: "FAILED", ledgerAttempted: false, parked: false },
  },
  ledgerDebits: ["pay_a", "pay_b"],
  alarmsRaised: [],
  parkedAlarms: ["acmepay-dev-payments-parked-use1", "acmepay-dev-payments-parked-usw2"],
  writeWindows: [
    { region: "us-east-1", from: 0, to: 60 },
    { region: "us-west-2", from: 75, to: Number.POSITIVE_INFINITY },
  ],
  rpo: { lost: [], restored: [] },
  rto: { trafficSeconds: 80, trafficBudgetSeconds: 90, writeSeconds: 200, writeBudgetSeconds: 550 },
};

describe("game day invariants", () => {
  it("passes a clean outcome and counts it", () => {
    assert.deepEqual(judge(CLEAN), {
      acknowledged: 3,
      completed: 2,
      failed: 1,
      parked: 0,
      lost: 0,
      doubleCharged: 0,
      maxRegionsAcceptingWrites: 1,
      rpoLost: 0,
      rpoRestored: 0,
      violations: [],
    });
  });

  // Each defect the previous issue fixed, as the outcome it would leave: the verdict names it.
  const mutations: [string, (o: GameDayOutcome) => GameDayOutcome, InvariantName, string][] = [
    [
      "a post-ledger failure marked FAILED (the workflow's old MarkFailed)",
      (o) => ({
        ...o,
        payments: {
          ...o.payments,
          pay_b: { status: "FAILED", ledgerAttempted: true, parked: false },
        },
      }),
      "failed-has-no-ledger-entry",
      "pay_b is FAILED with 1 ledger entries",
    ],
    [
      "an acknowledged payment stranded RECEIVED (the old region kept its backlog)",
      (o) => ({
        ...o,
        payments: {
          ...o.payments,
          pay_b: { status: "RECEIVED", ledgerAttempted: false, parked: false },
        },
        ledgerDebits: ["pay_a"],
      }),
      "acknowledged-payment-settled",
      "pay_b is still RECEIVED and not parked",
    ],
    [
      "an acknowledged payment the new region never heard of",
      (o) => {
        const { pay_c: _lost, ...payments } = o.payments;
        return { ...o, payments };
      },
      "acknowledged-payment-settled",
      "pay_c was acknowledged and is not in the table",
    ],
    [
      "a client retried with a new key after a wrong FAILED: charged twice",
      (o) => ({
        ...o,
        acknowledged: [...o.acknowledged, { paymentId: "pay_d", intent: "order-2", at: 9 }],
        payments: {
          ...o.payments,
          pay_d: { status: "COMPLETED", ledgerAttempted: true, parked: false },
        },
        ledgerDebits: [...o.ledgerDebits, "pay_d"],
      }),
      "no-double-charge",
      "intent order-2 was charged by pay_b, pay_d",
    ],
    [
      "split brain: the returning region takes writes while the new one does",
      (o) => ({
        ...o,
        writeWindows: [...o.writeWindows, { region: "us-east-1", from: 300, to: 360 }],
      }),
      "one-region-accepts-writes",
      "2 regions accepted writes at once",
    ],
    [
      "a parked payment nobody was told about",
      (o) => ({
        ...o,
        payments: {
          ...o.payments,
          pay_b: { status: "RECEIVED", ledgerAttempted: true, parked: true },
        },
      }),
      "parked-payment-alarmed",
      "pay_b is parked and none of acmepay-dev-payments-parked-use1, acmepay-dev-payments-parked-usw2 fired",
    ],
    [
      "a payment whose answer was lost, left RECEIVED (the sweeper never came)",
      (o) => ({
        ...o,
        payments: {
          ...o.payments,
          pay_unanswered: { status: "RECEIVED", ledgerAttempted: false, parked: false },
        },
      }),
      "no-payment-left-received",
      "pay_unanswered (never acknowledged) is still RECEIVED",
    ],
    [
      "a planned run that had to give up moved the writer anyway",
      (o) => ({ ...o, writer: { region: "us-west-2", moves: 1, expectedRegion: "us-east-1" } }),
      "writer-where-expected",
      "the ledger writes in us-west-2 at the end; the scenario expects us-east-1",
    ],
    [
      "a flapping peer starts a failover storm",
      (o) => ({ ...o, writer: { region: "us-east-1", moves: 4, maxMoves: 1 } }),
      "no-failover-storm",
      "the writer moved 4 times; the scenario allows 1",
    ],
    [
      "a call the plan's policies refuse",
      (o) => ({ ...o, denied: ["primary-failover-runbook: rds:SwitchoverGlobalCluster on x"] }),
      "every-call-allowed",
      "primary-failover-runbook: rds:SwitchoverGlobalCluster on x",
    ],
    [
      "a ledger entry lost in the RPO window and never restored",
      (o) => ({ ...o, rpo: { lost: ["pay_a"], restored: [] } }),
      "rpo-losses-restored",
      "1 ledger entries lost in the failover's RPO window were not restored: pay_a",
    ],
    [
      "a write path slower than its budget",
      (o) => ({
        ...o,
        rto: {
          trafficSeconds: 80,
          trafficBudgetSeconds: 90,
          writeSeconds: 600,
          writeBudgetSeconds: 550,
        },
      }),
      "rto-within-budget",
      "writes moved in 600 s; the budget is 550 s",
    ],
  ];
  for (const [what, mutate, invariant, detail] of mutations) {
    it(`names the broken invariant: ${what}`, () => {
      const verdict = judge(mutate(CLEAN));
      assert.deepEqual(
        verdict.violations.filter((v) => v.invariant === invariant),
        [{ invariant, detail }],
      );
    });
  }

  it("does not count back-to-back windows ([from, to)) as two regions at once", () => {
    const verdict = judge({
      ...CLEAN,
      writeWindows: [
        { region: "us-east-1", from: 0, to: 60 },
        { region: "us-west-2", from: 60, to: 120 },
      ],
    });
    assert.equal(verdict.maxRegionsAcceptingWrites, 1);
  });

  it("counts a parked payment with its alarm as parked, not lost", () => {
    const verdict = judge({
      ...CLEAN,
      payments: {
        ...CLEAN.payments,
        pay_b: { status: "RECEIVED", ledgerAttempted: true, parked: true },
      },
      alarmsRaised: [CLEAN.parkedAlarms[1]],
    });
    assert.deepEqual([verdict.parked, verdict.lost, verdict.violations], [1, 0, []]);
  });
});
