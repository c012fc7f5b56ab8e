/**
 * A throw-away PostgreSQL cluster for tests: initdb in a temporary folder, listening on
 * 127.0.0.1 only, trust authentication, stopped and deleted by `stop()`. Runs the server as the
 * `postgres` user when the tests run as root (PostgreSQL refuses root).
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

const COMMAND_TIMEOUT_MS = 30_000;

function binDirectory(): string {
  const candidates = [
    ...(process.env.PATH ?? "").split(path.delimiter),
    ...(fs.existsSync("/usr/lib/postgresql")
      ? fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, "initdb")));
  if (found === undefined) {
    throw new Error("PostgreSQL is not installed (no initdb): apt-get install postgresql");
  }
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Postgres {
  /** Where it listens (127.0.0.1) and which database this is, for a client library (pg). */
  readonly port: number;
  readonly databaseName: string;
  /** Runs one SQL statement; throws with PostgreSQL's message when it fails. */
  execute(sql: string): void;
  /** Runs a query and returns its rows, fields separated by "|". */
  query(sql: string): string[];
  /** Another database of the same server (created on first use): one ledger per region. */
  database(name: string): Postgres;
  /** The same database, as login role `user` (trust authentication: no password is checked). */
  as(user: string): Pick<Postgres, "execute" | "query">;
  stop(): void;
}

export async function startPostgres(): Promise<Postgres> {
  const bin = binDirectory();
  const asRoot = process.getuid?.() === 0;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "postgres-"));
  const data = path.join(root, "data");
  if (asRoot) {
    fs.chmodSync(root, 0o777);
  }
  const run = (command: string, args: string[]): SpawnSyncReturns<string> => {
    const [file, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", path.join(bin, command), ...args]]
      : [path.join(bin, command), args];
    const result = spawnSync(file, argv, { encoding: "utf8", timeout: COMMAND_TIMEOUT_MS });
    if (result.status !== 0) {
      throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
    }
    return result;
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    path.join(root, "server.log"),
    "-o",
    `-h 127.0.0.1 -p ${port} -k ${root} -F`,
    "-w",
    "start",
  ]);
  const psql = (sql: string, tuples: boolean, database = "postgres", user = "postgres"): string => {
    const result = spawnSync(
      "psql",
      [
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        user,
        "-d",
        database,
        "-v",
        "ON_ERROR_STOP=1",
        ...(tuples ? ["-A", "-t"] : ["-q"]),
        "-c",
        sql,
      ],
      { encoding: "utf8", timeout: COMMAND_TIMEOUT_MS },
    );
    if (result.status !== 0) {
      throw new Error(result.stderr.trim());
    }
    return result.stdout;
  };
  const created = new Set<string>(["postgres"]);
  const as = (database: string, user: string): Pick<Postgres, "execute" | "query"> => ({
    execute: (sql) => void psql(sql, false, database, user),
    query: (sql) =>
      psql(sql, true, database, user)
        .split("\n")
        .filter((line) => line !== ""),
  });
  const on = (database: string): Omit<Postgres, "stop" | "database"> => ({
    port,
    databaseName: database,
    ...as(database, "postgres"),
    as: (user) => as(database, user),
  });
  const database = (name: string): Postgres => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
      throw new Error(`${name} is not a plain database name`);
    }
    if (!created.has(name)) {
      psql(`CREATE DATABASE ${name}`, false);
      created.add(name);
    }
    return { ...on(name), database, stop: () => undefined };
  };
  return {
    ...on("postgres"),
    database,
    stop: () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
