/** Check 1: the credentials' account is one the stack may deploy to. */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { PreflightAws } from "./aws";
import type { StackRequirements } from "./requirements";
import { type CheckResult, describeError, fail, list, pass } from "./result";

/**
 * The credentials' account (STS API Reference, GetCallerIdentity: Account, Arn, UserId; no
 * permission is needed to call it:
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
 */
export async function checkAccount(
  req: StackRequirements,
  aws: PreflightAws,
): Promise<{ readonly result: CheckResult; readonly account?: string }> {
  let account: string;
  try {
    const identity = await aws.sts(req.regions.primary).send(new GetCallerIdentityCommand({}));
    account = identity.Account ?? "";
  } catch (error) {
    return {
      result: fail(
        `account: sts:GetCallerIdentity failed: ${describeError(error)}`,
        "give the SDK working credentials of the target account (AWS_PROFILE=<profile>, or a role's short-lived keys), with STS reachable, and run again",
      ),
    };
  }
  const allowed = req.allowedAccountIds;
  if (allowed.length === 0) {
    return {
      account,
      result: pass(
        `account ${account}: stack ${req.stack} does not restrict accounts (allowedAccountIds is empty)`,
      ),
    };
  }
  if (allowed.includes(account)) {
    return { account, result: pass(`account ${account}: one of allowedAccountIds`) };
  }
  return {
    account,
    result: fail(
      `account ${account}: not in allowedAccountIds (${list(allowed)}); the providers would refuse it`,
      `use credentials of ${allowed.length === 1 ? "account" : "one of the accounts"} ${list(allowed)} (AWS_PROFILE=<its profile>), or add ${account} to allowedAccountIds in Pulumi.${req.stack}.yaml if the stack may deploy there`,
    ),
  };
}
