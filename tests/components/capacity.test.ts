/**
 * What the plan reserves is what the configuration counts: every function's reserved concurrency,
 * region by region, is the one model/config.ts counts against the account's quota, and every
 * function that reads the active-region flag is one it counts against Parameter Store's throughput.
 * A new function the config does not count fails here, not on the first `pulumi up`.
 */
import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import {
  FLAG_READERS,
  flagReadsPerSecond,
  reservedConcurrencyByFunction,
} from "../../model/config";
import type { Evaluation } from "../../tools/engine/engine";

describe("capacity: the plan's reservations are the ones the configuration counts", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });
      const functionsIn = (role: "primary" | "secondary") =>
        evaluation.resources.filter(
          (r) =>
            r.type === "aws:lambda/function:Function" &&
            r.placement === evaluation.config.regions[role],
        );
      /** A function's physical name without the stack's prefix and the region's code. */
      const shortName = (fn: { rawInputs: Record<string, unknown> }) =>
        String(fn.rawInputs.name)
          .replace(`${evaluation.config.namePrefix}-${evaluation.config.environment}-`, "")
          .replace(/-[a-z0-9]+$/, "");

      for (const role of ["primary", "secondary"] as const) {
        it(`${role}: every function's reservation, and only those, as counted`, () => {
          const planned = Object.fromEntries(
            functionsIn(role).map((fn) => [
              shortName(fn),
              fn.rawInputs.reservedConcurrentExecutions,
            ]),
          );
          const raw = {
            authorizeReservedConcurrency: evaluation.config.authorizeFunction.reservedConcurrency,
            apiReservedConcurrency: evaluation.config.api.reservedConcurrency,
            processorReservedConcurrency: evaluation.config.processor.reservedConcurrency,
          };
          assert.deepEqual(planned, { ...reservedConcurrencyByFunction(raw, role) });
        });

        it(`${role}: every function that reads the active-region flag is counted as a reader`, () => {
          const readers = functionsIn(role)
            .filter(
              (fn) =>
                (fn.rawInputs.environment as { variables?: Record<string, unknown> } | undefined)
                  ?.variables?.ACTIVE_REGION_PARAMETER !== undefined,
            )
            .map((fn) => shortName(fn))
            .sort();
          assert.deepEqual(readers, [...FLAG_READERS].sort());
        });
      }

      it("keeps the flag's reads within the throughput the stack has", () => {
        const raw = {
          authorizeReservedConcurrency: evaluation.config.authorizeFunction.reservedConcurrency,
          apiReservedConcurrency: evaluation.config.api.reservedConcurrency,
          processorReservedConcurrency: evaluation.config.processor.reservedConcurrency,
        };
        const reads = flagReadsPerSecond(reservedConcurrencyByFunction(raw, "primary"));
        assert.equal(reads, stack === "prod" ? 91.6 : 5.4);
        const settings = evaluation.resources.filter(
          (r) => r.type === "aws:ssm/serviceSetting:ServiceSetting",
        );
        const account = String(
          evaluation.resources.find((r) => r.type === "aws:kms/key:Key")?.outputs.arn,
        ).split(":")[4];
        assert.deepEqual(
          settings.map((s) => [s.placement, s.rawInputs.settingId, s.rawInputs.settingValue]),
          stack === "prod"
            ? ["us-east-1", "us-west-2"].map((region) => [
                region,
                `arn:aws:ssm:${region}:${account}:servicesetting/ssm/parameter-store/high-throughput-enabled`,
                "true",
              ])
            : [],
        );
        assert.ok(settings.every((s) => s.options.retainOnDelete));
      });
    });
  }
});
