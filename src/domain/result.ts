// The one Result type: a value, or the reason there is none. At the bottom (domain/) so every layer can use it.

export type Ok<T> = { ok: true; value: T };
export type Failure<R = string> = { ok: false; reason: R };
export type Result<T, R = string> = Ok<T> | Failure<R>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function fail<R>(reason: R): Failure<R> {
  return { ok: false, reason };
}
