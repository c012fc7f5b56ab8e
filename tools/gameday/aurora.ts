/**
 * The ledger as an Aurora PostgreSQL global database of two regions, for game days: one PostgreSQL
 * database per region (the project's throw-away server), the Data API in front of each, and the
 * global cluster's control plane. What it follows, from AWS's pages:
 * - One writer: the secondary cluster has no writer instance, and "read and write queries sent to
 *   the secondary cluster fail while it lacks a writer instance" (Data API limitations:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
 * - Storage-level replication to the secondary, behind by the replication lag.
 * - `SwitchoverGlobalCluster`: the secondary is brought up to date first, so nothing is lost; while
 *   the members assume their new roles no member is the writer and `FailoverState` is reported
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_SwitchoverGlobalCluster.html,
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html).
 * - `FailoverGlobalCluster` with `AllowDataLoss`: the target is promoted as it is; what had not
 *   replicated is lost (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverGlobalCluster.html).
 * - A region cut off answers nothing: its Data API endpoint holds requests open (time-outs, not
 *   clean errors).
 *
 * Time is the game day's simulated clock: `advance(toMs)` replicates what is due and finishes a
 * promotion whose time has come. Statements go to PostgreSQL through `pg` (asynchronous, one pool
 * per region), so a game day's many statements do not stall its clock.
 */
import type * as http from "node:http";
import * as httpServer from "node:http";
import { Pool } from "pg";
import { applySchema } from "../../handlers/ledger-schema";
import { bind, type DataApiAnswer } from "../harness/data-api";
import { close, listen } from "../harness/emulators";
import type { Postgres } from "../harness/postgres";

interface Parameter {
  readonly name: string;
  readonly value: { readonly stringValue?: string; readonly longValue?: number };
}

interface Replicated {
  readonly sql: string;
  readonly from: string;
  readonly dueAtMs: number;
}

interface Switch {
  readonly mode: "switchover" | "failover";
  readonly from: string;
  readonly to: string;
  readonly doneAtMs: number;
}

export interface AuroraOptions {
  readonly regions: readonly [string, string];
  /** The region whose cluster writes at the start. */
  readonly writer: string;
  /** Each region's member cluster ARN. */
  readonly clusterArns: Readonly<Record<string, string>>;
  readonly postgres: Postgres;
  readonly now: () => number;
  /** How long a promotion takes (no writer meanwhile), simulated milliseconds. */
  readonly promotionMs: number;
}

const WRITE = /^\s*(insert|update|delete)\b/i;
/** The error a statement gets where no writer is, named as the Data API names its errors. */
const noWriter = () =>
  Object.assign(new Error("The cluster has no writer instance"), { name: "BadRequestException" });

export class AuroraGlobal {
  /** Replication delay into the secondary, in simulated milliseconds. */
  lagMs = 500;
  /** How often the writer moved to another region. */
  moves = 0;
  /** Write statements an AllowDataLoss failover dropped (they had not replicated). */
  readonly lost: string[] = [];
  readonly ledgers: Readonly<Record<string, Postgres>>;
  private writer: string | null;
  private switching: Switch | null = null;
  private readonly pending: Replicated[] = [];
  private readonly reachable: Record<string, boolean>;
  private readonly pools: Readonly<Record<string, Pool>>;

  private constructor(private readonly options: AuroraOptions) {
    this.writer = options.writer;
    this.ledgers = Object.fromEntries(
      options.regions.map((r) => [r, options.postgres.database(`ledger_${r.replace(/-/g, "_")}`)]),
    );
    this.pools = Object.fromEntries(
      Object.entries(this.ledgers).map(([region, ledger]) => [
        region,
        new Pool({
          host: "127.0.0.1",
          port: ledger.port,
          user: "postgres",
          database: ledger.databaseName,
          max: 4,
        }),
      ]),
    );
    this.reachable = Object.fromEntries(options.regions.map((r) => [r, true]));
  }

  /** One statement on a region's database, answered as the Data API answers it. */
  private async run(region: string, sql: string): Promise<DataApiAnswer> {
    let result;
    try {
      result = await this.pools[region].query({ text: sql, rowMode: "array" });
    } catch (error) {
      throw Object.assign(new Error((error as Error).message), { name: "DatabaseErrorException" });
    }
    if (result.command === "SELECT") {
      return {
        records: (result.rows as unknown[][]).map((row) =>
          row.map((field) => ({ stringValue: String(field) })),
        ),
        numberOfRecordsUpdated: 0,
      };
    }
    return { numberOfRecordsUpdated: result.rowCount ?? 0 };
  }

  /** A read of a region's database as it is (no writer needed): the game day's own look. */
  async query(region: string, sql: string): Promise<string[][]> {
    const answer = await this.run(region, sql);
    return (answer.records ?? []).map((row) => row.map((field) => field.stringValue));
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((pool) => pool.end()));
  }

  /** Both regions' ledgers with the schema (the primary's migration, replicated). */
  static async create(options: AuroraOptions): Promise<AuroraGlobal> {
    const aurora = new AuroraGlobal(options);
    for (const ledger of Object.values(aurora.ledgers)) {
      await applySchema(async (sql) => ledger.execute(sql));
    }
    return aurora;
  }

  setReachable(region: string, reachable: boolean): void {
    this.reachable[region] = reachable;
  }

  isReachable(region: string): boolean {
    return this.reachable[region];
  }

  /** The Data API's ExecuteStatement in `region`. */
  async execute(
    region: string,
    sql: string,
    parameters: readonly Parameter[] = [],
  ): Promise<DataApiAnswer> {
    if (this.writer !== region) {
      throw noWriter();
    }
    const bound = bind(sql, parameters);
    const answer = await this.run(region, bound);
    if (WRITE.test(sql)) {
      this.pending.push({ sql: bound, from: region, dueAtMs: this.options.now() + this.lagMs });
    }
    return answer;
  }

  /** The region whose cluster writes now (null while a switch is under way). */
  get writerRegion(): string | null {
    return this.writer;
  }

  /** SwitchoverGlobalCluster (planned) or FailoverGlobalCluster (unplanned) to `target`. */
  switchTo(target: string, mode: Switch["mode"], allowDataLoss = false): void {
    if (this.switching !== null) {
      throw Object.assign(new Error("A switch is already in progress"), {
        name: "InvalidGlobalClusterStateFault",
      });
    }
    const from = this.writer ?? this.options.writer;
    if (from === target) {
      return;
    }
    if (mode === "failover" && allowDataLoss) {
      // Promoted as it is: what had not replicated is gone.
      for (const write of this.pending.splice(0)) {
        this.lost.push(write.sql);
      }
    }
    this.writer = null;
    this.switching = {
      mode,
      from,
      to: target,
      doneAtMs: this.options.now() + this.options.promotionMs,
    };
  }

  /**
   * A switchover to the other region, started elsewhere (an earlier run, or the console), under
   * way for `ms`: no member reports IsWriter meanwhile, FailoverState names both clusters, and
   * every statement fails as on a cluster without a writer
   * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html).
   */
  stall(ms: number): void {
    const writer = this.writer ?? this.options.writer;
    const [a, b] = this.options.regions;
    this.writer = null;
    this.switching = {
      mode: "switchover",
      from: writer,
      to: writer === a ? b : a,
      doneAtMs: this.options.now() + ms,
    };
  }

  /** Replicates what is due and finishes a promotion whose time has come. */
  async advance(toMs: number): Promise<void> {
    const [a, b] = this.options.regions;
    const peer = (region: string) => (region === a ? b : a);
    for (const write of this.pending.filter((p) => p.dueAtMs <= toMs)) {
      if (!this.reachable[write.from] || !this.reachable[peer(write.from)]) {
        continue;
      }
      this.pending.splice(this.pending.indexOf(write), 1);
      await this.run(peer(write.from), write.sql);
    }
    if (this.switching !== null && toMs >= this.switching.doneAtMs) {
      const { mode, to } = this.switching;
      if (mode === "switchover") {
        // A switchover first brings the target up to date: nothing is lost.
        for (const write of this.pending.splice(0)) {
          await this.run(peer(write.from), write.sql);
        }
      }
      if (to !== this.switching.from) {
        this.moves += 1;
      }
      this.writer = to;
      this.switching = null;
    }
  }

  /** The replication lag now, in milliseconds (AuroraGlobalDBReplicationLag). */
  get replicationLagMs(): number {
    const oldest = Math.min(...this.pending.map((p) => p.dueAtMs - this.lagMs));
    return this.pending.length === 0 ? 0 : Math.max(0, this.options.now() - oldest);
  }

  /** DescribeGlobalClusters' view: the members, which one writes, any switch under way. */
  describe(): {
    readonly members: readonly { readonly clusterArn: string; readonly isWriter: boolean }[];
    readonly status: string;
    readonly failoverState: {
      readonly status: string;
      readonly from: string;
      readonly to: string;
    } | null;
  } {
    const arns = this.options.clusterArns;
    return {
      members: this.options.regions.map((r) => ({
        clusterArn: arns[r],
        isWriter: this.writer === r,
      })),
      status:
        this.switching === null
          ? "available"
          : this.switching.mode === "switchover"
            ? "switching-over"
            : "failing-over",
      failoverState:
        this.switching === null
          ? null
          : {
              status: this.switching.mode === "switchover" ? "switching-over" : "failing-over",
              from: arns[this.switching.from],
              to: arns[this.switching.to],
            },
    };
  }

  /** The Data API of `region` over HTTP (`POST /Execute`), as the AWS SDK calls it. */
  async serve(region: string): Promise<{ endpoint: string; close: () => Promise<void> }> {
    const server: http.Server = httpServer.createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        if (!this.reachable[region]) {
          return; // A region that is down answers nothing: the caller times out.
        }
        const body = JSON.parse(text || "{}") as { sql: string; parameters?: Parameter[] };
        this.execute(region, body.sql, body.parameters ?? []).then(
          (answer) => {
            response.writeHead(200, { "Content-Type": "application/json" });
            response.end(JSON.stringify(answer));
          },
          (error: Error) => {
            response.writeHead(400, {
              "Content-Type": "application/json",
              "x-amzn-errortype": error.name,
            });
            response.end(JSON.stringify({ message: error.message }));
          },
        );
      });
    });
    const endpoint = await listen(server);
    return { endpoint, close: () => close(server) };
  }
}
