/**
 * The money invariants a game day checks once a scenario's settle window has passed (issue 14),
 * over the simulation's final state: what the clients were told, what the payments table and the
 * ledger hold, which alarms were raised, and when each region took writes. Pure: the simulation
 * gathers the outcome, this judges it, and names every broken invariant.
 */

export type PaymentStatus = "RECEIVED" | "COMPLETED" | "FAILED";

/** A payment a client was told was accepted (a 202, or a replay's answer). */
export interface Acknowledgement {
  readonly paymentId: string;
  /** The client's own intent (its order): two payments of one intent are a double charge. */
  readonly intent: string;
  /** Simulated seconds since the start. */
  readonly at: number;
}

/** A payment as the active region's payments table holds it at the end. */
export interface FinalPayment {
  readonly status: PaymentStatus;
  /** Its ledger step was attempted (`ledgerAttemptedAt`): it must never be FAILED. */
  readonly ledgerAttempted: boolean;
  /** On a repair queue (parked after its ledger step). */
  readonly parked: boolean;
}

/** When a region accepted payment writes (its API answered 202), in simulated seconds. */
export interface WriteWindow {
  readonly region: string;
  readonly from: number;
  /** Exclusive; Infinity when it still accepts at the end. */
  readonly to: number;
}

export interface GameDayOutcome {
  readonly acknowledged: readonly Acknowledgement[];
  /** The payments table of the active region at the end, by payment id. */
  readonly payments: Readonly<Record<string, FinalPayment>>;
  /** The debit entries of the ledger's writer at the end (payment ids, one per row). */
  readonly ledgerDebits: readonly string[];
  /** Names of the alarms that fired (any region). */
  readonly alarmsRaised: readonly string[];
  /** The alarms a parked payment raises (each region's `payments-parked` alarm): one must fire. */
  readonly parkedAlarms: readonly string[];
  readonly writeWindows: readonly WriteWindow[];
  /**
   * Ledger entries an unplanned failover lost within Aurora's RPO (written before it, absent
   * after), and how many of those the reconciler re-recorded by the end.
   */
  readonly rpo: { readonly lost: readonly string[]; readonly restored: readonly string[] };
  /**
   * Where the ledger's writer is at the end and how often it moved, with what the scenario
   * expects (a planned run that must give up leaves it where it was; a flapping peer must not
   * start a failover storm).
   */
  readonly writer?: {
    readonly region: string;
    readonly moves: number;
    readonly expectedRegion?: string;
    readonly maxMoves?: number;
  };
  /** Calls the plan's policies refused (an AccessDenied on AWS). */
  readonly denied?: readonly string[];
  /**
   * Calls and Task results that carried a payment-method token anywhere but into the payments
   * table (a queue message, an execution's input or state, an event, a receipt, a notification).
   */
  readonly tokenLeaks?: readonly string[];
  /** Measured and budgeted recovery times of the scenario's failover, if it had one. */
  readonly rto?: {
    readonly trafficSeconds: number;
    readonly trafficBudgetSeconds: number;
    readonly writeSeconds: number;
    readonly writeBudgetSeconds: number;
  };
}

export type InvariantName =
  | "acknowledged-payment-settled"
  | "no-payment-left-received"
  | "completed-has-one-ledger-entry"
  | "failed-has-no-ledger-entry"
  | "never-failed-after-ledger-step"
  | "parked-payment-alarmed"
  | "token-stays-in-the-table"
  | "no-double-charge"
  | "rpo-losses-restored"
  | "one-region-accepts-writes"
  | "rto-within-budget"
  | "writer-where-expected"
  | "no-failover-storm"
  | "every-call-allowed";

export interface Violation {
  readonly invariant: InvariantName;
  readonly detail: string;
}

export interface GameDayVerdict {
  readonly acknowledged: number;
  readonly completed: number;
  readonly failed: number;
  readonly parked: number;
  /** Acknowledged payments the table no longer knows, or that never settled and are not parked. */
  readonly lost: number;
  /** Intents with more than one COMPLETED payment, plus payments with more than one debit. */
  readonly doubleCharged: number;
  readonly maxRegionsAcceptingWrites: number;
  /** Ledger entries an unplanned failover lost (inside the RPO window), and how many came back. */
  readonly rpoLost: number;
  readonly rpoRestored: number;
  readonly violations: readonly Violation[];
}

/** The most write windows open at one instant. */
function maxOverlap(windows: readonly WriteWindow[]): number {
  const edges = windows.flatMap((w) => [
    { at: w.from, delta: 1 },
    { at: w.to, delta: -1 },
  ]);
  // An end and a start at the same instant do not overlap ([from, to) windows).
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const edge of edges) {
    open += edge.delta;
    most = Math.max(most, open);
  }
  return most;
}

export function judge(outcome: GameDayOutcome): GameDayVerdict {
  const violations: Violation[] = [];
  const broken = (invariant: InvariantName, detail: string) =>
    violations.push({ invariant, detail });
  const debits = new Map<string, number>();
  for (const id of outcome.ledgerDebits) {
    debits.set(id, (debits.get(id) ?? 0) + 1);
  }
  const acknowledgedIds = [...new Set(outcome.acknowledged.map((a) => a.paymentId))];
  let [completed, failed, parked, lost] = [0, 0, 0, 0];
  for (const id of acknowledgedIds) {
    const payment = outcome.payments[id];
    if (payment === undefined) {
      lost += 1;
      broken("acknowledged-payment-settled", `${id} was acknowledged and is not in the table`);
      continue;
    }
    if (payment.status === "COMPLETED") {
      completed += 1;
    } else if (payment.status === "FAILED") {
      failed += 1;
    } else if (payment.parked) {
      parked += 1;
    } else {
      lost += 1;
      broken("acknowledged-payment-settled", `${id} is still RECEIVED and not parked`);
    }
  }
  const acknowledgedSet = new Set(acknowledgedIds);
  for (const [id, payment] of Object.entries(outcome.payments)) {
    const entries = debits.get(id) ?? 0;
    if (!acknowledgedSet.has(id) && payment.status === "RECEIVED" && !payment.parked) {
      // Its client never heard back (a lost answer, a client that gave up): the sweeper's to settle.
      broken("no-payment-left-received", `${id} (never acknowledged) is still RECEIVED`);
    }
    if (payment.status === "COMPLETED" && entries !== 1) {
      broken("completed-has-one-ledger-entry", `${id} is COMPLETED with ${entries} ledger entries`);
    }
    if (payment.status === "FAILED" && entries !== 0) {
      broken("failed-has-no-ledger-entry", `${id} is FAILED with ${entries} ledger entries`);
    }
    if (payment.status === "FAILED" && payment.ledgerAttempted) {
      broken("never-failed-after-ledger-step", `${id} is FAILED after its ledger step`);
    }
    if (
      payment.status === "RECEIVED" &&
      payment.parked &&
      !outcome.parkedAlarms.some((alarm) => outcome.alarmsRaised.includes(alarm))
    ) {
      broken(
        "parked-payment-alarmed",
        `${id} is parked and none of ${outcome.parkedAlarms.join(", ")} fired`,
      );
    }
  }
  const completedByIntent = new Map<string, Set<string>>();
  for (const ack of outcome.acknowledged) {
    if (outcome.payments[ack.paymentId]?.status === "COMPLETED") {
      const ids = completedByIntent.get(ack.intent) ?? new Set<string>();
      ids.add(ack.paymentId);
      completedByIntent.set(ack.intent, ids);
    }
  }
  let doubleCharged = 0;
  for (const [intent, ids] of completedByIntent) {
    if (ids.size > 1) {
      doubleCharged += 1;
      broken("no-double-charge", `intent ${intent} was charged by ${[...ids].sort().join(", ")}`);
    }
  }
  for (const [id, entries] of debits) {
    if (entries > 1) {
      doubleCharged += 1;
      broken("no-double-charge", `${id} has ${entries} debit entries`);
    }
  }
  const unrestored = outcome.rpo.lost.filter((id) => !outcome.rpo.restored.includes(id));
  if (unrestored.length > 0) {
    broken(
      "rpo-losses-restored",
      `${unrestored.length} ledger entries lost in the failover's RPO window were not restored: ${unrestored.slice(0, 5).join(", ")}`,
    );
  }
  const maxRegionsAcceptingWrites = maxOverlap(outcome.writeWindows);
  if (maxRegionsAcceptingWrites > 1) {
    broken(
      "one-region-accepts-writes",
      `${maxRegionsAcceptingWrites} regions accepted writes at once`,
    );
  }
  if (outcome.rto !== undefined) {
    const { rto } = outcome;
    if (rto.trafficSeconds > rto.trafficBudgetSeconds) {
      broken(
        "rto-within-budget",
        `traffic moved in ${Math.round(rto.trafficSeconds)} s; the budget is ${rto.trafficBudgetSeconds} s`,
      );
    }
    if (rto.writeSeconds > rto.writeBudgetSeconds) {
      broken(
        "rto-within-budget",
        `writes moved in ${Math.round(rto.writeSeconds)} s; the budget is ${rto.writeBudgetSeconds} s`,
      );
    }
  }
  const { writer } = outcome;
  if (writer?.expectedRegion !== undefined && writer.region !== writer.expectedRegion) {
    broken(
      "writer-where-expected",
      `the ledger writes in ${writer.region} at the end; the scenario expects ${writer.expectedRegion}`,
    );
  }
  if (writer?.maxMoves !== undefined && writer.moves > writer.maxMoves) {
    broken(
      "no-failover-storm",
      `the writer moved ${writer.moves} times; the scenario allows ${writer.maxMoves}`,
    );
  }
  for (const call of outcome.denied ?? []) {
    broken("every-call-allowed", call);
  }
  for (const leak of outcome.tokenLeaks ?? []) {
    broken("token-stays-in-the-table", leak);
  }
  return {
    acknowledged: acknowledgedIds.length,
    completed,
    failed,
    parked,
    lost,
    doubleCharged,
    maxRegionsAcceptingWrites,
    rpoLost: outcome.rpo.lost.length,
    rpoRestored: outcome.rpo.lost.length - unrestored.length,
    violations,
  };
}
