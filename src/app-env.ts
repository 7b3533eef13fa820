// The Hono environment type shared by every route group.

export interface AppEnv {
  Bindings: Env;
}
