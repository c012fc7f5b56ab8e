/**
 * Payment authorization: the pure core of the workflow's first step. Validates the payment it is
 * given (the workflow trusts no input it did not check) and applies deterministic rules:
 * allowed currencies, a per-currency limit per payment, and the merchant's velocity over a
 * window (count and amount of its recent payments). Never throws: every input gets a decision.
 *
 * Written without a schema library: handlers are deployed with their dependencies, and zod
 * alone is several megabytes against a 1 MiB artifact budget.
 */

export const PAYMENT_METHODS = ["card", "bank_transfer", "wallet"] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface Payment {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly customerId: string;
  /** Integer amount in the currency's minor unit (cents for USD). */
  readonly amountMinor: number;
  /** ISO 4217 code, upper case. */
  readonly currency: string;
  readonly paymentMethod: { readonly type: PaymentMethod; readonly token: string };
  /** ISO 8601 instant the payment was accepted. */
  readonly createdAt: string;
}

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

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const CURRENCY = /^[A-Z]{3}$/;
const TOKEN = /^[A-Za-z0-9_-]{8,128}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** The largest amount JSON and DynamoDB numbers carry exactly. */
export const MAX_SAFE_AMOUNT = Number.MAX_SAFE_INTEGER;

function field(input: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(input, key) ? input[key] : undefined;
}

/** The problems of an untrusted payment, or the payment itself. */
export function validatePayment(input: unknown): { payment: Payment } | { problems: string[] } {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { problems: ["the payment is not an object"] };
  }
  const record = input as Record<string, unknown>;
  const problems: string[] = [];
  const id = (key: string) => {
    const value = field(record, key);
    if (typeof value !== "string" || !ID.test(value)) {
      problems.push(`${key} must be 1-64 letters, digits, hyphens or underscores`);
    }
  };
  id("paymentId");
  id("merchantId");
  id("customerId");
  const amount = field(record, "amountMinor");
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
    problems.push("amountMinor must be a positive whole number of minor units");
  }
  const currency = field(record, "currency");
  if (typeof currency !== "string" || !CURRENCY.test(currency)) {
    problems.push("currency must be an ISO 4217 code such as EUR");
  }
  const method = field(record, "paymentMethod");
  const methodRecord =
    typeof method === "object" && method !== null ? (method as Record<string, unknown>) : {};
  const methodType = field(methodRecord, "type");
  const token = field(methodRecord, "token");
  if (
    typeof methodType !== "string" ||
    !(PAYMENT_METHODS as readonly string[]).includes(methodType)
  ) {
    problems.push(`paymentMethod.type must be one of ${PAYMENT_METHODS.join(", ")}`);
  }
  if (typeof token !== "string" || !TOKEN.test(token)) {
    problems.push("paymentMethod.token must be 8-128 letters, digits, hyphens or underscores");
  }
  const createdAt = field(record, "createdAt");
  if (
    typeof createdAt !== "string" ||
    !ISO_INSTANT.test(createdAt) ||
    Number.isNaN(Date.parse(createdAt))
  ) {
    problems.push("createdAt must be an ISO 8601 UTC instant");
  }
  if (problems.length > 0) {
    return { problems };
  }
  // A copy of exactly the validated fields: nothing unvalidated travels further.
  return { payment: paymentFields(record as unknown as Payment) };
}

/** Exactly the fields of a Payment, copied from anything that has them. */
export function paymentFields(payment: Payment): Payment {
  return {
    paymentId: payment.paymentId,
    merchantId: payment.merchantId,
    customerId: payment.customerId,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    paymentMethod: { type: payment.paymentMethod.type, token: payment.paymentMethod.token },
    createdAt: payment.createdAt,
  };
}

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
