// Tokens for one document, minted after it is rewritten: a placeholder goes where each token will be, and all of them
// are sealed together at the end, then put in place.
//
// Why (bench/workerd/instrument.bench-test.ts, docs/BENCHMARKS.md): workerd's WebCrypto does its work when it is
// called, so sealing a document's links concurrently is no faster than one after another (slower, in fact); but sealing inside the
// rewrite, in each <a> handler, made the document about 10-15% slower than the same parse followed by the same sealing,
// whether each handler awaited its token or only started it (the two kinds of work interleave badly). With
// placeholders every handler is synchronous, and each token's payload is still checked when its link is met
// (recipientTokens), so a link that cannot carry a token is left untracked there and then.
//
// A placeholder is the same random nonce for the whole document, followed by the token's number and "-": ASCII
// letters, digits and "-", so no escaping (attribute text, charset) ever changes it, and every token is base64url, so
// one written in its place is exactly what writing the token there directly would have given. The nonce is drawn
// until it occurs in none of the text the output is made of, so the only occurrences in the output are placeholders.

import type { KeyRing } from "../config/tracking-keys";
import { finishToken, type PreparedToken, type RecipientFields, recipientTokens, type TokenKind, type TokenPayload } from "./token";
import { hex } from "../domain/hex";

const NONCE_BYTES = 16;

function freshNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  return hex(bytes);
}

export class TokenPlaceholders {
  private readonly nonce: string;
  private readonly prepared: PreparedToken[] = [];
  private readonly prepare: ReturnType<typeof recipientTokens>;

  /**
   * Tokens for one recipient of one message (`fields`). `sources`: every text the document being written is made of
   * (its input, the origin put in its URLs).
   */
  constructor(
    private readonly ring: KeyRing,
    fields: RecipientFields,
    sources: readonly string[],
  ) {
    this.prepare = recipientTokens(fields, ring);
    let nonce = freshNonce();
    while (sources.some((text) => text.includes(nonce))) nonce = freshNonce();
    this.nonce = nonce;
  }

  /** The placeholder of this token; throws TokenError now when it cannot be one. */
  add(kind: TokenKind, click?: Pick<TokenPayload, "url" | "linkIndex">): string {
    this.prepared.push(this.prepare(kind, click));
    return `${this.nonce}${this.prepared.length - 1}-`;
  }

  /** `text` with every placeholder replaced by its token; each must occur exactly once. */
  async fill(text: string): Promise<string> {
    if (this.prepared.length === 0) return text;
    // One after another: workerd's WebCrypto does its work when called, so Promise.all only adds its own bookkeeping
    // (all at once measured 1.2x slower than in series, docs/BENCHMARKS.md "Where the time goes").
    const tokens: string[] = [];
    for (const prepared of this.prepared) tokens.push(await finishToken(prepared, this.ring));
    const seen = new Set<number>();
    let replaced = 0;
    const filled = text.replace(new RegExp(`${this.nonce}(\\d+)-`, "g"), (_, n: string) => {
      replaced++;
      seen.add(Number(n));
      return tokens[Number(n)]!;
    });
    // A placeholder lost or written twice would be a link without its token: never hand that out.
    if (replaced !== tokens.length || seen.size !== tokens.length) throw new Error("a token placeholder went missing or was repeated");
    return filled;
  }
}
