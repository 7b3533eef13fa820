// Bytes as lower-case hex: the one spelling of digests and random ids the project writes as text.

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
