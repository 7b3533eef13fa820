// The README's shell examples that CI runs as written: each fenced sh block right after a `<!-- smoke:<name> ... -->` line.

export interface ReadmeBlock {
  name: string;
  /** The block's text, as a reader would paste it. */
  script: string;
  /** 1-based line of the marker, for messages. */
  line: number;
}

const MARKER = /^<!-- smoke:([a-z0-9-]+)\b.*-->\s*$/;

/** Every marked block, in README order; a marker not followed by a fenced sh block is an error, not a skip. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = MARKER.exec(lines[i]!)?.[1];
    if (!name) continue;
    if (lines[i + 1]?.trim() !== "```sh") throw new Error(`README.md line ${i + 1}: the smoke:${name} marker is not followed by a \`\`\`sh block`);
    const end = lines.findIndex((l, j) => j > i + 1 && l.trim() === "```");
    if (end < 0) throw new Error(`README.md line ${i + 1}: the smoke:${name} block is not closed`);
    if (blocks.some((b) => b.name === name)) throw new Error(`README.md line ${i + 1}: a second smoke:${name} block`);
    blocks.push({ name, script: `${lines.slice(i + 2, end).join("\n")}\n`, line: i + 1 });
    i = end;
  }
  return blocks;
}

/** The names every block assigns at the start of a line (NAME=...), so that a later command can be run again alone. */
export function assignedNames(script: string): string[] {
  return [...new Set([...script.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((m) => m[1]!))];
}
