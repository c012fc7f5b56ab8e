/**
 * What every check shares: its result (one line: passed, failed with the fix, or not applicable
 * yet) and how a failed AWS call becomes its check's failure line, with the IAM action the call
 * needed, the error's name and message, and no stack trace.
 */
export type Verdict = "pass" | "fail" | "skip";

export interface CheckResult {
  readonly verdict: Verdict;
  /** What was checked and what was found. */
  readonly line: string;
  /** What to do about a failure. */
  readonly fix?: string;
}

export const pass = (line: string): CheckResult => ({ verdict: "pass", line });
export const fail = (line: string, fix: string): CheckResult => ({ verdict: "fail", line, fix });
export const skip = (line: string): CheckResult => ({ verdict: "skip", line });

/** An AWS call that failed, with the IAM action it needed. */
export class AwsCallError extends Error {
  override name = "AwsCallError";
  constructor(
    readonly action: string,
    readonly failure: unknown,
  ) {
    super(action);
  }
}

/** Tags a call's failure with its action, for the line that reports it. */
export async function call<T>(action: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    throw new AwsCallError(action, error);
  }
}

/** The error's name and message: what an operator can act on, never a stack trace. */
export function describeError(error: unknown): string {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  return `${name}: ${message}`;
}

/** Runs a check; an AWS call that fails it gives the check's failure line instead. */
export async function guarded(
  subject: string,
  check: () => Promise<CheckResult[]>,
): Promise<CheckResult[]> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof AwsCallError)) {
      throw error;
    }
    return [
      fail(
        `${subject}: ${error.action} failed: ${describeError(error.failure)}`,
        `the preflight's calls must succeed with these credentials (it only reads; this one needs ${error.action})`,
      ),
    ];
  }
}

export const list = (items: readonly string[]) => items.join(", ");
export const isNamed = (error: unknown, name: string) =>
  error instanceof Error && error.name === name;
