import { strict as assert } from "node:assert";
import { PAYMENT_REQUEST } from "../fixtures/payments";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import { looksLikeCardNumber, type Payment, type PaymentRecord } from "../../handlers/payment";
import {
  type ApiPorts,
  type ApiRequest,
  type ApiResponse,
  ERRORS,
  type ErrorCode,
  handleApiRequest,
  MAX_BODY_BYTES,
  paymentIdFor,
  REQUEUE_WINDOW_MS,
} from "../../handlers/payments-api";

const REGION = "us-east-1";
const LIMITS = { EUR: 1_000_000, USD: 500_000 };
const NOW = new Date("2026-11-21T10:00:00.000Z");
const SETTINGS = { region: REGION, maxAmountMinor: LIMITS, tokenPrefix: "tok_", now: () => NOW };
/** The payment ids' key the memory ports hold (in AWS: a generated Secrets Manager secret). */
const ID_KEY = "test-payment-id-key";

const BODY = PAYMENT_REQUEST;
const MERCHANT = BODY.merchantId;

/** What API Gateway passes on from the merchant authorizer for `merchantId`'s key. */
function caller(merchantId: string = MERCHANT) {
  return { authorizer: { merchantId, keyId: "0123456789abcdef", principalId: merchantId } };
}

function post(
  body: unknown,
  headers: Record<string, string> = {},
  merchantId: string = MERCHANT,
): ApiRequest {
  return {
    httpMethod: "POST",
    resource: "/payments",
    path: "/payments",
    headers: { "Content-Type": "application/json", "Idempotency-Key": "order-1001", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    requestContext: caller(merchantId),
  };
}

function get(paymentId: string, merchantId: string = MERCHANT): ApiRequest {
  return {
    httpMethod: "GET",
    resource: "/payments/{paymentId}",
    pathParameters: { paymentId },
    requestContext: caller(merchantId),
  };
}

/** Ports over memory, recording every write and send. */
function memoryPorts(options: { active?: string; failSends?: number } = {}) {
  const table = new Map<string, PaymentRecord>();
  const created: string[] = [];
  const sent: Payment[] = [];
  let failSends = options.failSends ?? 0;
  const ports: ApiPorts = {
    activeRegion: () => Promise.resolve(options.active ?? REGION),
    paymentIdKey: () => Promise.resolve(ID_KEY),
    putPaymentIfAbsent(record) {
      const existing = table.get(record.paymentId);
      if (existing !== undefined) {
        return Promise.resolve({ created: false as const, existing });
      }
      table.set(record.paymentId, record);
      created.push(record.paymentId);
      return Promise.resolve({ created: true as const });
    },
    getPayment: (id) => Promise.resolve(table.get(id)),
    // The shell's conditional updates, evaluated here as DynamoDB would evaluate their conditions
    // (the serialized shell runs them on dynalite in payments-api.lambda.test.ts).
    claimRequeue(id, at, cutoff) {
      const record = table.get(id);
      const claimable =
        record?.status === "RECEIVED" &&
        (record.queuedAt === undefined || record.queuedAt <= cutoff);
      if (claimable) {
        table.set(id, { ...record, queuedAt: at });
      }
      return Promise.resolve(claimable);
    },
    releaseRequeue(id, at) {
      const record = table.get(id);
      if (record?.queuedAt === at) {
        const { queuedAt: _released, ...rest } = record;
        table.set(id, rest);
      }
      return Promise.resolve();
    },
    enqueue(payment) {
      if (failSends > 0) {
        failSends -= 1;
        return Promise.reject(new Error("queue unavailable"));
      }
      sent.push(payment);
      return Promise.resolve();
    },
  };
  return { ports, table, created, sent };
}

/** Runs `action` with console.error silenced (the handler logs failures it answers for). */
async function quietly<T>(action: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => undefined;
  try {
    return await action();
  } finally {
    console.error = original;
  }
}

function errorOf(response: ApiResponse): { code: ErrorCode; message: string; details?: unknown } {
  return (JSON.parse(response.body) as { error: { code: ErrorCode; message: string } }).error;
}

const CASES: [string, ApiRequest, ErrorCode, string?][] = [
  ["no Idempotency-Key", post(BODY, { "Idempotency-Key": "" }), "IDEMPOTENCY_KEY_MISSING"],
  ["a key with a space", post(BODY, { "Idempotency-Key": "order 1" }), "IDEMPOTENCY_KEY_INVALID"],
  [
    "a key of 256 characters",
    post(BODY, { "Idempotency-Key": "k".repeat(256) }),
    "IDEMPOTENCY_KEY_INVALID",
  ],
  [
    "a form body",
    post(BODY, { "Content-Type": "application/x-www-form-urlencoded" }),
    "UNSUPPORTED_MEDIA_TYPE",
  ],
  [
    "a body over the limit",
    post({ ...BODY, pad: "x".repeat(MAX_BODY_BYTES) }),
    "PAYLOAD_TOO_LARGE",
  ],
  ["a body that is not JSON", post("{amountMinor: 1"), "INVALID_JSON"],
  ["a JSON array", post("[1,2]"), "INVALID_JSON"],
  ["JSON null", post("null"), "INVALID_JSON"],
  ["a fractional amount", post({ ...BODY, amountMinor: 10.5 }), "VALIDATION_FAILED", "amountMinor"],
  ["a zero amount", post({ ...BODY, amountMinor: 0 }), "VALIDATION_FAILED", "amountMinor"],
  ["a negative amount", post({ ...BODY, amountMinor: -100 }), "VALIDATION_FAILED", "amountMinor"],
  [
    "an amount beyond exact integers",
    post({ ...BODY, amountMinor: 2 ** 53 }),
    "VALIDATION_FAILED",
    "amountMinor",
  ],
  [
    "an amount as a string",
    post({ ...BODY, amountMinor: "100" }),
    "VALIDATION_FAILED",
    "amountMinor",
  ],
  [
    "an amount over the currency's limit",
    post({ ...BODY, currency: "USD", amountMinor: 500_001 }),
    "VALIDATION_FAILED",
    "amountMinor",
  ],
  ["a currency not accepted", post({ ...BODY, currency: "JPY" }), "VALIDATION_FAILED", "currency"],
  ["a lowercase currency", post({ ...BODY, currency: "eur" }), "VALIDATION_FAILED", "currency"],
  [
    "an inherited currency name",
    post({ ...BODY, currency: "constructor" }),
    "VALIDATION_FAILED",
    "currency",
  ],
  [
    "a body naming another merchant",
    post({ ...BODY, merchantId: "merchant-8" }),
    "FORBIDDEN_MERCHANT",
  ],
  [
    "a body naming another merchant, and invalid too",
    post({ ...BODY, merchantId: "merchant-8", amountMinor: -1 }),
    "FORBIDDEN_MERCHANT",
  ],
  [
    "a request without the authorizer's context",
    { ...post(BODY), requestContext: undefined },
    "UNAUTHENTICATED",
  ],
  [
    "an authorizer context without a merchant",
    { ...post(BODY), requestContext: { authorizer: { keyId: "0123456789abcdef" } } },
    "UNAUTHENTICATED",
  ],
  [
    "a customer id of 65 characters",
    post({ ...BODY, customerId: "c".repeat(65) }),
    "VALIDATION_FAILED",
    "customerId",
  ],
  ["an unknown field", post({ ...BODY, note: "hi" }), "VALIDATION_FAILED", "note"],
  [
    "an unknown payment method",
    post({ ...BODY, paymentMethod: { type: "cash", token: "tok_4242424242" } }),
    "VALIDATION_FAILED",
    "paymentMethod.type",
  ],
  [
    "a card number instead of a token",
    post({ ...BODY, paymentMethod: { type: "card", token: "4242 4242 4242 4242" } }),
    "VALIDATION_FAILED",
    "paymentMethod.token",
  ],
  [
    "a card number behind the token prefix",
    post({ ...BODY, paymentMethod: { type: "card", token: "tok_4111111111111111" } }),
    "VALIDATION_FAILED",
    "paymentMethod.token",
  ],
  [
    "a card number with separators behind the prefix",
    post({ ...BODY, paymentMethod: { type: "card", token: "tok_4111-1111-1111-1111" } }),
    "VALIDATION_FAILED",
    "paymentMethod.token",
  ],
  [
    "a token of another tokenization provider",
    post({ ...BODY, paymentMethod: { type: "card", token: "pm_1Nv0aB2eZvKYlo2C" } }),
    "VALIDATION_FAILED",
    "paymentMethod.token",
  ],
  [
    "a payment method as an array",
    post({ ...BODY, paymentMethod: [] }),
    "VALIDATION_FAILED",
    "paymentMethod",
  ],
  ["an unknown route", { httpMethod: "GET", resource: "/refunds" }, "ROUTE_NOT_FOUND"],
  [
    "a method the route does not take",
    { httpMethod: "DELETE", resource: "/payments" },
    "METHOD_NOT_ALLOWED",
  ],
  ["an unknown payment", get("pay_0"), "PAYMENT_NOT_FOUND"],
];

describe("payments API core", () => {
  describe("refuses each bad request with its documented status and code, writing nothing", () => {
    for (const [what, request, code, field] of CASES) {
      it(what, async () => {
        const world = memoryPorts();
        const response = await handleApiRequest(request, world.ports, SETTINGS);
        assert.equal(response.statusCode, ERRORS[code].status);
        const error = errorOf(response);
        assert.equal(error.code, code);
        if (field !== undefined) {
          const details = error.details as { field: string }[];
          assert.deepEqual(
            details.map((d) => d.field),
            [field],
          );
        }
        assert.deepEqual([world.created, world.sent], [[], []]);
      });
    }
  });

  it("documents every error code with its status in docs/api.md", () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs/api.md"), "utf8");
    for (const [code, { status }] of Object.entries(ERRORS)) {
      assert.match(doc, new RegExp(`\\| \`${code}\` +\\| ${status} +\\|`), code);
    }
  });

  it("accepts a payment: one record, one message, 202 with id, status and region", async () => {
    const world = memoryPorts();
    const response = await handleApiRequest(post(BODY), world.ports, SETTINGS);
    const paymentId = paymentIdFor(ID_KEY, MERCHANT, "order-1001");
    assert.equal(response.statusCode, 202);
    assert.deepEqual(JSON.parse(response.body), {
      paymentId,
      status: "RECEIVED",
      region: REGION,
      createdAt: NOW.toISOString(),
    });
    assert.equal(response.headers.Location, `/payments/${paymentId}`);
    assert.deepEqual(world.created, [paymentId]);
    // The queue gets the payment without its token; only the table keeps the token.
    assert.deepEqual(world.sent, [
      { ...BODY, paymentMethod: { type: "card" }, paymentId, createdAt: NOW.toISOString() },
    ]);
    assert.equal(world.table.get(paymentId)?.status, "RECEIVED");
    assert.deepEqual(world.table.get(paymentId)?.paymentMethod, BODY.paymentMethod);
  });

  it("answers a replay with the stored response and creates nothing", async () => {
    const world = memoryPorts();
    const first = await handleApiRequest(post(BODY), world.ports, SETTINGS);
    const later = { ...SETTINGS, now: () => new Date("2026-11-21T10:05:00.000Z") };
    // Same content, other key order and spacing: the same request.
    const replay = await handleApiRequest(
      post(`{ "currency":"EUR", ${JSON.stringify(BODY).slice(1)}`.replace(',"currency":"EUR"', "")),
      world.ports,
      later,
    );
    assert.equal(replay.statusCode, 202);
    assert.equal(replay.body, first.body);
    assert.equal(replay.headers["Idempotent-Replayed"], "true");
    assert.equal(first.headers["Idempotent-Replayed"], undefined);
    assert.equal(world.created.length, 1);
  });

  it("queues a replay of a RECEIVED payment again at most once per re-queue window", async () => {
    const world = memoryPorts();
    const at = (offsetMs: number) => ({
      ...SETTINGS,
      now: () => new Date(NOW.getTime() + offsetMs),
    });
    await handleApiRequest(post(BODY), world.ports, SETTINGS);
    const replays: [number, number][] = [
      [1_000, 1], // within the window: not queued again
      [REQUEUE_WINDOW_MS - 1, 1],
      [REQUEUE_WINDOW_MS, 2], // a window after the first queuing: queued again
      [REQUEUE_WINDOW_MS + 1_000, 2], // within the new window
      [2 * REQUEUE_WINDOW_MS, 3],
    ];
    for (const [offset, sends] of replays) {
      const replay = await handleApiRequest(post(BODY), world.ports, at(offset));
      assert.equal(replay.statusCode, 202, `at +${offset} ms`);
      assert.equal(world.sent.length, sends, `at +${offset} ms`);
    }
  });

  it("answers a replay of a settled payment with its stored status (200) and queues nothing", async () => {
    const world = memoryPorts();
    await handleApiRequest(post(BODY), world.ports, SETTINGS);
    const [id, record] = [...world.table.entries()][0];
    for (const status of ["COMPLETED", "FAILED"] as const) {
      world.table.set(id, { ...record, status });
      const later = { ...SETTINGS, now: () => new Date(NOW.getTime() + 2 * REQUEUE_WINDOW_MS) };
      const replay = await handleApiRequest(post(BODY), world.ports, later);
      assert.equal(replay.statusCode, 200);
      assert.equal((JSON.parse(replay.body) as { status: string }).status, status);
      assert.equal(world.sent.length, 1);
    }
  });

  it("rejects the same key with a different request (422) and writes nothing", async () => {
    const world = memoryPorts();
    await handleApiRequest(post(BODY), world.ports, SETTINGS);
    const stored = [...world.table.values()];
    const reused = await handleApiRequest(
      post({ ...BODY, amountMinor: 99_999 }),
      world.ports,
      SETTINGS,
    );
    assert.equal(reused.statusCode, 422);
    assert.equal(errorOf(reused).code, "IDEMPOTENCY_KEY_REUSED");
    assert.deepEqual([...world.table.values()], stored);
    assert.equal(world.sent.length, 1);
  });

  it("scopes keys to the merchant, and ids cannot be computed without the key", () => {
    assert.notEqual(
      paymentIdFor(ID_KEY, MERCHANT, "k-1"),
      paymentIdFor(ID_KEY, "merchant-8", "k-1"),
    );
    assert.notEqual(
      paymentIdFor(ID_KEY, MERCHANT, "k-1"),
      paymentIdFor("other-key", MERCHANT, "k-1"),
    );
    assert.match(paymentIdFor(ID_KEY, MERCHANT, "k-1"), /^pay_[0-9a-f]{32}$/);
  });

  it("takes the merchant from the authorizer: a body without one is the caller's payment", async () => {
    const world = memoryPorts();
    const { merchantId: _named, ...unnamed } = BODY;
    const response = await handleApiRequest(post(unnamed), world.ports, SETTINGS);
    assert.equal(response.statusCode, 202);
    assert.equal([...world.table.values()][0].merchantId, MERCHANT);
  });

  it("makes key squatting impossible: another merchant's use of a key is its own payment", async () => {
    const world = memoryPorts();
    // The attacker knows the victim's merchant id and guesses its next Idempotency-Key.
    const squat = await handleApiRequest(post(BODY, {}, "merchant-evil"), world.ports, SETTINGS);
    assert.equal(squat.statusCode, 403);
    assert.equal(errorOf(squat).code, "FORBIDDEN_MERCHANT");
    assert.deepEqual([world.created, world.sent], [[], []]);
    const { merchantId: _victim, ...own } = BODY;
    const attackersOwn = await handleApiRequest(
      post({ ...own, amountMinor: 1 }, {}, "merchant-evil"),
      world.ports,
      SETTINGS,
    );
    assert.equal(attackersOwn.statusCode, 202);
    // The victim's real request is accepted as a new payment, not refused as a reused key.
    const victim = await handleApiRequest(post(BODY), world.ports, SETTINGS);
    assert.equal(victim.statusCode, 202);
    assert.equal(victim.headers["Idempotent-Replayed"], undefined);
    assert.deepEqual(
      [...world.table.values()].map((r) => [r.merchantId, r.amountMinor]),
      [
        ["merchant-evil", 1],
        [MERCHANT, BODY.amountMinor],
      ],
    );
  });

  it("answers another merchant's payment exactly as an unknown one (404)", async () => {
    const world = memoryPorts();
    await handleApiRequest(post(BODY), world.ports, SETTINGS);
    const paymentId = paymentIdFor(ID_KEY, MERCHANT, "order-1001");
    const stranger = await handleApiRequest(get(paymentId, "merchant-8"), world.ports, SETTINGS);
    const unknown = await handleApiRequest(get(paymentId), memoryPorts().ports, SETTINGS);
    assert.equal(stranger.statusCode, 404);
    assert.deepEqual(stranger, unknown);
    const owner = await handleApiRequest(get(paymentId), world.ports, SETTINGS);
    assert.equal(owner.statusCode, 200);
  });

  it("refuses a card number as a token without repeating it, and writes nothing", async () => {
    for (const token of [
      "tok_4111111111111111",
      "tok_5555 5555 5555 4444",
      "tok_a4111b1111c1111d1111",
    ]) {
      const world = memoryPorts();
      const body = { ...BODY, paymentMethod: { type: "card", token } };
      const response = await handleApiRequest(post(body), world.ports, SETTINGS);
      assert.equal(response.statusCode, 400, token);
      assert.deepEqual(errorOf(response).details, [
        {
          field: "paymentMethod.token",
          message:
            "looks like a card number: send the token your tokenization provider issued, never card data",
        },
      ]);
      assert.ok(!response.body.includes(token.slice(4, 12)), token);
      assert.deepEqual([world.created, world.sent], [[], []]);
    }
  });

  it("tells card numbers from tokens: 12-19 digit runs, or 12-19 digits passing Luhn", () => {
    const cases: [string, boolean][] = [
      ["tok_4111111111111111", true], // Visa test PAN
      ["tok_378282246310005", true], // Amex test PAN, 15 digits
      ["tok_4111111111111112", true], // 16 digits in a row, Luhn or not
      ["tok_a4b1c1d1e1f1g1h1i1j1k1l1m1n1o1p1", true], // 16 digits passing Luhn, interleaved
      ["tok_a4b1c1d1e1f1g1h1i1j1k1l1m1n1o1p2", false], // 16 digits failing Luhn, interleaved
      ["tok_4242424242", false], // 10 digits
      ["tok_9f8e7d6c5b4a3f2e1d0c", false],
      ["tok_01234567890", false], // 11 digits
    ];
    for (const [token, expected] of cases) {
      assert.equal(looksLikeCardNumber(token), expected, token);
    }
  });

  it("refuses writes in the standby region with 503 and the active region, writing nothing", async () => {
    const world = memoryPorts({ active: "us-west-2" });
    const response = await handleApiRequest(post(BODY), world.ports, SETTINGS);
    assert.equal(response.statusCode, 503);
    assert.deepEqual(errorOf(response), {
      code: "REGION_NOT_ACTIVE",
      message: "us-east-1 is the standby; the active region is us-west-2",
    });
    assert.equal(response.headers["Retry-After"], "5");
    assert.deepEqual([world.created, world.sent], [[], []]);
  });

  it("keeps a payment whose message could not be sent, and queues it on the retry", async () => {
    const world = memoryPorts({ failSends: 1 });
    const first = await quietly(() => handleApiRequest(post(BODY), world.ports, SETTINGS));
    assert.equal(first.statusCode, 503);
    assert.equal(errorOf(first).code, "QUEUE_UNAVAILABLE");
    assert.equal(world.table.size, 1);
    const retry = await handleApiRequest(post(BODY), world.ports, SETTINGS);
    assert.equal(retry.statusCode, 202);
    assert.equal(world.sent.length, 1);
    assert.equal(world.created.length, 1);
  });

  it("reads a payment back without its payment token", async () => {
    const world = memoryPorts();
    await handleApiRequest(post(BODY), world.ports, SETTINGS);
    const paymentId = paymentIdFor(ID_KEY, MERCHANT, "order-1001");
    const response = await handleApiRequest(get(paymentId), world.ports, SETTINGS);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(JSON.parse(response.body), {
      paymentId,
      status: "RECEIVED",
      merchantId: "merchant-7",
      customerId: "customer-42",
      amountMinor: 12_345,
      currency: "EUR",
      paymentMethod: { type: "card" },
      createdAt: NOW.toISOString(),
      region: REGION,
    });
  });

  it("answers 500 without details when a port fails unexpectedly", async () => {
    const world = memoryPorts();
    const broken = { ...world.ports, putPaymentIfAbsent: () => Promise.reject(new Error("boom")) };
    const response = await quietly(() => handleApiRequest(post(BODY), broken, SETTINGS));
    assert.equal(response.statusCode, 500);
    assert.deepEqual(errorOf(response), {
      code: "INTERNAL_ERROR",
      message: ERRORS.INTERNAL_ERROR.meaning,
    });
    assert.doesNotMatch(response.body, /boom|at /);
  });

  it("fuzz: 5,000 generated requests never get a 5xx; refusals carry their documented code and write nothing", async () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: "grapheme" }),
      fc.string({ minLength: 60, maxLength: 300 }),
      fc.constantFrom("", " ", "\u0000", "🙂", "merchant-7", "tok_4242424242"),
    );
    const amount = fc.oneof(
      fc.integer({ min: -1_000_000, max: 2_000_000 }),
      fc.double(),
      fc.constantFrom(0, -0, 2 ** 53, 1e308, Number.MAX_SAFE_INTEGER, "100", null, true),
      fc.bigInt().map(String),
    );
    const currency = fc.oneof(
      fc.constantFrom("EUR", "USD", "GBP", "JPY", "eur", "EURO", "__proto__"),
      text,
    );
    const method = fc.oneof(
      fc.record({
        type: fc.oneof(fc.constantFrom("card", "bank_transfer", "wallet", "cash"), text),
        token: fc.oneof(
          fc.constantFrom("tok_4242424242", "short", "tok_4111111111111111", "4242424242424242"),
          text,
        ),
      }),
      fc.anything(),
    );
    const payment = fc.record(
      {
        merchantId: fc.oneof(fc.constantFrom("merchant-7"), text),
        customerId: fc.oneof(fc.constantFrom("customer-42"), text),
        amountMinor: amount,
        currency,
        paymentMethod: method,
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      payment.map((p) => JSON.stringify(p)),
      fc.json(),
      fc.string(),
      fc.string({ minLength: MAX_BODY_BYTES - 10, maxLength: MAX_BODY_BYTES + 10 }),
      fc.constantFrom("[]", "null", "1.5", '"text"', "{", "{}"),
    );
    const request = fc.record({
      httpMethod: fc.constantFrom("POST", "POST", "POST", "GET", "PUT"),
      resource: fc.constantFrom("/payments", "/payments", "/payments/{paymentId}", "/", "/health"),
      headers: fc.record(
        {
          "Content-Type": fc.constantFrom(
            "application/json",
            "application/json; charset=utf-8",
            "text/plain",
            "",
          ),
          "Idempotency-Key": fc.oneof(fc.constantFrom("order-1", "k"), text),
        },
        { requiredKeys: [] },
      ),
      pathParameters: fc.option(fc.record({ paymentId: text })),
      body: fc.option(body),
      isBase64Encoded: fc.boolean(),
      requestContext: fc.oneof(
        fc.constant(caller()),
        fc.constant(caller()),
        fc.record({ authorizer: fc.record({ merchantId: text }) }),
        fc.constantFrom(undefined, null, {}, { authorizer: null }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async (generated) => {
        const world = memoryPorts();
        const response = await handleApiRequest(generated, world.ports, SETTINGS);
        assert.ok(response.statusCode < 500, response.body);
        const parsed = JSON.parse(response.body) as { error?: { code: ErrorCode } };
        if (response.statusCode === 202) {
          assert.equal(world.created.length, 1);
          assert.equal(world.sent.length, 1);
          return;
        }
        if (parsed.error !== undefined) {
          assert.equal(response.statusCode, ERRORS[parsed.error.code].status);
        } else {
          assert.equal(response.statusCode, 200);
        }
        assert.deepEqual([world.created, world.sent], [[], []]);
      }),
      { numRuns: 5_000, seed: 20261121 },
    );
  });
});
