// CSV (RFC 4180) cells and rows, with formula-looking cells neutralised so a spreadsheet shows them as text.

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: a leading =, +, -, @, tab or carriage return gets a single quote before it; quoted when it must be. */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 has it. */
export function csvRow(cells: readonly (string | number | boolean | null)[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
