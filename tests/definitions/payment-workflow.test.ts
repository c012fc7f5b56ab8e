/**
 * The payment workflow's definition, run by aws-local-stepfunctions (an ASL interpreter), with its
 * Tasks answered by independent judges where one exists:
 * - DynamoDB (`getItem`, `updateItem`): dynalite, so condition and update expressions are
 *   evaluated as DynamoDB does. Step Functions names an error of its DynamoDB integration
 *   `DynamoDB.<exception>` (https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html).
 * - The ledger (`rdsdata:executeStatement`): a real PostgreSQL with the ledger's schema, the named
 *   parameters bound as the Data API binds them
 *   (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html).
 * - Authorize: the real authorization core.
 * - S3, EventBridge and SQS: in-memory records of the request (their answers are not read).
 */
import { PER_PAYMENT } from "../../model/cost";
import { strict as assert } from "node:assert";
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { StateMachine } from "aws-local-stepfunctions";
import {
  type Admission,
  authorize,
  type AuthorizationRules,
  NOT_ACTIVE_HERE,
} from "../../handlers/authorize";
import { applySchema } from "../../handlers/ledger-schema";
import type { Payment, PaymentRecord } from "../../handlers/payment";
import { toItem } from "../../handlers/runtime";
import { RETRY_ATTEMPTS, type TaskState, TRANSIENT_ERRORS } from "../../definitions/asl";
import {
  CONDITION_FAILED,
  LEFT_RECEIVED,
  paymentWorkflowDefinition,
  REPAIR_DELAY_SECONDS,
  type WorkflowDefinition,
} from "../../definitions/payment-workflow";
import {
  createPaymentsTable,
  type LocalDynamoDb,
  startDynamoDb,
} from "../../tools/harness/emulators";
import { type Postgres, startPostgres } from "../../tools/harness/postgres";
import { executeStatement, fromIntegration } from "../../tools/harness/data-api";
import { stackPlan } from "../fixtures/plan";
import { STORED_METHOD } from "../fixtures/payments";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require("asl-validator") as (definition: unknown) => {
  isValid: boolean;
  errorsText: () => string;
};

const TARGETS = {
  authorizeFunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:acmepay-dev-authorize-use1",
  authorizeTimeoutSeconds: 10,
  tableName: "acmepay-dev-payments",
  clusterArn: "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-dev-ledger-use1",
  credentialsSecretArn:
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:acmepay-dev-ledger-writer-AbCdEf",
  database: "ledger",
  receiptsBucket: "acmepay-dev-receipts-use1",
  eventBusName: "acmepay-dev-payments",
  repairQueueUrl:
    "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-dev-payments-repair-use1",
  region: "us-east-1",
};
const DEFINITION: WorkflowDefinition = paymentWorkflowDefinition(TARGETS);
const STATES = DEFINITION.States as unknown as Record<string, Record<string, unknown>>;
const TASKS = Object.keys(STATES).filter((name) => STATES[name].Type === "Task");
const AFTER_LEDGER = ["RecordLedgerEntry", "MarkCompleted", "WriteReceipt", "PublishCompleted"];

const RULES: AuthorizationRules = {
  maxAmountMinor: { EUR: 1_000_000, USD: 1_000_000 },
  velocity: {
    windowSeconds: 3600,
    maxPayments: 10,
    maxAmountMinor: { EUR: 5_000_000, USD: 5_000_000 },
  },
};

let sequence = 0;
/** A payment the API recorded (RECEIVED), with a fresh id. */
function newPayment(overrides: Partial<Payment> = {}): Payment {
  sequence += 1;
  return {
    paymentId: `pay_${String(sequence).padStart(32, "0")}`,
    merchantId: "merchant-7",
    customerId: "cust_42",
    amountMinor: 1250,
    currency: "EUR",
    paymentMethod: { type: "card" },
    createdAt: "2026-11-21T10:00:00.000Z",
    ...overrides,
  };
}

type Handler = (input: Record<string, unknown>) => unknown;
const named = (name: string, message = name) => Object.assign(new Error(message), { name });
/** A handler that fails `times` times with `error`, then answers as `then`. */
function failing(times: number, error: string, then: Handler): Handler {
  let failures = 0;
  return async (input) => {
    if (failures < times) {
      failures += 1;
      throw named(error, `${error} #${failures}`);
    }
    return then(input);
  };
}

describe("payment workflow (aws-local-stepfunctions, dynalite, PostgreSQL)", function () {
  this.timeout(120_000);
  let db: LocalDynamoDb;
  let ledger: Postgres;
  const sent: { receipts: unknown[]; events: unknown[]; repairs: unknown[] } = {
    receipts: [],
    events: [],
    repairs: [],
  };

  before(async () => {
    db = await startDynamoDb();
    await createPaymentsTable(db, TARGETS.tableName);
    ledger = await startPostgres();
    await applySchema(async (sql) => ledger.execute(sql));
  });
  after(async () => {
    await db?.close();
    ledger?.stop();
  });
  beforeEach(() => {
    sent.receipts.length = 0;
    sent.events.length = 0;
    sent.repairs.length = 0;
  });

  async function record(payment: Payment, extra: Record<string, { S: string }> = {}) {
    const item: PaymentRecord = {
      ...payment,
      paymentMethod: STORED_METHOD,
      status: "RECEIVED",
      idempotencyKey: `key-${payment.paymentId}`,
      requestHash: "0".repeat(64),
      acceptedRegion: "us-east-1",
    };
    await db.client.send(
      new PutItemCommand({ TableName: TARGETS.tableName, Item: { ...toItem(item), ...extra } }),
    );
  }
  async function stored(paymentId: string) {
    const { Item } = await db.client.send(
      new GetItemCommand({
        TableName: TARGETS.tableName,
        Key: { paymentId: { S: paymentId } },
        ConsistentRead: true,
      }),
    );
    return Item;
  }
  const ledgerRows = (paymentId: string) =>
    ledger.query(
      `SELECT direction, amount_minor, currency, region FROM ledger_entries WHERE payment_id = '${paymentId}'`,
    );

  /** The judges behind each Task of the definition. */
  const REAL: Record<string, Handler> = {};
  const dynamodb =
    (command: "get" | "update"): Handler =>
    async (input) => {
      try {
        const output =
          command === "get"
            ? await db.client.send(new GetItemCommand(input as never))
            : await db.client.send(new UpdateItemCommand(input as never));
        const { $metadata: _metadata, ...result } = output;
        return result;
      } catch (error) {
        throw named(`DynamoDB.${(error as Error).name}`, (error as Error).message);
      }
    };
  REAL.ReadPayment = dynamodb("get");
  for (const state of ["MarkLedgerAttempted", "MarkCompleted", "MarkDeclined"]) {
    REAL[state] = dynamodb("update");
  }
  // The aws-sdk integration passes the Data API's request with capitalized member names.
  const statement: Handler = async (input) => {
    const parameters = fromIntegration(input.Parameters);
    try {
      return executeStatement(ledger, String(input.Sql), parameters);
    } catch (error) {
      throw named(`RdsData.${(error as Error).name}`, (error as Error).message);
    }
  };
  REAL.ProbeLedgerWriter = statement;
  REAL.RecordLedgerEntry = statement;
  REAL.WriteReceipt = async (input) => {
    sent.receipts.push(input);
    return { ETag: '"1"' };
  };
  REAL.PublishCompleted = async (input) => {
    sent.events.push(input);
    return { Entries: [{ EventId: "1" }], FailedEntryCount: 0 };
  };
  REAL.PublishDeclined = REAL.PublishCompleted;
  REAL.ParkForRepair = async (input) => {
    sent.repairs.push(input);
    return { MessageId: "m-1" };
  };
  const admit =
    (rules: AuthorizationRules = RULES, activeHere = true): Handler =>
    async (input) => {
      const payment = (input.Payload as { payment: unknown }).payment;
      const admission: Admission = activeHere
        ? { activeHere: true, ...authorize(payment, rules, []) }
        : NOT_ACTIVE_HERE;
      return { Payload: admission };
    };
  REAL.Authorize = admit();

  /** Runs one execution; `handlers` replace the judges of some Tasks. */
  async function execute(input: unknown, handlers: Record<string, Handler> = {}) {
    const calls: string[] = [];
    /** What each Task was given and answered: the execution's history holds both. */
    const history: unknown[] = [input];
    const local = Object.fromEntries(
      TASKS.map((state) => [
        state,
        async (taskInput: unknown) => {
          calls.push(state);
          history.push(taskInput);
          const result = await (handlers[state] ?? REAL[state])(
            taskInput as Record<string, unknown>,
          );
          history.push(result);
          return result as never;
        },
      ]),
    );
    const machine = new StateMachine(DEFINITION as never, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    const run = machine.run(input as never, {
      // The interpreter does not fill the context object; Step Functions does.
      context: {
        State: { EnteredTime: "2026-11-21T10:00:01.000Z" },
        Execution: { Id: "arn:aws:states:us-east-1:111122223333:execution:payments:run-1" },
      },
      overrides: {
        taskResourceLocalHandlers: local,
        retryIntervalOverrides: Object.fromEntries(TASKS.map((state) => [state, 0])),
      },
    });
    // The states entered, in order: Step Functions bills a Standard workflow per state transition.
    const entered: string[] = [];
    const logged = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === "StateEntered") {
          entered.push(event.state.name);
        }
      }
    })();
    try {
      const output = (await run.result) as Record<string, unknown>;
      await logged;
      return { output, error: undefined, calls, history: [...history, output], entered };
    } catch (error) {
      const failure = error as Error & { cause?: Error };
      return { output: undefined, error: failure.cause?.name ?? failure.name, calls, history };
    }
  }

  it("is valid Amazon States Language, in JSONPath", () => {
    const result = aslValidator(DEFINITION);
    assert.ok(result.isValid, result.errorsText());
  });

  it("settles a payment once: COMPLETED, one ledger entry, a receipt and an event without the payment method", async () => {
    const payment = newPayment();
    await record(payment);
    const { error, calls, history, entered } = await execute({ payment });
    assert.equal(error, undefined);
    // The cost estimate's transitions per payment are the interpreter's count of states entered.
    assert.equal(entered?.length, PER_PAYMENT.workflowTransitions, entered?.join(", "));
    // The table keeps the token; nothing in the execution's history does (ReadPayment projects
    // the fields the workflow reads).
    assert.equal(
      (await stored(payment.paymentId))?.paymentMethod?.M?.token?.S,
      STORED_METHOD.token,
    );
    assert.ok(!JSON.stringify(history).includes(STORED_METHOD.token));
    assert.deepEqual(calls, [
      "ReadPayment",
      "Authorize",
      "ProbeLedgerWriter",
      "MarkLedgerAttempted",
      "RecordLedgerEntry",
      "MarkCompleted",
      "WriteReceipt",
      "PublishCompleted",
    ]);
    const item = await stored(payment.paymentId);
    assert.equal(item?.status?.S, "COMPLETED");
    // Out of the sweeper's pending index, into the reconciler's index of its settlement hour.
    assert.equal(item?.pendingShard, undefined);
    assert.equal(item?.settledHour?.S, "2026-11-21T10");
    assert.deepEqual(ledgerRows(payment.paymentId), ["debit|1250|EUR|us-east-1"]);
    const settlement = {
      paymentId: payment.paymentId,
      merchantId: "merchant-7",
      customerId: "cust_42",
      amountMinor: 1250,
      currency: "EUR",
      createdAt: payment.createdAt,
      region: "us-east-1",
    };
    const receipt = sent.receipts[0] as { Key: string; Body: string };
    assert.equal(receipt.Key, `receipts/merchant-7/${payment.paymentId}.json`);
    assert.deepEqual(JSON.parse(receipt.Body), settlement);
    const event = (sent.events[0] as { Entries: { DetailType: string; Detail: unknown }[] })
      .Entries[0];
    assert.equal(event.DetailType, "PaymentCompleted");
    assert.deepEqual(event.Detail, settlement);
  });

  it("ends a second delivery of a settled payment at once, writing nothing", async () => {
    const payment = newPayment();
    await record(payment);
    await execute({ payment });
    sent.events.length = 0;
    const again = await execute({ payment });
    assert.equal(again.error, undefined);
    assert.deepEqual(again.calls, ["ReadPayment"]);
    assert.equal(sent.events.length, 0);
    assert.deepEqual(ledgerRows(payment.paymentId), ["debit|1250|EUR|us-east-1"]);
  });

  it("settles once when two deliveries run at the same time", async () => {
    const payment = newPayment();
    await record(payment);
    const runs = await Promise.all([execute({ payment }), execute({ payment })]);
    assert.deepEqual(
      runs.map((r) => r.error),
      [undefined, undefined],
    );
    assert.equal((await stored(payment.paymentId))?.status?.S, "COMPLETED");
    assert.deepEqual(ledgerRows(payment.paymentId), ["debit|1250|EUR|us-east-1"]);
  });

  it("declines with the reasons and marks FAILED while no ledger step was attempted", async () => {
    const payment = newPayment({ currency: "JPY" });
    await record(payment);
    const { error, calls } = await execute({ payment });
    assert.equal(error, "Payment.Declined");
    assert.deepEqual(calls, ["ReadPayment", "Authorize", "MarkDeclined", "PublishDeclined"]);
    const item = await stored(payment.paymentId);
    assert.equal(item?.status?.S, "FAILED");
    assert.equal(item?.pendingShard, undefined);
    assert.equal(item?.settledHour, undefined);
    assert.deepEqual(JSON.parse(String(item?.statusDetail?.M?.declined?.S)), [
      { code: "CURRENCY_NOT_ALLOWED", message: "JPY is not accepted; accepted: EUR, USD" },
    ]);
    assert.deepEqual(ledgerRows(payment.paymentId), []);
    const event = (sent.events[0] as { Entries: { DetailType: string; Detail: unknown }[] })
      .Entries[0];
    assert.equal(event.DetailType, "PaymentFailed");
    assert.deepEqual(Object.keys(event.Detail as object).sort(), [
      "merchantId",
      "paymentId",
      "reasons",
      "status",
    ]);
  });

  it("never declines a payment whose ledger step was attempted before: it finishes the settlement", async () => {
    const payment = newPayment();
    await record(payment, { ledgerAttemptedAt: { S: "2026-11-21T10:00:00.500Z" } });
    const strict = { ...RULES, velocity: { ...RULES.velocity, maxPayments: 0 } };
    const { error, calls } = await execute({ payment }, { Authorize: admit(strict) });
    assert.equal(error, undefined);
    assert.ok(!calls.includes("MarkDeclined"));
    assert.equal((await stored(payment.paymentId))?.status?.S, "COMPLETED");
    assert.deepEqual(ledgerRows(payment.paymentId), ["debit|1250|EUR|us-east-1"]);
  });

  it("leaves a payment another execution completed while this one declined it COMPLETED", async () => {
    const payment = newPayment({ currency: "JPY" });
    await record(payment);
    const completeMeanwhile: Handler = async (input) => {
      await db.client.send(
        new UpdateItemCommand({
          TableName: TARGETS.tableName,
          Key: { paymentId: { S: payment.paymentId } },
          UpdateExpression: "SET #s = :c, ledgerAttemptedAt = :t",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":c": { S: "COMPLETED" }, ":t": { S: "t" } },
        }),
      );
      return admit()(input);
    };
    const { error, calls } = await execute({ payment }, { Authorize: completeMeanwhile });
    assert.equal(error, undefined);
    assert.deepEqual(calls, ["ReadPayment", "Authorize", "MarkDeclined"]);
    assert.equal((await stored(payment.paymentId))?.status?.S, "COMPLETED");
    assert.equal(sent.events.length, 0);
  });

  describe("outside the active writer nothing is written and the payment stays RECEIVED", () => {
    const cases: { name: string; handlers: () => Record<string, Handler>; error: string }[] = [
      {
        name: "the flag names the other region",
        handlers: () => ({ Authorize: admit(RULES, false) }),
        error: LEFT_RECEIVED.notActiveHere,
      },
      {
        name: "the ledger has no writer here (the Data API fails on a secondary)",
        handlers: () => ({
          ProbeLedgerWriter: async () => {
            throw named("RdsData.BadRequestException", "no writer instance");
          },
        }),
        error: LEFT_RECEIVED.notActiveHere,
      },
      {
        name: "the payments table cannot be read",
        handlers: () => ({
          ReadPayment: failing(99, TRANSIENT_ERRORS.dynamodb[1], () => ({})),
        }),
        error: LEFT_RECEIVED.leftForRedrive,
      },
      {
        name: "authorization keeps failing",
        handlers: () => ({ Authorize: failing(99, "Lambda.Unknown", () => ({})) }),
        error: LEFT_RECEIVED.leftForRedrive,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const payment = newPayment();
        await record(payment);
        const { error } = await execute({ payment }, c.handlers());
        assert.equal(error, c.error);
        const item = await stored(payment.paymentId);
        assert.equal(item?.status?.S, "RECEIVED");
        assert.equal(item?.ledgerAttemptedAt, undefined);
        assert.deepEqual(ledgerRows(payment.paymentId), []);
      });
    }
  });

  describe("after the ledger step, failures retry long, then park the payment; it is never FAILED", () => {
    for (const state of AFTER_LEDGER) {
      it(`${state} keeps failing: parked for repair, still RECEIVED or COMPLETED, and the re-run settles it once`, async () => {
        const payment = newPayment();
        await record(payment);
        // RecordLedgerEntry's entry commits and then its answer is lost: the worst case.
        const broken: Handler =
          state === "RecordLedgerEntry"
            ? async (input) => {
                await REAL.RecordLedgerEntry(input);
                throw named("RdsData.StatementTimeoutException", "answer lost");
              }
            : async () => {
                throw named("States.TaskFailed", `${state} is down`);
              };
        const first = await execute({ payment }, { [state]: broken });
        assert.equal(first.error, LEFT_RECEIVED.parked);
        assert.equal(first.calls.filter((c) => c === state).length, 7, "1 try + 6 long retries");
        assert.notEqual((await stored(payment.paymentId))?.status?.S, "FAILED");
        const repair = sent.repairs[0] as { MessageBody: string; DelaySeconds: number };
        assert.equal(repair.DelaySeconds, REPAIR_DELAY_SECONDS);
        const parked = JSON.parse(repair.MessageBody) as { payment: Payment; parked: unknown };
        assert.deepEqual(parked.payment, payment);

        // The repair queue delivers it again (the processor starts a new execution).
        const again = await execute({ payment: parked.payment });
        assert.equal(again.error, undefined);
        assert.equal((await stored(payment.paymentId))?.status?.S, "COMPLETED");
        assert.deepEqual(ledgerRows(payment.paymentId), ["debit|1250|EUR|us-east-1"]);
      });
    }
  });

  it("stops a payment the table does not know, and input that is not a payment, writing nothing", async () => {
    const unknown = await execute({ payment: newPayment() });
    assert.equal(unknown.error, LEFT_RECEIVED.unknown);
    assert.deepEqual(unknown.calls, ["ReadPayment"]);
    for (const input of [{}, { payment: { paymentId: 42 } }]) {
      const invalid = await execute(input);
      assert.equal(invalid.error, "Payment.Invalid");
      assert.deepEqual(invalid.calls, []);
    }
  });

  describe("the money-path rules, read from the definition", () => {
    /** Every state reachable from `from` (Next, Default, Choices, Catch). */
    function reachable(from: string): Set<string> {
      const seen = new Set<string>();
      const visit = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        const state = STATES[name];
        const next = [
          state.Next,
          state.Default,
          ...((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
          ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
        ].filter((n): n is string => typeof n === "string");
        next.forEach(visit);
      };
      visit(from);
      return seen;
    }
    const writesFailed = (name: string) =>
      JSON.stringify(STATES[name].Parameters ?? {}).includes('"FAILED"');

    it("only MarkDeclined writes FAILED, and only while the status is RECEIVED and no ledger step was attempted", () => {
      const writers = TASKS.filter((name) => writesFailed(name) && name !== "PublishDeclined");
      assert.deepEqual(writers, ["MarkDeclined"]);
      assert.equal(
        (STATES.MarkDeclined.Parameters as { ConditionExpression: string }).ConditionExpression,
        "#status = :received AND attribute_not_exists(ledgerAttemptedAt)",
      );
    });

    it("no state that writes FAILED is reachable once the ledger step is marked", () => {
      const after = reachable("MarkLedgerAttempted");
      assert.deepEqual([...after].filter(writesFailed), []);
      assert.ok(!after.has("Declined"));
    });

    it("every status change is conditional on RECEIVED (status only moves forward)", () => {
      for (const name of ["MarkLedgerAttempted", "MarkCompleted", "MarkDeclined"]) {
        const parameters = STATES[name].Parameters as { ConditionExpression: string };
        assert.match(parameters.ConditionExpression, /^#status = :received\b/, name);
      }
    });

    it("steps after the ledger retry any error long (6 tries, up to 120 s apart) and park; the others retry transient errors only", () => {
      for (const name of TASKS) {
        const state = STATES[name] as unknown as TaskState;
        const retriers = state.Retry.filter((r) => r.MaxAttempts > 0);
        if (AFTER_LEDGER.includes(name)) {
          assert.deepEqual(
            retriers.map((r) => [r.ErrorEquals, r.MaxAttempts, r.MaxDelaySeconds]),
            [[["States.ALL"], 6, 120]],
            name,
          );
          assert.equal(state.Catch[state.Catch.length - 1].Next, "DescribeRepair", name);
        } else if (name !== "ParkForRepair") {
          assert.deepEqual(
            retriers.map((r) => r.MaxAttempts),
            [RETRY_ATTEMPTS],
            name,
          );
          assert.ok(!retriers[0].ErrorEquals.includes("States.ALL"), name);
        }
        assert.ok(typeof state.TimeoutSeconds === "number", `${name} has a timeout`);
      }
      for (const name of ["MarkLedgerAttempted", "MarkCompleted", "MarkDeclined"]) {
        const state = STATES[name] as unknown as TaskState;
        assert.deepEqual(state.Retry[0], {
          ...state.Retry[0],
          ErrorEquals: [CONDITION_FAILED],
          MaxAttempts: 0,
        });
      }
    });

    it("the execution outlives its slowest path, and the deployed definitions are these", async () => {
      assert.ok(
        DEFINITION.TimeoutSeconds > 4 * 7 * 10 + 4 * 275,
        String(DEFINITION.TimeoutSeconds),
      );
      for (const stack of ["dev", "prod"] as const) {
        const plan = await stackPlan(stack);
        const machines = plan.resources.filter(
          (r) =>
            r.type === "aws:sfn/stateMachine:StateMachine" &&
            r.name.endsWith("-orchestration-payments"),
        );
        assert.equal(machines.length, 2);
        for (const machine of machines) {
          const deployed = JSON.parse(String(machine.rawInputs.definition)) as WorkflowDefinition;
          assert.deepEqual(Object.keys(deployed.States), Object.keys(DEFINITION.States));
          assert.equal(
            (deployed.States.MarkDeclined as TaskState).Parameters.ConditionExpression,
            "#status = :received AND attribute_not_exists(ledgerAttemptedAt)",
          );
        }
      }
    });
  });
});
