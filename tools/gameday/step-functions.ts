/**
 * AWS Step Functions for game days (issue 14): the plan's state machines, each run from its
 * deployed definition by the ASL interpreter (aws-local-stepfunctions) on the simulated clock, so
 * Wait states, retry intervals and `TimeoutSeconds` take the simulated time the definition says.
 * Every Task goes to the game day (`dispatch`), which judges it as the state machine's role and
 * answers it from the simulated region. What it follows, from the Step Functions API reference:
 * - `StartExecution` with a name already used: the same input answers the running execution's
 *   ARN, another input is `ExecutionAlreadyExists`
 *   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 * - `ListExecutions` by status, newest first
 *   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
 * - `GetExecutionHistory`: the execution's events, `*StateEntered` / `*StateExited` with the
 *   state's name (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html).
 */
import { StateMachine } from "aws-local-stepfunctions";
import { namedError } from "../../handlers/runtime";

export interface MachineSpec {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  /** The role's logical name in the plan. */
  readonly role: string;
  readonly definition: string;
}

export interface TaskCall {
  readonly machine: MachineSpec;
  readonly executionArn: string;
  readonly state: string;
  /** The Task's `Resource` (`arn:aws:states:::dynamodb:updateItem`, …). */
  readonly resource: string;
  readonly input: Record<string, unknown>;
}

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

interface HistoryEvent {
  readonly id: number;
  readonly timestamp: number;
  readonly type: string;
  readonly stateEnteredEventDetails?: { readonly name: string };
  readonly stateExitedEventDetails?: { readonly name: string };
}

export interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly machine: MachineSpec;
  readonly input: string;
  readonly startDate: number;
  status: ExecutionStatus;
  stopDate?: number;
  error?: string;
  output?: unknown;
  readonly history: HistoryEvent[];
  readonly done: Promise<void>;
}

const STATE_TYPE_PREFIX: Record<string, string> = {
  Task: "Task",
  Choice: "Choice",
  Pass: "Pass",
  Wait: "Wait",
  Succeed: "Succeed",
  Fail: "Fail",
  Parallel: "Parallel",
  Map: "Map",
};

export class StepFunctions {
  private readonly machines = new Map<
    string,
    { spec: MachineSpec; machine: StateMachine; tasks: ReadonlyMap<string, string> }
  >();
  readonly executions = new Map<string, Execution>();
  /** Told when an execution ends. */
  onEnd: (execution: Execution) => void = () => undefined;

  constructor(
    specs: readonly MachineSpec[],
    private readonly dispatch: (call: TaskCall) => Promise<unknown>,
    /** Whether the machine's region answers (a region that is down runs nothing new). */
    private readonly regionUp: (region: string) => boolean,
  ) {
    for (const spec of specs) {
      const definition = JSON.parse(spec.definition) as { States: Record<string, unknown> };
      this.machines.set(spec.arn, {
        spec,
        tasks: collectTasks(definition.States),
        machine: new StateMachine(definition as never, {
          validationOptions: { checkArn: true, checkPaths: true },
        }),
      });
    }
  }

  private machine(arn: string) {
    const found = this.machines.get(arn);
    if (found === undefined) {
      throw namedError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    }
    return found;
  }

  spec(arn: string): MachineSpec {
    return this.machine(arn).spec;
  }

  /** The names of the machine's Task states. */
  taskStates(arn: string): ReadonlySet<string> {
    return new Set(this.machine(arn).tasks.keys());
  }

  /** StartExecution. */
  start(machineArn: string, name: string, input: string): Execution {
    const { spec, machine, tasks } = this.machine(machineArn);
    const arn = `${machineArn.replace(":stateMachine:", ":execution:")}:${name}`;
    const existing = this.executions.get(arn);
    if (existing !== undefined) {
      if (existing.status === "RUNNING" && existing.input === input) {
        return existing;
      }
      throw namedError("ExecutionAlreadyExists", `Execution Already Exists: '${arn}'`);
    }
    const startDate = Date.now();
    const history: HistoryEvent[] = [];
    const local = Object.fromEntries(
      [...tasks].map(([state, resource]) => [
        state,
        (taskInput: unknown) =>
          this.dispatch({
            machine: spec,
            executionArn: arn,
            state,
            resource,
            input: (taskInput ?? {}) as Record<string, unknown>,
          }) as never,
      ]),
    );
    const run = machine.run(JSON.parse(input) as never, {
      // The interpreter does not fill the context object; Step Functions does.
      context: {
        Execution: {
          Id: arn,
          Name: name,
          StartTime: new Date(startDate).toISOString(),
          Input: JSON.parse(input),
        },
        StateMachine: { Id: machineArn, Name: spec.name },
        State: { EnteredTime: new Date(startDate).toISOString() },
      } as never,
      overrides: { taskResourceLocalHandlers: local },
    });
    const record = (type: string, details: Partial<HistoryEvent> = {}) =>
      history.push({ id: history.length + 1, timestamp: Date.now() / 1000, type, ...details });
    const logs = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === "StateEntered" || event.type === "StateExited") {
          const prefix = STATE_TYPE_PREFIX[event.state.type] ?? "";
          const details =
            event.type === "StateEntered"
              ? { stateEnteredEventDetails: { name: event.state.name } }
              : { stateExitedEventDetails: { name: event.state.name } };
          record(`${prefix}${event.type}`, details);
        }
      }
    })().catch(() => undefined);
    const execution: Execution = {
      arn,
      name,
      machine: spec,
      input,
      startDate,
      status: "RUNNING",
      history,
      done: run.result.then(
        (output) => {
          execution.status = "SUCCEEDED";
          execution.output = output;
          execution.stopDate = Date.now();
        },
        (error: Error & { cause?: Error }) => {
          execution.status = error.name === "ExecutionTimeoutError" ? "TIMED_OUT" : "FAILED";
          execution.error = error.cause?.name ?? error.name;
          execution.stopDate = Date.now();
        },
      ),
    };
    record("ExecutionStarted");
    void logs;
    void execution.done.then(() => this.onEnd(execution));
    this.executions.set(arn, execution);
    return execution;
  }

  running(machineArn?: string): Execution[] {
    return [...this.executions.values()].filter(
      (e) => e.status === "RUNNING" && (machineArn === undefined || e.machine.arn === machineArn),
    );
  }

  /** The Step Functions API as the front door serves it (`AWSStepFunctions.<Action>`). */
  serve(action: string, body: Record<string, unknown>): unknown {
    switch (action) {
      case "StartExecution": {
        const machineArn = String(body.stateMachineArn);
        if (!this.regionUp(this.spec(machineArn).region)) {
          throw namedError("ServiceUnavailable", "the region is down");
        }
        const execution = this.start(
          machineArn,
          String(body.name ?? `run-${this.executions.size + 1}`),
          String(body.input ?? "{}"),
        );
        return { executionArn: execution.arn, startDate: execution.startDate / 1000 };
      }
      case "ListExecutions": {
        const machineArn = String(body.stateMachineArn);
        this.spec(machineArn);
        const filter = body.statusFilter as ExecutionStatus | undefined;
        const executions = [...this.executions.values()]
          .filter(
            (e) => e.machine.arn === machineArn && (filter === undefined || e.status === filter),
          )
          .sort((a, b) => b.startDate - a.startDate)
          .slice(0, Number(body.maxResults ?? 100));
        return {
          executions: executions.map((e) => ({
            executionArn: e.arn,
            stateMachineArn: machineArn,
            name: e.name,
            status: e.status,
            startDate: e.startDate / 1000,
            ...(e.stopDate === undefined ? {} : { stopDate: e.stopDate / 1000 }),
          })),
        };
      }
      case "GetExecutionHistory":
      case "DescribeExecution": {
        const execution = this.executions.get(String(body.executionArn));
        if (execution === undefined) {
          throw namedError(
            "ExecutionDoesNotExist",
            `Execution Does Not Exist: '${String(body.executionArn)}'`,
          );
        }
        if (action === "GetExecutionHistory") {
          return { events: execution.history };
        }
        return {
          executionArn: execution.arn,
          stateMachineArn: execution.machine.arn,
          name: execution.name,
          status: execution.status,
          startDate: execution.startDate / 1000,
          input: execution.input,
        };
      }
      default:
        throw namedError("UnknownOperationException", `the game day does not serve ${action}`);
    }
  }
}

/** Every Task state of a definition (nested Parallel and Map states included) and its Resource. */
function collectTasks(states: Record<string, unknown>, into = new Map<string, string>()) {
  for (const [name, raw] of Object.entries(states)) {
    const state = raw as {
      Type: string;
      Resource?: string;
      Branches?: { States: Record<string, unknown> }[];
      Iterator?: { States: Record<string, unknown> };
      ItemProcessor?: { States: Record<string, unknown> };
    };
    if (state.Type === "Task" && state.Resource !== undefined) {
      into.set(name, state.Resource);
    }
    for (const branch of state.Branches ?? []) {
      collectTasks(branch.States, into);
    }
    for (const inner of [state.Iterator, state.ItemProcessor]) {
      if (inner !== undefined) {
        collectTasks(inner.States, into);
      }
    }
  }
  return into;
}
