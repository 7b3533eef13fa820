// Contact lookup: is an address suppressed (and lifting it, after a confirmation), and everything that happened to it.

import { getJson, query, remove } from "../api";
import { emptyState, errorMessage, fill, h, scroller } from "../dom";
import { formatDateTime, formatEventType, formatSuppressionReason } from "../format";
import { dataTable } from "../table";
import type { ContactEvent, Page, Suppression } from "../types";

const EVENTS_PAGE = 50;

function details(e: ContactEvent): string {
  const meta = e.metadata ?? {};
  const parts: string[] = [];
  if (e.link) parts.push(e.link);
  if (typeof meta.bounceType === "string")
    parts.push(`${meta.bounceType}${typeof meta.bounceSubType === "string" ? ` (${meta.bounceSubType})` : ""}`);
  if (typeof meta.diagnosticCode === "string") parts.push(meta.diagnosticCode);
  if (typeof meta.complaintFeedbackType === "string") parts.push(meta.complaintFeedbackType);
  if (meta.machine === true) parts.push(`machine${typeof meta.machineReason === "string" ? `: ${meta.machineReason}` : ""}`);
  if (e.userAgent) parts.push(e.userAgent);
  return parts.join(" · ");
}

function eventsTable(events: ContactEvent[]): HTMLTableElement {
  return dataTable({
    caption: "Events for this address, newest first",
    columns: [
      { key: "at", label: "Time", cell: (e) => formatDateTime(e.occurredAt) },
      { key: "type", label: "Event", cell: (e) => formatEventType(e.type) },
      {
        key: "campaign",
        label: "Campaign",
        cell: (e) => (e.campaignId ? h("a", { href: `/dashboard/campaigns/${encodeURIComponent(e.campaignId)}` }, e.campaignId) : "—"),
      },
      { key: "details", label: "Details", cell: (e) => h("span", { class: "details" }, details(e)) },
    ],
    rows: events,
    rowAttrs: (e) => ({ "data-event-type": e.type }),
  });
}

/** The confirmation asked before a suppression is lifted: a modal dialog, Cancel first in the focus order. */
function confirmLift(email: string): Promise<boolean> {
  const titleId = "lift-title";
  const dialog = h(
    "dialog",
    { class: "confirm", "aria-labelledby": titleId, "aria-describedby": "lift-text" },
    h(
      "form",
      { method: "dialog" },
      h("h2", { id: titleId }, "Lift this suppression?"),
      h("p", { id: "lift-text" }, `Mail will be sent to ${email} again, including campaign sends. Lift it only if the reason no longer holds.`),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", value: "cancel", autofocus: true }, "Cancel"),
        h("button", { type: "submit", value: "lift", class: "danger" }, "Lift suppression"),
      ),
    ),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "lift");
      dialog.remove();
    });
    dialog.showModal();
  });
}

function suppressionCard(email: string, suppression: Suppression | null, onLifted: () => void): HTMLElement {
  if (!suppression) {
    return h(
      "section",
      { class: "card status ok", "aria-labelledby": "state-title", "data-suppressed": "false" },
      h("h2", { id: "state-title", tabindex: -1 }, "Not suppressed"),
      h("p", {}, `Mail to ${email} is sent.`),
    );
  }
  const message = h("p", { "aria-live": "polite" });
  const lift = h(
    "button",
    {
      type: "button",
      class: "danger",
      onclick: async () => {
        if (!(await confirmLift(suppression.email))) return;
        lift.disabled = true;
        try {
          await remove(`/suppressions/${encodeURIComponent(suppression.email)}`);
          onLifted();
        } catch (err) {
          lift.disabled = false;
          fill(message, errorMessage("the lift", err));
        }
      },
    },
    "Lift suppression…",
  );
  return h(
    "section",
    { class: "card status suppressed", "aria-labelledby": "state-title", "data-suppressed": "true" },
    h("h2", { id: "state-title", tabindex: -1 }, "Suppressed"),
    h(
      "dl",
      { class: "pairs" },
      h("dt", {}, "Reason"),
      h("dd", { "data-field": "reason" }, formatSuppressionReason(suppression.reason)),
      h("dt", {}, "Since"),
      h("dd", {}, formatDateTime(suppression.since)),
      h("dt", {}, "Until"),
      h("dd", {}, suppression.expiresAt ? formatDateTime(suppression.expiresAt) : "Lifted by hand only"),
    ),
    h("p", {}, "Nothing is sent to this address while it is suppressed."),
    lift,
    message,
  );
}

async function show(region: HTMLElement, email: string, focusState: boolean): Promise<void> {
  region.setAttribute("aria-busy", "true");
  let suppression: Suppression | null;
  let events: Page<ContactEvent>;
  try {
    [suppression, events] = await Promise.all([
      getJson<Suppression | null>(`/suppressions${query({ email })}`),
      getJson<Page<ContactEvent>>(`/contacts/${encodeURIComponent(email)}/events${query({ limit: EVENTS_PAGE })}`),
    ]);
  } catch (err) {
    fill(region, errorMessage(`the address ${email}`, err));
    return;
  } finally {
    region.removeAttribute("aria-busy");
  }
  const rows = [...events.items];
  let cursor = events.cursor;
  const history = h("div");
  const renderHistory = () => {
    if (rows.length === 0) {
      fill(
        history,
        emptyState(
          "No events for this address.",
          h("p", {}, "Nothing was sent to it, or it was spelled differently: addresses are matched exactly, ignoring case."),
        ),
      );
      return;
    }
    const more = cursor
      ? h(
          "button",
          {
            type: "button",
            onclick: async () => {
              try {
                const next = await getJson<Page<ContactEvent>>(
                  `/contacts/${encodeURIComponent(email)}/events${query({ limit: EVENTS_PAGE, cursor })}`,
                );
                rows.push(...next.items);
                cursor = next.cursor;
                renderHistory();
              } catch (err) {
                history.append(errorMessage("more events", err));
              }
            },
          },
          "Load older events",
        )
      : null;
    fill(history, scroller("Events table", eventsTable(rows)), more);
  };
  renderHistory();
  fill(
    region,
    suppressionCard(email, suppression, () => void show(region, email, true)),
    h("section", { class: "card", "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, "Event history"), history),
  );
  if (focusState) (region.querySelector("#state-title") as HTMLElement | null)?.focus();
}

export async function contactsPage(region: HTMLElement): Promise<void> {
  const email = new URLSearchParams(location.search).get("email")?.trim() ?? "";
  const input = document.getElementById("email") as HTMLInputElement | null;
  if (input) input.value = email;
  if (email) await show(region, email, false);
}
