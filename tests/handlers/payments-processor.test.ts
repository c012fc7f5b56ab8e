import { strict as assert } from "node:assert";
import { paymentOfMessage } from "../../handlers/payments-processor";
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
});
