/** Check 2: each region's Lambda concurrency holds the stack's reservations. */
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand } from "@aws-sdk/client-lambda";
import { LAMBDA_CONCURRENCY_QUOTA_CODE, UNRESERVED_CONCURRENCY } from "../../model/quotas";
import type { PreflightAws } from "./aws";
import type { RegionRequirements } from "./requirements";
import { AwsCallError, call, type CheckResult, fail, guarded, isNamed, pass } from "./result";

/** Lambda's 100 unreserved executions and the quota's code (model/quotas.ts cites them). */
const LAMBDA_UNRESERVED_MINIMUM = UNRESERVED_CONCURRENCY;
const CONCURRENCY_QUOTA_CODE = LAMBDA_CONCURRENCY_QUOTA_CODE;

function quotaIncrease(region: string, value: number): string {
  return `request a Service Quotas increase of Lambda "Concurrent executions" (${CONCURRENCY_QUOTA_CODE}) in ${region} to at least ${value} (aws service-quotas request-service-quota-increase --region ${region} --service-code lambda --quota-code ${CONCURRENCY_QUOTA_CODE} --desired-value ${value})`;
}

/**
 * The region's concurrency quota must hold the stack's reservations and the 100 Lambda keeps free,
 * and so must what other functions leave: AccountLimit.ConcurrentExecutions is the quota and
 * UnreservedConcurrentExecutions what no function reserves (Lambda API Reference,
 * GetAccountSettings: https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html).
 * What the stack's functions reserve today comes from GetFunctionConcurrency, whose
 * ReservedConcurrentExecutions is absent for a function without a reservation and which answers
 * ResourceNotFoundException for a function not deployed yet (Lambda API Reference,
 * GetFunctionConcurrency: https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConcurrency.html).
 */
export async function checkLambdaConcurrency(
  region: RegionRequirements,
  aws: PreflightAws,
): Promise<CheckResult[]> {
  const subject = `${region.region} Lambda concurrency`;
  return guarded(subject, async () => {
    const lambda = aws.lambda(region.region);
    const settings = await call(
      "lambda:GetAccountSettings",
      lambda.send(new GetAccountSettingsCommand({})),
    );
    const quota = settings.AccountLimit?.ConcurrentExecutions ?? 0;
    const unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions ?? 0;
    let reservedNow = 0;
    let deployed = 0;
    for (const fn of region.functions) {
      try {
        const current = await lambda.send(
          new GetFunctionConcurrencyCommand({ FunctionName: fn.name }),
        );
        reservedNow += current.ReservedConcurrentExecutions ?? 0;
        deployed += 1;
      } catch (error) {
        if (!isNamed(error, "ResourceNotFoundException")) {
          throw new AwsCallError("lambda:GetFunctionConcurrency", error);
        }
      }
    }
    const needed = region.reserved + LAMBDA_UNRESERVED_MINIMUM;
    const after = unreserved + reservedNow - region.reserved;
    const keys = "or lower the *ReservedConcurrency keys of the stack";
    if (quota < needed) {
      return [
        fail(
          `${subject}: the account's quota is ${quota}; the stack reserves ${region.reserved} and Lambda keeps ${LAMBDA_UNRESERVED_MINIMUM} unreserved, ${needed} in all`,
          `${quotaIncrease(region.region, needed)}, ${keys}`,
        ),
      ];
    }
    const deployedNote = `${deployed} of the stack's ${region.functions.length} reserving functions deployed`;
    if (after < LAMBDA_UNRESERVED_MINIMUM) {
      const others = quota - unreserved - reservedNow;
      return [
        fail(
          `${subject}: quota ${quota} ≥ ${needed}, but other functions reserve ${others}: after deploying, ${after} would stay unreserved, under the ${LAMBDA_UNRESERVED_MINIMUM} Lambda keeps (${deployedNote})`,
          `free ${LAMBDA_UNRESERVED_MINIMUM - after} reserved executions of other functions in ${region.region}, ${quotaIncrease(region.region, quota + LAMBDA_UNRESERVED_MINIMUM - after)}, ${keys}`,
        ),
      ];
    }
    return [
      pass(
        `${subject}: quota ${quota} ≥ ${needed} (the stack reserves ${region.reserved}, Lambda keeps ${LAMBDA_UNRESERVED_MINIMUM}); unreserved ${unreserved} now, ${after} after deploying (${deployedNote})`,
      ),
    ];
  });
}
