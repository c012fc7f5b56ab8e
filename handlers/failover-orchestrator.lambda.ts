/**
 * The failover orchestrator's Lambda (thin AWS shell around ./failover-orchestrator): reads the
 * active-region flag through SSM, looks for a running runbook in both regions (the peer asked
 * briefly, as it may be the impaired one) and starts this region's runbook through Step
 * Functions. Clients are created on the first invocation and kept for the life of the execution
 * environment.
 *
 * Environment: AWS_REGION, PEER_REGION, RUNBOOK_ARN, PEER_RUNBOOK_ARN, ACTIVE_REGION_PARAMETER,
 * CRITICAL_ALARMS (`name@region`, comma-separated), AUTOMATIC_WRITE_FAILOVER,
 * INCIDENT_WINDOW_SECONDS.
 */
import {
  type ManualTrigger,
  orchestrate,
  parseCriticalAlarms,
  type OrchestratorPorts,
  type OrchestratorResult,
  type SnsDelivery,
} from "./failover-orchestrator";
import { FAIL_FAST, failFastClientOptions, requiredEnv } from "./runtime";

type Sfn = typeof import("@aws-sdk/client-sfn");
type Ssm = typeof import("@aws-sdk/client-ssm");

interface Shell {
  readonly ports: OrchestratorPorts;
  readonly settings: Parameters<typeof orchestrate>[1];
}

const shell: { current?: Shell } = {};

function createShell(): Shell {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const sfn = require("@aws-sdk/client-sfn") as Sfn;
  const ssm = require("@aws-sdk/client-ssm") as Ssm;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const region = requiredEnv("AWS_REGION");
  const peerRegion = requiredEnv("PEER_REGION");
  const runbookArn = requiredEnv("RUNBOOK_ARN");
  const peerRunbookArn = requiredEnv("PEER_RUNBOOK_ARN");
  const parameter = requiredEnv("ACTIVE_REGION_PARAMETER");
  const states = new sfn.SFNClient({});
  // The peer may be the impaired region: ask it briefly.
  const peerStates = new sfn.SFNClient(failFastClientOptions(peerRegion, 1));
  const flags = new ssm.SSMClient({});
  const running = async (client: InstanceType<Sfn["SFNClient"]>, arn: string) => {
    const page = await client.send(
      new sfn.ListExecutionsCommand({
        stateMachineArn: arn,
        statusFilter: "RUNNING",
        maxResults: 1,
      }),
    );
    return (page.executions ?? []).length > 0;
  };
  return {
    settings: {
      region,
      peerRegion,
      criticalAlarms: parseCriticalAlarms(requiredEnv("CRITICAL_ALARMS")),
      automaticWriteFailover: requiredEnv("AUTOMATIC_WRITE_FAILOVER") === "true",
      incidentWindowSeconds: Number(requiredEnv("INCIDENT_WINDOW_SECONDS")),
    },
    ports: {
      activeRegion: async () => {
        const result = await flags.send(new ssm.GetParameterCommand({ Name: parameter }));
        const changed = result.Parameter?.LastModifiedDate;
        return {
          region: result.Parameter?.Value ?? "",
          ...(changed === undefined ? {} : { changedAt: changed.toISOString() }),
        };
      },
      runbookRunning: async () => {
        const [own, peer] = await Promise.all([
          running(states, runbookArn),
          running(peerStates, peerRunbookArn).catch(() => false),
        ]);
        return own || peer;
      },
      peerAnswers: async () => {
        try {
          const response = await fetch(requiredEnv("PEER_HEALTH_URL"), {
            signal: AbortSignal.timeout(FAIL_FAST.connectionTimeoutMs + FAIL_FAST.requestTimeoutMs),
          });
          return response.status === 200;
        } catch {
          return false;
        }
      },
      start: async (name, input) => {
        try {
          await states.send(
            new sfn.StartExecutionCommand({ stateMachineArn: runbookArn, name, input }),
          );
          return true;
        } catch (error) {
          if (error instanceof Error && error.name === "ExecutionAlreadyExists") {
            return false;
          }
          throw error;
        }
      },
    },
  };
}

/** The deployed handler: SNS deliveries of the other region's critical alarms, or a manual call. */
export async function failoverOrchestratorHandler(
  event: SnsDelivery | ManualTrigger,
): Promise<OrchestratorResult> {
  shell.current ??= createShell();
  const result = await orchestrate(event, shell.current.settings, shell.current.ports, new Date());
  console.log(JSON.stringify(result));
  if (result.decisions.length === 0 && result.problems.length > 0) {
    throw new Error(result.problems.join("; "));
  }
  return result;
}
