/**
 * Payment authorization: the pure core of the workflow's first step. Validates the payment it is
 * given (the workflow trusts no input it did not check) and applies deterministic rules:
 * allowed currencies, a per-currency limit per payment, and the merchant's velocity over a
 * window (count and amount of its recent payments). Never throws: every input gets a decision.
 * What makes a payment valid is the domain's (./payment); the AWS shell is ./authorize.lambda.
 */
import { type Payment, validatePayment } from "./payment";

/** A payment of the same merchant within the velocity window (from the table's byMerchant index). */
export interface RecentPayment {
  readonly amountMinor: number;
  readonly currency: string;
  readonly createdAt: string;
}

export interface AuthorizationRules {
  /** Largest single payment per allowed currency, in minor units; the keys are the allowed set. */
  readonly maxAmountMinor: Readonly<Record<string, number>>;
  readonly velocity: {
    readonly windowSeconds: number;
    /** Most payments a merchant may take within the window, this one included. */
    readonly maxPayments: number;
    /** Most a merchant may take within the window per currency, this one included, minor units. */
    readonly maxAmountMinor: Readonly<Record<string, number>>;
  };
}

export type DeclineReason =
  | "INVALID_PAYMENT"
  | "CURRENCY_NOT_ALLOWED"
  | "AMOUNT_OVER_LIMIT"
  | "VELOCITY_COUNT_EXCEEDED"
  | "VELOCITY_AMOUNT_EXCEEDED";

export interface Decision {
  readonly approved: boolean;
  readonly reasons: readonly { readonly code: DeclineReason; readonly message: string }[];
  /** The payment as validated: later steps use this copy, never the raw input. Null if invalid. */
  readonly payment: Payment | null;
}

/**
 * What the workflow's Authorize step answers: the decision, and whether this region is the
 * active one (its flag names it). Outside the active region no rule is applied: the workflow
 * leaves the payment RECEIVED for the active region.
 */
export interface Admission extends Decision {
  readonly activeHere: boolean;
}

export const NOT_ACTIVE_HERE: Admission = {
  activeHere: false,
  approved: false,
  reasons: [],
  payment: null,
};

/** Recent payments that count against the velocity limits of `payment`. */
function withinWindow(payment: Payment, recent: readonly RecentPayment[], windowSeconds: number) {
  const now = Date.parse(payment.createdAt);
  const start = now - windowSeconds * 1000;
  return recent.filter((r) => {
    const at = Date.parse(r.createdAt);
    return at > start && at <= now;
  });
}

export function authorize(
  input: unknown,
  rules: AuthorizationRules,
  recent: readonly RecentPayment[],
): Decision {
  const validated = validatePayment(input);
  if ("problems" in validated) {
    return {
      approved: false,
      reasons: validated.problems.map((message) => ({ code: "INVALID_PAYMENT", message })),
      payment: null,
    };
  }
  const { payment } = validated;
  const reasons: { code: DeclineReason; message: string }[] = [];
  const limit = rules.maxAmountMinor[payment.currency];
  if (limit === undefined) {
    reasons.push({
      code: "CURRENCY_NOT_ALLOWED",
      message: `${payment.currency} is not accepted; accepted: ${Object.keys(rules.maxAmountMinor).sort().join(", ")}`,
    });
  } else if (payment.amountMinor > limit) {
    reasons.push({
      code: "AMOUNT_OVER_LIMIT",
      message: `${payment.amountMinor} ${payment.currency} minor units exceeds the limit of ${limit}`,
    });
  }
  const window = withinWindow(payment, recent, rules.velocity.windowSeconds);
  if (window.length + 1 > rules.velocity.maxPayments) {
    reasons.push({
      code: "VELOCITY_COUNT_EXCEEDED",
      message: `merchant ${payment.merchantId} would take ${window.length + 1} payments in ${rules.velocity.windowSeconds} s; the limit is ${rules.velocity.maxPayments}`,
    });
  }
  const amountLimit = rules.velocity.maxAmountMinor[payment.currency];
  const total = window
    .filter((r) => r.currency === payment.currency)
    .reduce((sum, r) => sum + r.amountMinor, payment.amountMinor);
  if (amountLimit !== undefined && total > amountLimit) {
    reasons.push({
      code: "VELOCITY_AMOUNT_EXCEEDED",
      message: `merchant ${payment.merchantId} would take ${total} ${payment.currency} minor units in ${rules.velocity.windowSeconds} s; the limit is ${amountLimit}`,
    });
  }
  return { approved: reasons.length === 0, reasons, payment };
}
