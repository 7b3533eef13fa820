// The honeypot link: one per message, that no person sees or reaches, so whatever follows it is a machine.
//
// Link scanners fetch every href in a message; people click what they see. The link below is hidden from layout
// (display:none on it and on its wrapper, mso-hide for Outlook's Word engine), from screen readers (aria-hidden) and
// from keyboard navigation (tabindex="-1"), and it has no text, so even a client that drops styles shows nothing.
// Research note S11 (US patent 12,489,787; Preside; mautic#9798).

/** The link index a honeypot click token carries; instrumentation never gives it to a real link. */
export const HONEYPOT_LINK_INDEX = 0xffff;

/**
 * Where the trap leads: this deployment's own root, which answers the plain "Link not found" page (src/routes/html.ts);
 * never anywhere outside it.
 */
export function honeypotDestination(origin: string): string {
  return `${origin}/`;
}

/** The markup, given the signed click URL (already escaped for an attribute). */
export function honeypotTag(href: string): string {
  return (
    `<div aria-hidden="true" style="display:none;max-height:0;overflow:hidden;mso-hide:all">` +
    `<a href="${href}" tabindex="-1" aria-hidden="true" style="display:none"></a></div>`
  );
}
