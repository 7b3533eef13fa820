// SQL files imported as text: wrangler's default module rules bundle **/*.sql as Text (the objects' migrations).
declare module "*.sql" {
  const text: string;
  export default text;
}

// drizzle-kit's durable-sqlite output (src/*/migrations/migrations.js, generated JavaScript): ObjectMigrations.
declare module "*/migrations/migrations.js" {
  const bundle: {
    journal: { entries: Array<{ idx: number; when: number; tag: string; breakpoints: boolean }> };
    migrations: Record<string, string>;
  };
  export default bundle;
}
