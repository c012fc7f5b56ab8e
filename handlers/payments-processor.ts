/**
 * The payments processor's core: the payment a queue message carries, and the name of its
 * workflow execution. The AWS shell is ./payments-processor.lambda.
 */
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

/** The execution of a payment: one per payment, ever (Step Functions keeps names for 90 days). */
export function executionName(payment: Payment): string {
  return payment.paymentId;
}
