// SQL files imported as text: wrangler's default module rules bundle **/*.sql as Text (the objects' migrations).
declare module "*.sql" {
  const text: string;
  export default text;
}

// drizzle-kit's durable-sqlite output (src/*/migrations/migrations.js, generated JavaScript): ObjectMigrations.
declare module "*/migrations/migrations.js" {
  const bundle: import("./db/object-migrations").ObjectMigrations;
  export default bundle;
}
