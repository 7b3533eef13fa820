// The open-tracking pixel: one constant 1x1 transparent GIF and the headers that keep it uncached.

/** GIF89a, 1x1, one transparent colour: the smallest image every mail client renders. */
export const PIXEL_GIF = Uint8Array.from([
  0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00,
  0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
]);

/** Every open must reach us: no shared or private cache may keep the image. */
export const PIXEL_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "image/gif",
  "Content-Length": String(PIXEL_GIF.byteLength),
  "Cache-Control": "no-store, no-cache, must-revalidate, private",
  Pragma: "no-cache",
  Expires: "0",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

export function pixelResponse(): Response {
  return new Response(PIXEL_GIF, { status: 200, headers: PIXEL_HEADERS });
}
