// The Hono environment type shared by every route group.

export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Set by limitBody() (routes/body.ts): the most bytes this route reads of a request body. */
    bodyLimit?: number;
  };
}
