import { strict as assert } from "node:assert";
import type { Payment, PaymentRecord } from "../../handlers/payment";
import { PENDING_SHARD_KEYS, pendingShard } from "../../handlers/payment";
import {
  recentHours,
  reconcile,
  type SettledPayment,
  sweep,
  type SweepPorts,
} from "../../handlers/sweeper";
import { QUEUED_PAYMENT, STORED_METHOD } from "../fixtures/payments";

const NOW = new Date("2026-11-29T21:30:00.000Z");
const SETTINGS = { minAgeSeconds: 900, requeueWindowSeconds: 300, maxPerRun: 100 };

function record(id: string, queuedAt?: string): PaymentRecord {
  return {
    ...QUEUED_PAYMENT,
    paymentMethod: STORED_METHOD,
    paymentId: id,
    status: "RECEIVED",
    idempotencyKey: `k-${id}`,
    requestHash: "h",
    acceptedRegion: "us-east-1",
    createdAt: "2026-11-29T21:00:00.000Z",
    ...(queuedAt === undefined ? {} : { queuedAt }),
  };
}

/** The pending index and the claim over memory (the shell's conditions, as DynamoDB evaluates them). */
function world(records: PaymentRecord[], failSends: string[] = []) {
  const table = new Map(records.map((r) => [r.paymentId, r]));
  const sent: Payment[] = [];
  const ports: SweepPorts = {
    pending: async (shard, before, limit) =>
      [...table.values()]
        .filter((r) => pendingShard(r.paymentId) === shard && r.createdAt < before)
        .slice(0, limit),
    claimRequeue: async (id, at, cutoff) => {
      const r = table.get(id);
      if (r === undefined || r.status !== "RECEIVED" || (r.queuedAt ?? "") > cutoff) {
        return false;
      }
      table.set(id, { ...r, queuedAt: at });
      return true;
    },
    enqueue: async (payment) => {
      if (failSends.includes(payment.paymentId)) {
        throw new Error("queue unavailable");
      }
      sent.push(payment);
    },
  };
  return { ports, sent, table };
}

describe("sweeper", () => {
  it("spreads payments over every shard of the pending index, stably", () => {
    const shards = new Set(
      Array.from({ length: 2000 }, (_, i) =>
        pendingShard(`pay_${i.toString(16).padStart(32, "0")}`),
      ),
    );
    assert.deepEqual([...shards].sort(), [...PENDING_SHARD_KEYS]);
    assert.equal(pendingShard("pay_x"), pendingShard("pay_x"));
  });

  const cases: [
    string,
    PaymentRecord[],
    { stale: number; requeued: number; recentlyQueued: number },
  ][] = [
    ["nothing stale", [], { stale: 0, requeued: 0, recentlyQueued: 0 }],
    ["a payment never re-queued", [record("pay_a")], { stale: 1, requeued: 1, recentlyQueued: 0 }],
    [
      "a payment queued long ago",
      [record("pay_b", "2026-11-29T21:00:00.000Z")],
      { stale: 1, requeued: 1, recentlyQueued: 0 },
    ],
    [
      "a payment a replay queued two minutes ago",
      [record("pay_c", "2026-11-29T21:28:00.000Z")],
      { stale: 1, requeued: 0, recentlyQueued: 1 },
    ],
    [
      "a payment accepted five minutes ago (not stale)",
      [{ ...record("pay_d"), createdAt: "2026-11-29T21:25:00.000Z" }],
      { stale: 0, requeued: 0, recentlyQueued: 0 },
    ],
  ];
  for (const [what, records, expected] of cases) {
    it(`sweeps ${what}`, async () => {
      const w = world(records);
      const report = await sweep(NOW, SETTINGS, w.ports);
      assert.deepEqual(report, { ...expected, failed: 0 });
      assert.equal(w.sent.length, expected.requeued);
    });
  }

  it("re-queues each payment once per window, however often it runs", async () => {
    const w = world([record("pay_a"), record("pay_b")]);
    await sweep(NOW, SETTINGS, w.ports);
    await sweep(new Date(NOW.getTime() + 60_000), SETTINGS, w.ports);
    assert.equal(w.sent.length, 2);
    await sweep(new Date(NOW.getTime() + 300_000), SETTINGS, w.ports);
    assert.equal(w.sent.length, 4);
  });

  it("re-queues the exact payment fields, and counts a failed send without stopping", async () => {
    const w = world([record("pay_a"), record("pay_b")], ["pay_a"]);
    const logged = console.error;
    console.error = () => undefined;
    const report = await sweep(NOW, SETTINGS, w.ports).finally(() => {
      console.error = logged;
    });
    assert.deepEqual(report, { stale: 2, requeued: 1, recentlyQueued: 0, failed: 1 });
    assert.deepEqual(w.sent, [
      { ...QUEUED_PAYMENT, paymentId: "pay_b", createdAt: "2026-11-29T21:00:00.000Z" },
    ]);
  });

  it("stops at the run's bound", async () => {
    const w = world(Array.from({ length: 30 }, (_, i) => record(`pay_${i}`)));
    const report = await sweep(NOW, { ...SETTINGS, maxPerRun: 10 }, w.ports);
    assert.equal(report.stale, 10);
  });
});

describe("reconciler", () => {
  const settled = (id: string): SettledPayment => ({
    paymentId: id,
    merchantId: "merchant-7",
    amountMinor: 100,
    currency: "EUR",
    region: "us-east-1",
  });

  it("checks the hours of its lookback, oldest first, the current one included", () => {
    assert.deepEqual(recentHours(NOW, 3), ["2026-11-29T19", "2026-11-29T20", "2026-11-29T21"]);
  });

  it("restores exactly the entries the ledger lacks, and counts them", async () => {
    const ledger = new Set(["pay_1", "pay_3"]);
    const inserted: string[] = [];
    const report = await reconcile(
      NOW,
      { lookbackHours: 2 },
      {
        settled: async (hour) =>
          hour === "2026-11-29T21" ? ["pay_1", "pay_2", "pay_3", "pay_4"].map(settled) : [],
        recorded: async (ids) => new Set(ids.filter((id) => ledger.has(id))),
        record: async (payment) => {
          inserted.push(payment.paymentId);
          ledger.add(payment.paymentId);
          return true;
        },
      },
    );
    assert.deepEqual(report, { checked: 4, missing: 2, restored: 2 });
    assert.deepEqual(inserted, ["pay_2", "pay_4"]);
  });
});
