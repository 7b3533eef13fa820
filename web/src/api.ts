// The dashboard's data reads: /dashboard/api (the session cookie; the server adds the API token), JSON in and out.

import { errorMessage, fill } from "./dom";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The session ended (expired, signed out elsewhere, API_TOKEN rotated): back to sign-in, then back here. */
function toSignIn(): never {
  location.assign(`/dashboard/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
  throw new ApiError(401, "unauthorized", "the session has ended; signing in again");
}

async function call(method: "GET" | "DELETE", path: string): Promise<Response> {
  const response = await fetch(`/dashboard/api${path}`, { method, headers: { accept: "application/json" }, credentials: "same-origin" });
  if (response.status === 401) toSignIn();
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string; message?: string } | null;
    throw new ApiError(response.status, body?.error ?? "error", body?.message ?? `${response.status} ${response.statusText}`);
  }
  return response;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await call("GET", path)).json() as Promise<T>;
}

/** A read for a region of the page: marked busy meanwhile; on failure the region says what did not load, and null. */
export async function loadInto<T>(region: HTMLElement, what: string, path: string): Promise<T | null> {
  region.setAttribute("aria-busy", "true");
  try {
    return await getJson<T>(path);
  } catch (err) {
    fill(region, errorMessage(what, err));
    return null;
  } finally {
    region.removeAttribute("aria-busy");
  }
}

export async function remove(path: string): Promise<void> {
  await call("DELETE", path);
}

/** A query string from the values that are set. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
}
