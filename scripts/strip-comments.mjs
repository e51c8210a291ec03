// Build helper for scripts/bundle-oneshot.mjs: a bundle without its
// comments, leading indentation and blank lines. V8 keeps a script's whole
// source in memory for as long as any function of it may run (lazy
// compilation, Function.prototype.toString): a quarter of the monitor's
// bundle was comments and another seventh indentation (issue 13, point 2).
//
// It changes nothing a program can see but its own text: TypeScript's parser
// (a build-time dependency already) marks every string, template piece and
// regular expression literal, which are copied as they are; outside them a
// comment goes, a comment spanning lines leaving one line break (a line
// break can end a statement), and every line loses its leading blanks and
// empty lines go (line breaks stay where there were any, so automatic
// semicolon insertion reads the same). `sameProgram` checks the result:
// TypeScript's printer, which prints the syntax tree without comments, must
// print the same text for both.

/** `text` without comments, leading blanks and empty lines. `ts` is the typescript module. */
export function stripComments(ts, text) {
  const sf = ts.createSourceFile('bundle.js', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const K = ts.SyntaxKind;
  const literal = new Set([K.StringLiteral, K.NoSubstitutionTemplateLiteral, K.TemplateHead, K.TemplateMiddle, K.TemplateTail, K.RegularExpressionLiteral]);
  const ranges = [];
  const visit = (node) => {
    if (literal.has(node.kind)) ranges.push([node.getStart(sf), node.end]);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  ranges.sort((a, b) => a[0] - b[0]);
  const out = [];
  let i = 0;
  let r = 0;
  let lineStart = true;
  let from = 0; // start of the pending run of plain code copied as it is
  const flush = (to) => {
    if (to > from) out.push(text.slice(from, to));
  };
  while (i < text.length) {
    while (r < ranges.length && ranges[r][0] < i) r++;
    if (r < ranges.length && ranges[r][0] === i) {
      i = ranges[r][1];
      r++;
      lineStart = false;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 0x2f /* / */ && (text.charCodeAt(i + 1) === 0x2f || text.charCodeAt(i + 1) === 0x2a)) {
      flush(i);
      let end;
      let breaks = false;
      if (text.charCodeAt(i + 1) === 0x2f) {
        end = text.indexOf('\n', i);
        if (end < 0) end = text.length;
      } else {
        end = text.indexOf('*/', i + 2);
        if (end < 0) throw new Error('strip-comments: an unterminated comment');
        end += 2;
        breaks = /[\n\r\u2028\u2029]/.test(text.slice(i, end));
      }
      if (breaks) {
        if (!lineStart) out.push('\n');
        lineStart = true;
      } else if (!lineStart && end < text.length && text[end] !== '\n') out.push(' ');
      i = end;
      from = i;
      continue;
    }
    if (c === 0x0a /* \n */) {
      flush(i);
      if (!lineStart) out.push('\n');
      lineStart = true;
      i++;
      from = i;
      continue;
    }
    if (lineStart && (c === 0x20 || c === 0x09 || c === 0x0d)) {
      i++;
      from = i;
      continue;
    }
    lineStart = false;
    i++;
  }
  flush(i);
  return out.join('');
}

/** Whether `a` and `b` are the same program: TypeScript prints the same syntax tree (comments left out) for both. */
export function sameProgram(ts, a, b) {
  const printer = ts.createPrinter({ removeComments: true });
  const print = (text) => printer.printFile(ts.createSourceFile('bundle.js', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS));
  return print(a) === print(b);
}
