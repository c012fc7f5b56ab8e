import { strict as assert } from "node:assert";
import { executionName, gate, paymentOfMessage } from "../../handlers/payments-processor";
import { QUEUED_PAYMENT as PAYMENT } from "../fixtures/payments";

describe("payments-processor core", () => {
  const cases: [string, string, string][] = [
    ["not JSON", "{payment", "the message body is not JSON"],
    ["no payment", "{}", "the message carries no valid payment: the payment is not an object"],
    [
      "an invalid payment",
      JSON.stringify({ payment: { ...PAYMENT, amountMinor: -1 } }),
      "the message carries no valid payment: amountMinor must be a positive whole number of minor units",
    ],
  ];
  for (const [what, body, problem] of cases) {
    it(`refuses a message with ${what}`, () => {
      assert.deepEqual(paymentOfMessage(body), { problem });
    });
  }

  it("takes exactly the validated payment from a good message", () => {
    assert.deepEqual(
      paymentOfMessage(JSON.stringify({ payment: { ...PAYMENT, extra: "dropped" } })),
      { payment: PAYMENT },
    );
  });

  it("names one execution per delivery: stable for a message, new for another, always a valid name", () => {
    const long = { ...PAYMENT, paymentId: "p".repeat(64) };
    const names = [
      executionName(PAYMENT, "m-1"),
      executionName(PAYMENT, "m-1"),
      executionName(PAYMENT, "m-2"),
      executionName(long, "0f4d9c1e-3a57-4a8b-9d1c-7e2f5b6a8c90"),
    ];
    assert.equal(names[0], names[1]);
    assert.notEqual(names[0], names[2]);
    assert.ok(names[0].startsWith(`${PAYMENT.paymentId}-`));
    for (const name of names) {
      // StartExecution: 1-80 characters; letters, digits, hyphens, underscores.
      assert.match(name, /^[A-Za-z0-9_-]{1,80}$/);
    }
  });

  const problem = (name: string) => Object.assign(new Error("x"), { name });
  const gates: [string, string | Error, true | Error, ReturnType<typeof gate>][] = [
    ["active writer", "us-east-1", true, { open: true }],
    [
      "flag names the peer",
      "us-west-2",
      true,
      { open: false, why: "us-east-1 is not the active region (the flag names us-west-2)" },
    ],
    [
      "flag unset",
      "",
      true,
      { open: false, why: "us-east-1 is not the active region (the flag names none)" },
    ],
    [
      "flag unreadable",
      problem("ThrottlingException"),
      true,
      { open: false, why: "the active-region flag cannot be read (ThrottlingException)" },
    ],
    [
      "ledger without a writer",
      "us-east-1",
      problem("BadRequestException"),
      { open: false, why: "us-east-1's ledger does not write here (BadRequestException)" },
    ],
  ];
  for (const [what, flag, ledger, expected] of gates) {
    it(`gate: ${what}`, () => {
      assert.deepEqual(gate("us-east-1", flag, ledger), expected);
    });
  }
});
