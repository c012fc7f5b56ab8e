/**
 * The payment API's core: routing, validation, idempotency and the mapping to HTTP responses, over
 * ports (the active-region flag, the payments table, the queue) that the AWS shell
 * (./payments-api.lambda) or a test provides. Plain data in, plain data out: every error is a
 * JSON body with a stable code and a message, never a stack trace.
 *
 * The caller is the merchant the API's authorizer (./merchant-authorizer.ts) authenticated, never
 * whatever a body says: API Gateway hands its context to the handler in
 * `requestContext.authorizer`. A body may name the merchant, and must then name the caller.
 *
 * Idempotency without a separate table: the payment id is a keyed hash (HMAC-SHA256 under a
 * secret the program generates) of the merchant and the `Idempotency-Key`, so keys are scoped to
 * the merchant and outsiders cannot compute ids; the payment is written with one conditional put.
 * The first writer wins; a replay with the same request gets the stored response; the same key
 * with a different request is rejected and writes nothing. Validation is hand-written for the
 * same reason as in ./payment: a schema library would be most of the artifact.
 */
import { createHash, createHmac } from "node:crypto";
import {
  CURRENCY_PATTERN,
  ID_PATTERN,
  PAYMENT_METHODS,
  type Payment,
  paymentFields,
  type PaymentMethod,
  type PaymentRecord,
  tokenProblem,
} from "./payment";

/**
 * A replay of a payment still RECEIVED queues it again at most once per this window: long enough
 * for a queued payment's workflow to finish its long retries, short enough that a payment whose
 * message was lost moves on the client's next retry.
 */
export const REQUEUE_WINDOW_MS = 300_000;

/** Larger bodies are refused before parsing; a payment request is a few hundred bytes. */
export const MAX_BODY_BYTES = 8 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const PAYMENT_ID = /^pay_[0-9a-f]{32}$/;
const REQUEST_FIELDS = ["merchantId", "customerId", "amountMinor", "currency", "paymentMethod"];

/** Every error the API answers with: its HTTP status and what it means (the README lists them). */
export const ERRORS = {
  INVALID_JSON: { status: 400, meaning: "the body is not a JSON object" },
  VALIDATION_FAILED: { status: 400, meaning: "a field is missing, unknown or out of range" },
  IDEMPOTENCY_KEY_MISSING: { status: 400, meaning: "POST /payments needs an Idempotency-Key" },
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    meaning: "the Idempotency-Key is not 1-255 printable ASCII characters",
  },
  UNAUTHENTICATED: {
    status: 401,
    meaning: "no valid API key: send Authorization: Bearer <your secret key>",
  },
  FORBIDDEN_MERCHANT: {
    status: 403,
    meaning: "the body names another merchant than the API key's",
  },
  PAYMENT_NOT_FOUND: { status: 404, meaning: "no payment with this id in this region" },
  ROUTE_NOT_FOUND: { status: 404, meaning: "no such route" },
  METHOD_NOT_ALLOWED: { status: 405, meaning: "the route does not take this method" },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: `the body is over ${MAX_BODY_BYTES} bytes` },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: "the body is not application/json" },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    meaning: "the Idempotency-Key was used for a different request",
  },
  // A write whose acknowledgement was lost may have happened: the answer must not say it did not.
  INTERNAL_ERROR: {
    status: 500,
    meaning:
      "an unexpected error; the payment may have been recorded: retry with the same Idempotency-Key to learn its status",
  },
  REGION_NOT_ACTIVE: {
    status: 503,
    meaning: "this region is the standby; payments are written in the active region",
  },
  QUEUE_UNAVAILABLE: {
    status: 503,
    meaning: "the payment was recorded but not queued; retry with the same Idempotency-Key",
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** What API Gateway (REST API, Lambda proxy integration) passes to the handler. */
export interface ApiRequest {
  readonly httpMethod?: string;
  readonly resource?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly pathParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  /** The authorizer's context (`requestContext.authorizer`): the authenticated merchant. */
  readonly requestContext?: {
    readonly authorizer?: Readonly<Record<string, unknown>> | null;
  } | null;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the API needs from the world; the shell implements it with the AWS SDK. */
export interface ApiPorts {
  /** The region that takes writes (the active-region flag), possibly cached briefly. */
  activeRegion(): Promise<string>;
  /** The key of the payment ids' keyed hash (a Secrets Manager secret, read once). */
  paymentIdKey(): Promise<string>;
  /** Writes the record unless a payment with its id exists; returns the existing one if so. */
  putPaymentIfAbsent(
    record: PaymentRecord,
  ): Promise<{ readonly created: true } | { readonly created: false; existing: PaymentRecord }>;
  getPayment(paymentId: string): Promise<PaymentRecord | undefined>;
  enqueue(payment: Payment): Promise<void>;
  /**
   * Marks a RECEIVED payment queued at `at` unless it was queued after `cutoff` (one conditional
   * update): true when this request won the right to queue it again.
   */
  claimRequeue(paymentId: string, at: string, cutoff: string): Promise<boolean>;
  /** Undoes this request's mark after its send failed, so the client's retry queues it. */
  releaseRequeue(paymentId: string, at: string): Promise<void>;
}

export interface ApiSettings {
  /** The region this function runs in. */
  readonly region: string;
  /** Largest payment per accepted currency, minor units; the keys are the accepted currencies. */
  readonly maxAmountMinor: Readonly<Record<string, number>>;
  /** The prefix of the tokenization provider's tokens (`tok_`). */
  readonly tokenPrefix: string;
  readonly now: () => Date;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** A validated request, its merchant the authenticated caller. */
export interface PaymentRequest {
  readonly merchantId: string;
  readonly customerId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly paymentMethod: { readonly type: PaymentMethod; readonly token: string };
}

const JSON_HEADERS = { "Content-Type": "application/json", "Cache-Control": "no-store" };

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}) {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(
  code: ErrorCode,
  message: string = ERRORS[code].meaning,
  extra: { details?: readonly FieldProblem[]; headers?: Record<string, string> } = {},
): ApiResponse {
  const error =
    extra.details === undefined ? { code, message } : { code, message, details: extra.details };
  return json(ERRORS[code].status, { error }, extra.headers);
}

function has(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** The rules a request is validated against: the stack's limits and tokenization prefix. */
export type RequestRules = Pick<ApiSettings, "maxAmountMinor" | "tokenPrefix">;

/**
 * Validates a parsed JSON object of `merchantId` (the caller) against the accepted currencies,
 * limits and tokens. A `merchantId` in the body is the caller's (handleApiRequest refuses any
 * other before this), so the body's is never used.
 */
export function validateRequest(
  body: Readonly<Record<string, unknown>>,
  merchantId: string,
  rules: RequestRules,
): { request: PaymentRequest } | { problems: FieldProblem[] } {
  const { maxAmountMinor } = rules;
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(body).filter((k) => !REQUEST_FIELDS.includes(k))) {
    problems.push({ field: key.slice(0, 64), message: "is not a field of a payment request" });
  }
  const customerId = has(body, "customerId") ? body.customerId : undefined;
  if (typeof customerId !== "string" || !ID_PATTERN.test(customerId)) {
    problems.push({
      field: "customerId",
      message: "must be 1-64 letters, digits, hyphens or underscores",
    });
  }
  const currency = has(body, "currency") ? body.currency : undefined;
  const limit =
    typeof currency === "string" && CURRENCY_PATTERN.test(currency) && has(maxAmountMinor, currency)
      ? maxAmountMinor[currency]
      : undefined;
  if (limit === undefined) {
    problems.push({
      field: "currency",
      message: `must be one of the accepted ISO 4217 currencies: ${Object.keys(maxAmountMinor).sort().join(", ")}`,
    });
  }
  const amount = has(body, "amountMinor") ? body.amountMinor : undefined;
  if (typeof amount !== "number" || !Number.isSafeInteger(amount) || amount <= 0) {
    problems.push({
      field: "amountMinor",
      message: "must be a positive whole number of minor units (cents for USD)",
    });
  } else if (limit !== undefined && amount > limit) {
    problems.push({
      field: "amountMinor",
      message: `must be at most ${limit} for ${String(currency)}`,
    });
  }
  const method = has(body, "paymentMethod") ? body.paymentMethod : undefined;
  const methodRecord =
    typeof method === "object" && method !== null && !Array.isArray(method)
      ? (method as Record<string, unknown>)
      : undefined;
  if (methodRecord === undefined) {
    problems.push({ field: "paymentMethod", message: "must be an object with type and token" });
  } else {
    for (const key of Object.keys(methodRecord).filter((k) => k !== "type" && k !== "token")) {
      problems.push({
        field: `paymentMethod.${key.slice(0, 64)}`,
        message: "is not a field of a payment method",
      });
    }
    const type = has(methodRecord, "type") ? methodRecord.type : undefined;
    if (typeof type !== "string" || !(PAYMENT_METHODS as readonly string[]).includes(type)) {
      problems.push({
        field: "paymentMethod.type",
        message: `must be one of ${PAYMENT_METHODS.join(", ")}`,
      });
    }
    // The message never repeats the token: it may be card data that must go nowhere.
    const tokenIssue = tokenProblem(
      has(methodRecord, "token") ? methodRecord.token : undefined,
      rules.tokenPrefix,
    );
    if (tokenIssue !== undefined) {
      problems.push({ field: "paymentMethod.token", message: tokenIssue });
    }
  }
  if (problems.length > 0) {
    return { problems };
  }
  const valid = body as unknown as PaymentRequest;
  return {
    request: {
      merchantId,
      customerId: valid.customerId,
      amountMinor: valid.amountMinor,
      currency: valid.currency,
      paymentMethod: { type: valid.paymentMethod.type, token: valid.paymentMethod.token },
    },
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The payment id of a merchant's idempotency key: the same key always names the same payment, and
 * without `secret` nobody can tell which id a merchant's key names.
 */
export function paymentIdFor(secret: string, merchantId: string, idempotencyKey: string): string {
  const mac = createHmac("sha256", secret).update(`${merchantId}\u0000${idempotencyKey}`);
  return `pay_${mac.digest("hex").slice(0, 32)}`;
}

/** A fingerprint of the validated request (fixed field order), for replays. */
export function requestHash(request: PaymentRequest): string {
  return sha256(
    JSON.stringify([
      request.merchantId,
      request.customerId,
      request.amountMinor,
      request.currency,
      request.paymentMethod.type,
      request.paymentMethod.token,
    ]),
  );
}

function header(request: ApiRequest, name: string): string | undefined {
  const headers = request.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/**
 * The answer to a request that created `record` (202, RECEIVED), or to its replay: the stored
 * status, 202 while it is RECEIVED and 200 once it is COMPLETED or FAILED.
 */
function accepted(record: PaymentRecord, replayed: boolean): ApiResponse {
  return json(
    record.status === "RECEIVED" ? 202 : 200,
    {
      paymentId: record.paymentId,
      status: record.status,
      region: record.acceptedRegion,
      createdAt: record.createdAt,
    },
    {
      Location: `/payments/${record.paymentId}`,
      ...(replayed ? { "Idempotent-Replayed": "true" } : {}),
    },
  );
}

/** The parsed body of a POST, or the error response that refuses it. */
function parseBody(request: ApiRequest): { value: unknown } | { error: ApiResponse } {
  const contentType = header(request, "content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(contentType.trim())) {
    return { error: errorResponse("UNSUPPORTED_MEDIA_TYPE") };
  }
  const raw = request.body ?? "";
  const text = request.isBase64Encoded === true ? Buffer.from(raw, "base64").toString() : raw;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    return { error: errorResponse("PAYLOAD_TOO_LARGE") };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { error: errorResponse("INVALID_JSON", "the body is not valid JSON") };
  }
}

async function createPayment(
  request: ApiRequest,
  merchantId: string,
  ports: ApiPorts,
  settings: ApiSettings,
): Promise<ApiResponse> {
  const key = header(request, "idempotency-key");
  if (key === undefined || key === "") {
    return errorResponse("IDEMPOTENCY_KEY_MISSING");
  }
  if (!IDEMPOTENCY_KEY.test(key)) {
    return errorResponse("IDEMPOTENCY_KEY_INVALID");
  }
  const parsed = parseBody(request);
  if ("error" in parsed) {
    return parsed.error;
  }
  if (typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value)) {
    return errorResponse("INVALID_JSON");
  }
  const fields = parsed.value as Record<string, unknown>;
  if (has(fields, "merchantId") && fields.merchantId !== merchantId) {
    return errorResponse("FORBIDDEN_MERCHANT");
  }
  const validated = validateRequest(fields, merchantId, settings);
  if ("problems" in validated) {
    return errorResponse("VALIDATION_FAILED", "the payment request is invalid", {
      details: validated.problems,
    });
  }
  const active = await ports.activeRegion();
  if (active !== settings.region) {
    return errorResponse(
      "REGION_NOT_ACTIVE",
      `${settings.region} is the standby; the active region is ${active}`,
      { headers: { "Retry-After": "5" } },
    );
  }
  const body = validated.request;
  const now = settings.now();
  const at = now.toISOString();
  const record: PaymentRecord = {
    ...body,
    paymentId: paymentIdFor(await ports.paymentIdKey(), merchantId, key),
    createdAt: at,
    status: "RECEIVED",
    idempotencyKey: key,
    requestHash: requestHash(body),
    acceptedRegion: settings.region,
    queuedAt: at,
  };
  const written = await ports.putPaymentIfAbsent(record);
  if (!written.created && written.existing.requestHash !== record.requestHash) {
    return errorResponse(
      "IDEMPOTENCY_KEY_REUSED",
      `the Idempotency-Key was used for payment ${written.existing.paymentId} with a different request`,
    );
  }
  const stored = written.created ? record : written.existing;
  // A replay of a payment still RECEIVED queues it again once its last queuing is a window old:
  // if the first send failed (and its mark was undone) or its message was lost, this is the
  // retry that moves it; a workflow already running settles it once anyway.
  const cutoff = new Date(now.getTime() - REQUEUE_WINDOW_MS).toISOString();
  const requeue =
    !written.created &&
    stored.status === "RECEIVED" &&
    (stored.queuedAt === undefined || stored.queuedAt <= cutoff) &&
    (await ports.claimRequeue(stored.paymentId, at, cutoff));
  if (written.created || requeue) {
    try {
      await ports.enqueue(paymentFields(stored));
    } catch (error) {
      console.error(`payment ${stored.paymentId} recorded but not queued`, error);
      await ports.releaseRequeue(stored.paymentId, at).catch((release: unknown) => {
        // The sweeper re-queues a payment left RECEIVED; the client's retries wait a window.
        console.error(`payment ${stored.paymentId}: queue mark not undone`, release);
      });
      return errorResponse("QUEUE_UNAVAILABLE", undefined, { headers: { "Retry-After": "1" } });
    }
  }
  return accepted(stored, !written.created);
}

async function readPayment(
  request: ApiRequest,
  merchantId: string,
  ports: ApiPorts,
): Promise<ApiResponse> {
  const id = request.pathParameters?.paymentId ?? "";
  const record = PAYMENT_ID.test(id) ? await ports.getPayment(id) : undefined;
  // Another merchant's payment is answered as if it did not exist: the answer leaks nothing.
  if (record === undefined || record.merchantId !== merchantId) {
    return errorResponse("PAYMENT_NOT_FOUND", `no payment ${id.slice(0, 64)} in this region`);
  }
  return json(200, {
    paymentId: record.paymentId,
    status: record.status,
    merchantId: record.merchantId,
    customerId: record.customerId,
    amountMinor: record.amountMinor,
    currency: record.currency,
    paymentMethod: { type: record.paymentMethod.type },
    createdAt: record.createdAt,
    region: record.acceptedRegion,
  });
}

const ROUTES: Readonly<Record<string, Readonly<Record<string, true>>>> = {
  "/payments": { POST: true },
  "/payments/{paymentId}": { GET: true },
};

/** Answers one API request. Never throws: an unexpected failure is a 500 with no details. */
export async function handleApiRequest(
  request: ApiRequest,
  ports: ApiPorts,
  settings: ApiSettings,
): Promise<ApiResponse> {
  const route = request.resource ?? "";
  const method = request.httpMethod ?? "";
  if (!has(ROUTES, route)) {
    return errorResponse("ROUTE_NOT_FOUND");
  }
  if (!has(ROUTES[route], method)) {
    return errorResponse("METHOD_NOT_ALLOWED", undefined, {
      headers: { Allow: Object.keys(ROUTES[route]).join(", ") },
    });
  }
  // API Gateway puts the authorizer's context here; a route that reached the handler without one
  // (a definition without the authorizer) serves nobody.
  const merchantId = request.requestContext?.authorizer?.merchantId;
  if (typeof merchantId !== "string" || !ID_PATTERN.test(merchantId)) {
    return errorResponse("UNAUTHENTICATED");
  }
  try {
    return method === "POST"
      ? await createPayment(request, merchantId, ports, settings)
      : await readPayment(request, merchantId, ports);
  } catch (error) {
    // Logged for the operators (the function's JSON log), never returned to the caller.
    console.error("payment API request failed", error);
    return errorResponse("INTERNAL_ERROR");
  }
}
