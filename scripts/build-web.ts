// Builds the dashboard's browser files into dist/web, the Workers Static Assets directory (wrangler.toml [assets]):
// web/public copied as it is, web/src/main.ts bundled with uPlot into app.js, web/src/styles.css with uPlot's into app.css,
// and Scalar's standalone bundle for the API reference page (/docs) copied to docs/static/scalar.js.
//
// wrangler runs it by itself before `wrangler dev` and `wrangler deploy` ([build] command); vitest.config.ts runs it
// before the tests, and `npm run build:web` alone. No network, no CDN: uPlot and Scalar come from node_modules.
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT = path.resolve(import.meta.dirname, "..");
export const WEB_OUT = path.join(ROOT, "dist", "web");
/** Where the bundle lands, relative to the assets directory: the URL path /dashboard/static/. */
const STATIC_DIR = path.join(WEB_OUT, "dashboard", "static");
/** The API reference page's script, at the URL path routes/openapi.ts names (SCALAR_SCRIPT). */
const SCALAR_OUT = path.join(WEB_OUT, "docs", "static", "scalar.js");

export async function buildWeb(): Promise<void> {
  rmSync(WEB_OUT, { recursive: true, force: true });
  cpSync(path.join(ROOT, "web", "public"), WEB_OUT, { recursive: true });
  await build({
    entryPoints: [
      { in: path.join(ROOT, "web", "src", "main.ts"), out: "app" },
      { in: path.join(ROOT, "web", "src", "styles.css"), out: "app" },
    ],
    outdir: STATIC_DIR,
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    legalComments: "none",
    logLevel: "warning",
  });
  mkdirSync(path.dirname(SCALAR_OUT), { recursive: true });
  copyFileSync(path.join(ROOT, "node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js"), SCALAR_OUT);
}

/** Each file the browser loads from /dashboard/static/, with its size and its size gzipped (what a page costs). */
export function staticSizes(): { file: string; bytes: number; gzip: number }[] {
  return readdirSync(STATIC_DIR).map((file) => {
    const bytes = readFileSync(path.join(STATIC_DIR, file));
    return { file, bytes: bytes.length, gzip: gzipSync(bytes).length };
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  await buildWeb();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const sizes = staticSizes();
  const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
  console.log(
    `dashboard assets built into ${path.relative(ROOT, WEB_OUT)}: ${sizes.map((s) => `${s.file} ${kb(s.bytes)} (${kb(s.gzip)} gzip)`).join(", ")}; ${kb(total)} gzip in all`,
  );
}
