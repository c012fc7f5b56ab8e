/**
 * The payments processor's core: the payment a queue message carries, the name of the workflow
 * execution of one delivery, and whether this region may start one. The AWS shell is
 * ./payments-processor.lambda.
 */
import { createHash } from "node:crypto";
import { type Payment, validatePayment } from "./payment";

/** The payment a queue message carries, or why it carries none. */
export function paymentOfMessage(body: string): { payment: Payment } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { problem: "the message body is not JSON" };
  }
  const payment =
    typeof parsed === "object" && parsed !== null && "payment" in parsed
      ? parsed.payment
      : undefined;
  const validated = validatePayment(payment);
  return "problems" in validated
    ? { problem: `the message carries no valid payment: ${validated.problems.join("; ")}` }
    : validated;
}

/**
 * The execution of one delivery of a payment. A redelivery of the same message names the same
 * execution, so starting it again is a no-op; another message for the same payment (a re-drive
 * from the repair queue, the sweeper or a replayed request) starts a new execution, which ends at
 * once if the payment is settled (definitions/payment-workflow.ts). StartExecution names are 1-80
 * letters, digits, hyphens and underscores
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 */
export function executionName(payment: Payment, messageId: string): string {
  const delivery = createHash("sha256")
    .update(`${payment.paymentId}\u0000${messageId}`)
    .digest("hex")
    .slice(0, 24);
  return `${payment.paymentId.slice(0, 55)}-${delivery}`;
}

/** Whether this region settles payments now, and if not, why. */
export type Gate = { readonly open: true } | { readonly open: false; readonly why: string };

/**
 * Only the active writer settles: its flag names it and its ledger answers (the Data API answers
 * only on the global writer). Anywhere else the messages stay on the queue for the active region.
 */
export function gate(region: string, flag: string | Error, ledger: true | Error): Gate {
  if (flag instanceof Error) {
    return { open: false, why: `the active-region flag cannot be read (${flag.name})` };
  }
  if (flag !== region) {
    return {
      open: false,
      why: `${region} is not the active region (the flag names ${flag || "none"})`,
    };
  }
  if (ledger instanceof Error) {
    return { open: false, why: `${region}'s ledger does not write here (${ledger.name})` };
  }
  return { open: true };
}
