// DuckDB on the Node side for the Workers tests: archive objects posted to it are written under a fresh directory
// and queried with DuckDB (@duckdb/node-api) exactly as docs/ARCHIVE.md queries the bucket, hive partitions included.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

/** A query: the objects by key (base64 bodies), and SQL where {{root}} is the directory holding them. */
export interface DuckDbQuery {
  files: Record<string, string>;
  sql: string;
}

async function body(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/** Runs one query over the files in a throwaway directory; rows as JSON (DuckDB's own JSON forms of its values). */
export async function queryArchive(query: DuckDbQuery): Promise<Record<string, unknown>[]> {
  const root = mkdtempSync(path.join(tmpdir(), "mail-tracker-archive-"));
  try {
    for (const [key, base64] of Object.entries(query.files)) {
      if (key.includes("..") || path.isAbsolute(key)) throw new Error(`not an archive key: ${key}`);
      const file = path.join(root, key);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(base64, "base64"));
    }
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(query.sql.replaceAll("{{root}}", root.replaceAll("'", "''")));
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export async function startDuckDbReader(host: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const rows = await queryArchive(JSON.parse(await body(req)) as DuckDbQuery);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(rows));
    } catch (err) {
      res.writeHead(400, { "content-type": "text/plain" }).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://${host}:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
