/**
 * The payment domain every handler shares: what a payment is (the fields the API accepts and the
 * workflow carries), what makes one valid, and the payments table's record of it. Plain data,
 * no AWS.
 *
 * Written without a schema library: handlers are deployed with their dependencies, and zod
 * alone is several megabytes against a 1 MiB artifact budget.
 */
import type { TableSchema } from "./table-schema";

export const PAYMENT_METHODS = ["card", "bank_transfer", "wallet"] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * A payment as it travels: on the queues, in workflow executions, events and receipts. It names
 * the payment method's type only; the token stays in the payments table (PaymentRecord), the
 * system of record, so no message, execution history, archive or topic ever carries it.
 */
export interface Payment {
  readonly paymentId: string;
  readonly merchantId: string;
  readonly customerId: string;
  /** Integer amount in the currency's minor unit (cents for USD). */
  readonly amountMinor: number;
  /** ISO 4217 code, upper case. */
  readonly currency: string;
  readonly paymentMethod: { readonly type: PaymentMethod };
  /** ISO 8601 instant the payment was accepted. */
  readonly createdAt: string;
}

export type PaymentStatus = "RECEIVED" | "COMPLETED" | "FAILED";

/** The payments table item, as the API writes it (the workflow later sets status and outcome). */
export interface PaymentRecord extends Payment {
  /** The tokenized method the merchant sent: only the table holds the token. */
  readonly paymentMethod: { readonly type: PaymentMethod; readonly token: string };
  readonly status: PaymentStatus;
  readonly idempotencyKey: string;
  /** SHA-256 of the validated request: a replay must match it. */
  readonly requestHash: string;
  /** The region that accepted the payment. */
  readonly acceptedRegion: string;
  /** When the API last queued it (a replay queues it again at most once per re-queue window). */
  readonly queuedAt?: string;
}

/**
 * The payments table's sparse indexes, which the sweeper and the reconciler read
 * (./sweeper.ts): `pending` holds exactly the RECEIVED payments (the API sets `pendingShard`, the
 * workflow removes it when the payment settles), spread over shards so that no index partition
 * takes every accept; `bySettledHour` holds COMPLETED payments by the hour they settled.
 */
export const PENDING_INDEX = "pending";
export const PENDING_SHARDS = 16;
export const SETTLED_INDEX = "bySettledHour";
/** The authorize step's velocity window: a merchant's payments by time. */
export const MERCHANT_INDEX = "byMerchant";

/** The payments table's key and indexes: declared once, for the data tier and the emulators. */
export const PAYMENTS_TABLE_SCHEMA: TableSchema = {
  key: "paymentId",
  indexes: [
    { name: MERCHANT_INDEX, hashKey: "merchantId", rangeKey: "createdAt", projection: "ALL" },
    { name: PENDING_INDEX, hashKey: "pendingShard", rangeKey: "createdAt", projection: "ALL" },
    {
      name: SETTLED_INDEX,
      hashKey: "settledHour",
      rangeKey: "paymentId",
      projection: { include: ["merchantId", "amountMinor", "currency", "statusDetail"] },
    },
  ],
};

/** The shard of the `pending` index a payment is in: stable for its id. */
export function pendingShard(paymentId: string): string {
  let hash = 0;
  for (const char of paymentId) {
    hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  }
  return `p${String(hash % PENDING_SHARDS).padStart(2, "0")}`;
}

/** Every shard of the `pending` index. */
export const PENDING_SHARD_KEYS: readonly string[] = Array.from(
  { length: PENDING_SHARDS },
  (_, i) => `p${String(i).padStart(2, "0")}`,
);

/** A merchant, customer or payment id. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** An ISO 4217 currency code. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
/** What follows a token's prefix: a tokenization provider's opaque reference. */
const TOKEN_BODY = /^[A-Za-z0-9_-]{8,120}$/;

/** The Luhn checksum every card number (PAN) satisfies (ISO/IEC 7812-1). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) {
        digit -= 9;
      }
    }
    sum += digit;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * Whether a token may be a card number, which this platform must never accept or store (PCI DSS
 * 4.0 requirement 3: card numbers are 12 to 19 digits, Luhn-valid): a run of 12 or more digits
 * (separators ignored), or 12 to 19 digits in all that pass Luhn.
 */
export function looksLikeCardNumber(token: string): boolean {
  if (/\d{12,}/.test(token.replace(/[\s_-]/g, ""))) {
    return true;
  }
  const digits = token.replace(/\D/g, "");
  return digits.length >= 12 && digits.length <= 19 && passesLuhn(digits);
}

/** Why `token` is not a tokenized payment method under `prefix`, or undefined when it is one. */
export function tokenProblem(token: unknown, prefix: string): string | undefined {
  if (typeof token === "string" && looksLikeCardNumber(token)) {
    return "looks like a card number: send the token your tokenization provider issued, never card data";
  }
  const body =
    typeof token === "string" && token.startsWith(prefix) ? token.slice(prefix.length) : undefined;
  if (body === undefined || !TOKEN_BODY.test(body)) {
    return `must be a token of your tokenization provider: ${prefix} followed by 8-120 letters, digits, hyphens or underscores`;
  }
  return undefined;
}

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
    if (typeof value !== "string" || !ID_PATTERN.test(value)) {
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
  if (typeof currency !== "string" || !CURRENCY_PATTERN.test(currency)) {
    problems.push("currency must be an ISO 4217 code such as EUR");
  }
  const method = field(record, "paymentMethod");
  const methodRecord =
    typeof method === "object" && method !== null ? (method as Record<string, unknown>) : {};
  const methodType = field(methodRecord, "type");
  if (
    typeof methodType !== "string" ||
    !(PAYMENT_METHODS as readonly string[]).includes(methodType)
  ) {
    problems.push(`paymentMethod.type must be one of ${PAYMENT_METHODS.join(", ")}`);
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

/**
 * Exactly the fields of a Payment, copied from anything that has them: a PaymentRecord loses its
 * token here (a message queued before the token left the messages loses it too).
 */
export function paymentFields(payment: Payment): Payment {
  return {
    paymentId: payment.paymentId,
    merchantId: payment.merchantId,
    customerId: payment.customerId,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    paymentMethod: { type: payment.paymentMethod.type },
    createdAt: payment.createdAt,
  };
}
