// Vitest globalSetup (Node): the DuckDB reader of archive objects (./duckdb-reader.ts); its URL reaches the tests as DUCKDB_READER.
import type { TestProject } from "vitest/node";
import { startDuckDbReader } from "./duckdb-reader.ts";

declare module "vitest" {
  interface ProvidedContext {
    duckdbReader: string;
  }
}

export default async function setup(project: TestProject) {
  const reader = await startDuckDbReader("127.0.0.1");
  project.provide("duckdbReader", reader.url);
  return () => reader.close();
}
