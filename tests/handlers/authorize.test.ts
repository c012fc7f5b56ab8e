import { strict as assert } from "node:assert";
import fc from "fast-check";
import { authorize, type AuthorizationRules, type RecentPayment } from "../../handlers/authorize";
import type { Payment } from "../../handlers/payment";

const RULES: AuthorizationRules = {
  maxAmountMinor: { EUR: 1_000_000, USD: 1_000_000, GBP: 500_000 },
  velocity: {
    windowSeconds: 3600,
    maxPayments: 3,
    maxAmountMinor: { EUR: 1_500_000, USD: 1_500_000, GBP: 750_000 },
  },
};

const PAYMENT: Payment = {
  paymentId: "pay_01",
  merchantId: "merchant-7",
  customerId: "cust_42",
  amountMinor: 12_50,
  currency: "EUR",
  paymentMethod: { type: "card" },
  createdAt: "2026-11-21T10:00:00.000Z",
};

const earlier = (minutes: number, amountMinor = 100, currency = "EUR"): RecentPayment => ({
  amountMinor,
  currency,
  createdAt: new Date(Date.parse(PAYMENT.createdAt) - minutes * 60_000).toISOString(),
});

const codes = (input: unknown, recent: RecentPayment[] = []) =>
  authorize(input, RULES, recent).reasons.map((r) => r.code);

describe("authorize (core)", () => {
  it("approves a valid payment within every rule", () => {
    assert.deepEqual(authorize(PAYMENT, RULES, [earlier(5)]), {
      approved: true,
      reasons: [],
      payment: PAYMENT,
    });
  });

  const cases: [string, unknown, string[], RecentPayment[]?][] = [
    [
      "a currency outside the accepted set",
      { ...PAYMENT, currency: "JPY" },
      ["CURRENCY_NOT_ALLOWED"],
    ],
    [
      "an amount over the currency's limit",
      { ...PAYMENT, currency: "GBP", amountMinor: 500_001 },
      ["AMOUNT_OVER_LIMIT"],
    ],
    [
      "a fourth payment within the hour",
      PAYMENT,
      ["VELOCITY_COUNT_EXCEEDED"],
      [earlier(1), earlier(20), earlier(59)],
    ],
    [
      "too much money within the hour",
      { ...PAYMENT, amountMinor: 600_000 },
      ["VELOCITY_AMOUNT_EXCEEDED"],
      [earlier(30, 900_001)],
    ],
    ["a fractional amount", { ...PAYMENT, amountMinor: 12.5 }, ["INVALID_PAYMENT"]],
    ["a negative amount", { ...PAYMENT, amountMinor: -1 }, ["INVALID_PAYMENT"]],
    ["a lowercase currency", { ...PAYMENT, currency: "eur" }, ["INVALID_PAYMENT"]],
    [
      "an unknown payment method",
      { ...PAYMENT, paymentMethod: { type: "cash", token: "tok_4242424242" } },
      ["INVALID_PAYMENT"],
    ],
    ["a payment that is not an object", ["pay_01"], ["INVALID_PAYMENT"]],
  ];
  for (const [what, input, expected, recent] of cases) {
    it(`declines ${what}`, () => {
      assert.deepEqual(codes(input, recent), expected);
    });
  }

  it("counts only the window and only the payment's currency toward the amount limit", () => {
    const old = [earlier(61, 1_400_000), earlier(10, 1_400_000, "USD")];
    assert.deepEqual(authorize({ ...PAYMENT, amountMinor: 900_000 }, RULES, old).reasons, []);
  });

  it("passes on only the validated fields of a payment, and nothing of an invalid one", () => {
    const withExtra = {
      ...PAYMENT,
      isAdmin: true,
      paymentMethod: { ...PAYMENT.paymentMethod, cvv: "123" },
    };
    assert.deepEqual(authorize(withExtra, RULES, []).payment, PAYMENT);
    assert.equal(authorize({ ...PAYMENT, currency: "eur" }, RULES, []).payment, null);
  });

  it("explains each decline", () => {
    assert.deepEqual(authorize({ ...PAYMENT, currency: "JPY" }, RULES, []).reasons, [
      { code: "CURRENCY_NOT_ALLOWED", message: "JPY is not accepted; accepted: EUR, GBP, USD" },
    ]);
    assert.deepEqual(authorize({ ...PAYMENT, amountMinor: "12" }, RULES, []).reasons, [
      {
        code: "INVALID_PAYMENT",
        message: "amountMinor must be a positive whole number of minor units",
      },
    ]);
  });

  describe("properties (fast-check)", () => {
    const anything = fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
    });
    const mutated = fc.record({
      key: fc.constantFrom(...Object.keys(PAYMENT)),
      value: anything,
    });

    it("never throws, whatever the input", () => {
      fc.assert(
        fc.property(
          fc.oneof(
            anything,
            mutated.map(({ key, value }) => ({ ...PAYMENT, [key]: value })),
          ),
          (input) => {
            const decision = authorize(input, RULES, []);
            assert.equal(typeof decision.approved, "boolean");
            assert.equal(decision.approved, decision.reasons.length === 0);
          },
        ),
        { numRuns: 5000 },
      );
    });

    it("approves only positive whole amounts of minor units", () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.double(), fc.integer({ min: -1_000_000, max: 1_000_000 })),
          (amountMinor) => {
            const decision = authorize({ ...PAYMENT, amountMinor }, RULES, []);
            if (decision.approved) {
              assert.ok(
                Number.isSafeInteger(amountMinor) && amountMinor > 0 && amountMinor <= 1_000_000,
              );
            }
          },
        ),
        { numRuns: 2000 },
      );
    });

    it("declines every currency outside the accepted set", () => {
      fc.assert(
        fc.property(
          fc.stringMatching(/^[A-Z]{3}$/).filter((c) => !(c in RULES.maxAmountMinor)),
          (currency) => {
            assert.deepEqual(codes({ ...PAYMENT, currency }), ["CURRENCY_NOT_ALLOWED"]);
          },
        ),
        { numRuns: 1000 },
      );
    });
  });
});
