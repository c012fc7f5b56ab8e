import { strict as assert } from "node:assert";
import { StateMachine } from "aws-local-stepfunctions";
import { authorize, type AuthorizationRules } from "../../handlers/authorize";
import type { Payment } from "../../handlers/payment";
import { RETRY_ATTEMPTS, type TaskState, TRANSIENT_ERRORS } from "../../definitions/asl";
import {
  paymentWorkflowDefinition,
  type WorkflowDefinition,
} from "../../definitions/payment-workflow";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require("asl-validator") as (definition: unknown) => {
  isValid: boolean;
  errorsText: () => string;
};

const TARGETS = {
  authorizeFunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:acmepay-dev-authorize-use1",
  tableName: "acmepay-dev-payments",
  clusterArn: "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-dev-ledger-use1",
  credentialsSecretArn:
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:acmepay-dev-ledger-admin-AbCdEf",
  database: "ledger",
  receiptsBucket: "acmepay-dev-receipts-use1",
  eventBusName: "acmepay-dev-payments",
  region: "us-east-1",
};
const DEFINITION: WorkflowDefinition = paymentWorkflowDefinition(TARGETS);

const RULES: AuthorizationRules = {
  maxAmountMinor: { EUR: 1_000_000, USD: 1_000_000 },
  velocity: {
    windowSeconds: 3600,
    maxPayments: 10,
    maxAmountMinor: { EUR: 5_000_000, USD: 5_000_000 },
  },
};
const PAYMENT: Payment = {
  paymentId: "pay_01",
  merchantId: "merchant-7",
  customerId: "cust_42",
  amountMinor: 1250,
  currency: "EUR",
  paymentMethod: { type: "card", token: "tok_4242424242" },
  createdAt: "2026-11-21T10:00:00.000Z",
};

const TASKS = Object.entries(DEFINITION.States)
  .filter(([, state]) => state.Type === "Task")
  .map(([name]) => name);

type Handler = (input: Record<string, unknown>) => unknown;

/** Runs the definition locally; every Task is a recording stand-in unless `handlers` overrides it. */
async function execute(payment: unknown, handlers: Record<string, Handler> = {}) {
  const calls: { state: string; input: Record<string, unknown> }[] = [];
  const local = Object.fromEntries(
    TASKS.map((state) => [
      state,
      async (input: unknown) => {
        calls.push({ state, input: input as Record<string, unknown> });
        const handler =
          handlers[state] ??
          (state === "Authorize"
            ? (i: Record<string, unknown>) => ({
                Payload: authorize((i.Payload as { payment: unknown }).payment, RULES, []),
              })
            : () => ({}));
        return handler(input as Record<string, unknown>) as never;
      },
    ]),
  );
  const machine = new StateMachine(DEFINITION as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const run = machine.run({ payment } as never, {
    // The interpreter does not fill the context object; Step Functions does.
    context: { State: { EnteredTime: "2026-11-21T10:00:01.000Z" } },
    overrides: {
      taskResourceLocalHandlers: local,
      retryIntervalOverrides: Object.fromEntries(TASKS.map((state) => [state, 0])),
    },
  });
  try {
    return { output: await run.result, error: undefined, calls };
  } catch (error) {
    // The execution's error name (a Fail state's Error) is the cause's name.
    const failure = error as Error & { cause?: Error };
    return {
      output: undefined,
      error: `${failure.cause?.name ?? failure.name}: ${failure.message}`,
      calls,
    };
  }
}

function failing(times: number, name: string): Handler {
  let failures = 0;
  return () => {
    if (failures < times) {
      failures += 1;
      const error = new Error(`${name} #${failures}`);
      error.name = name;
      throw error;
    }
    return {};
  };
}

describe("payment workflow", () => {
  it("is valid Amazon States Language, in JSONPath", () => {
    const result = aslValidator(DEFINITION);
    assert.ok(result.isValid, result.errorsText());
    assert.equal((DEFINITION as { QueryLanguage?: string }).QueryLanguage, undefined);
  });

  it("retries every task with bounded exponential backoff and full jitter, and catches everything else", () => {
    for (const name of TASKS) {
      const state = DEFINITION.States[name] as TaskState;
      assert.deepEqual(
        state.Retry.map((r) => [r.MaxAttempts, r.BackoffRate, r.JitterStrategy, r.MaxDelaySeconds]),
        [[RETRY_ATTEMPTS, 2, "FULL", 20]],
        name,
      );
      assert.ok(
        !state.Retry[0].ErrorEquals.includes("States.ALL"),
        `${name} retries only transient errors`,
      );
      assert.deepEqual(state.Catch[0].ErrorEquals, ["States.ALL"], name);
    }
  });

  it("takes a good payment through every step in order to COMPLETED", async () => {
    const { output, error, calls } = await execute(PAYMENT);
    assert.equal(error, undefined);
    assert.deepEqual(
      calls.map((c) => c.state),
      ["Authorize", "RecordLedgerEntry", "MarkCompleted", "WriteReceipt", "PublishCompleted"],
    );
    const ledger = calls[1].input as {
      Parameters: { Name: string; Value: unknown }[];
      ResourceArn: string;
    };
    assert.equal(ledger.ResourceArn, TARGETS.clusterArn);
    assert.deepEqual(
      ledger.Parameters.map((p) => [p.Name, p.Value]),
      [
        ["payment_id", { StringValue: "pay_01" }],
        ["merchant_id", { StringValue: "merchant-7" }],
        ["amount_minor", { LongValue: 1250 }],
        ["currency", { StringValue: "EUR" }],
        ["region", { StringValue: "us-east-1" }],
      ],
    );
    assert.deepEqual((calls[2].input as { Key: unknown }).Key, { paymentId: { S: "pay_01" } });
    assert.equal((calls[3].input as { Key: string }).Key, "receipts/merchant-7/pay_01.json");
    assert.deepEqual((calls[3].input as { Body: unknown }).Body, PAYMENT);
    assert.equal(
      (calls[4].input as { Entries: { DetailType: string }[] }).Entries[0].DetailType,
      "PaymentCompleted",
    );
    assert.deepEqual(
      (output as { authorization: { approved: boolean } }).authorization.approved,
      true,
    );
  });

  describe("retries a transient error on each step exactly as configured", () => {
    const transient: Record<string, string> = {
      Authorize: TRANSIENT_ERRORS.lambda[0],
      RecordLedgerEntry: TRANSIENT_ERRORS.rdsData[0],
      MarkCompleted: TRANSIENT_ERRORS.dynamodb[1],
      WriteReceipt: TRANSIENT_ERRORS.s3[0],
      PublishCompleted: TRANSIENT_ERRORS.eventBridge[0],
    };
    for (const [state, errorName] of Object.entries(transient)) {
      it(`${state}: ${RETRY_ATTEMPTS} failures, then success`, async () => {
        const authorizeThenFail =
          state === "Authorize"
            ? (() => {
                const fail = failing(RETRY_ATTEMPTS, errorName);
                return (i: Record<string, unknown>) => {
                  fail(i);
                  return {
                    Payload: authorize((i.Payload as { payment: unknown }).payment, RULES, []),
                  };
                };
              })()
            : failing(RETRY_ATTEMPTS, errorName);
        const { error, calls } = await execute(PAYMENT, { [state]: authorizeThenFail });
        assert.equal(error, undefined);
        assert.equal(calls.filter((c) => c.state === state).length, RETRY_ATTEMPTS + 1);
        assert.equal(calls[calls.length - 1].state, "PublishCompleted");
      });
    }

    it("gives up after the last retry and fails the payment", async () => {
      const { error, calls } = await execute(PAYMENT, {
        RecordLedgerEntry: failing(RETRY_ATTEMPTS + 1, TRANSIENT_ERRORS.rdsData[0]),
      });
      assert.match(String(error), /^Payment\.Failed: /);
      assert.equal(calls.filter((c) => c.state === "RecordLedgerEntry").length, RETRY_ATTEMPTS + 1);
      assert.deepEqual(
        calls.slice(-2).map((c) => c.state),
        ["MarkFailed", "PublishFailed"],
      );
    });
  });

  it("marks the payment FAILED with the cause of a permanent error, alerts, and fails", async () => {
    const { error, calls } = await execute(PAYMENT, {
      WriteReceipt: failing(1, "S3.AccessDeniedException"),
    });
    assert.match(String(error), /^Payment\.Failed: /);
    assert.deepEqual(
      calls.map((c) => c.state),
      [
        "Authorize",
        "RecordLedgerEntry",
        "MarkCompleted",
        "WriteReceipt",
        "MarkFailed",
        "PublishFailed",
      ],
    );
    const marked = calls[4].input as {
      Key: unknown;
      ExpressionAttributeValues: Record<string, unknown>;
    };
    assert.deepEqual(marked.Key, { paymentId: { S: "pay_01" } });
    assert.deepEqual(marked.ExpressionAttributeValues[":status"], { S: "FAILED" });
    assert.deepEqual(marked.ExpressionAttributeValues[":detail"], {
      M: { error: { S: "S3.AccessDeniedException" }, cause: { S: "S3.AccessDeniedException #1" } },
    });
    const alert = (calls[5].input as { Entries: { DetailType: string }[] }).Entries[0];
    assert.equal(alert.DetailType, "PaymentFailed");
  });

  it("ends a declined payment FAILED with the decline reasons, moving no money", async () => {
    const { error, calls } = await execute({ ...PAYMENT, currency: "JPY" });
    assert.match(String(error), /^Payment\.Declined: /);
    assert.deepEqual(
      calls.map((c) => c.state),
      ["Authorize", "MarkDeclined", "PublishDeclined"],
    );
    const detail = (
      calls[1].input as {
        ExpressionAttributeValues: Record<string, { M: { declined: { S: string } } }>;
      }
    ).ExpressionAttributeValues[":detail"].M.declined.S;
    assert.deepEqual(JSON.parse(detail), [
      { code: "CURRENCY_NOT_ALLOWED", message: "JPY is not accepted; accepted: EUR, USD" },
    ]);
  });

  it("stops input that is not a payment before any step acts on it", async () => {
    const { error, calls } = await execute({ paymentId: 42, amountMinor: "lots" });
    assert.match(String(error), /^Payment\.Invalid: /);
    assert.deepEqual(
      calls.map((c) => c.state),
      ["Authorize"],
    );
  });
});
