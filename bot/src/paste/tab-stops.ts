/**
 * Expands tabs to spaces at the tab stops the author saw, so columns and
 * tree art still line up. Terminals put stops every 8 columns; editors often
 * every 4 (or 2). A block of tree art indented with tabs (`pstree` re-indented
 * in an editor) shows its width: the connector (`|`, `` ` ``, `\`) that starts
 * the line must sit under a branch (`+` or `|`) of the line above.
 * The width found holds until the next blank line. On a line too long to be
 * a table or a tree, each tab is one blank (it must not grow 8-fold).
 */
const MAX_ALIGNED = 2048;
const WIDTHS = [8, 4, 2];
const BRANCH = /[+|]/;
const CONNECTOR = /[|`\\]/;

export interface TabExpander {
  /** The line with its tabs expanded (the line as it will be read). `tabs` false: the caller knows it has none. */
  expand(line: string, tabs?: boolean): string;
}

export function createTabExpander(): TabExpander {
  let above = '';
  let blockWidth = 0;
  return {
    expand(line, tabs = true) {
      let out = line;
      if (!tabs) {
        /* as it is */
      } else if (line.length > MAX_ALIGNED) out = line.split('\t').join(' ');
      else if (line.includes('\t')) {
        const width = blockWidth || treeWidth(line, above);
        if (width !== 8) blockWidth = width;
        out = expandTabs(line, width);
      }
      if (blockWidth && out.trim() === '') blockWidth = 0;
      above = out;
      return out;
    },
  };
}

/** The tab width that puts this line's leading connector under a branch of the line above (8 when none does). */
function treeWidth(line: string, above: string): number {
  if (above === '') return 8;
  for (const w of WIDTHS) {
    const s = expandTabs(line, w);
    let i = 0;
    while (s.charCodeAt(i) === 32) i++;
    if (i > 0 && CONNECTOR.test(s.charAt(i)) && BRANCH.test(above.charAt(i))) return w;
  }
  return 8;
}

export function expandTabs(s: string, width = 8): string {
  let out = '';
  let col = 0;
  let from = 0;
  for (let i = s.indexOf('\t'); i >= 0; i = s.indexOf('\t', from)) {
    out += s.slice(from, i);
    col += i - from;
    const pad = width - (col % width);
    out += ' '.repeat(pad);
    col += pad;
    from = i + 1;
  }
  return out + s.slice(from);
}
