// Which of a mail's tracking is on: the campaign's defaults and a send's overrides have this shape.

export interface TrackSwitches {
  opens: boolean;
  clicks: boolean;
  /** One hidden honeypot link (src/tracking/honeypot.ts); only ever added when clicks are tracked. */
  honeypot: boolean;
}
