// CSV cells: RFC 4180 quoting, and formula-looking text neutralised for spreadsheets.
import { describe, expect, it } from "vitest";
import { csvCell, csvRow } from "../../src/lib/csv";

describe("csv", () => {
  it.each([
    ["plain@example.com", "plain@example.com"],
    ['say "hi"', '"say ""hi"""'],
    ["a,b", '"a,b"'],
    ["two\nlines", '"two\nlines"'],
    ["=cmd@x.com", "'=cmd@x.com"],
    ["+x@y.com", "'+x@y.com"],
    ["-1+2", "'-1+2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "'\tx"],
    ["\rx", '"\'\rx"'],
    ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
  ])("%j → %j", (input, cell) => expect(csvCell(input)).toBe(cell));

  it("writes empty cells for null, numbers and booleans as they are, CRLF at the end", () => {
    expect(csvRow([null, 3, true, "x"])).toBe(",3,true,x\r\n");
  });
});
