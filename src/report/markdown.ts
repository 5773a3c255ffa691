/**
 * The Markdown subset the report's discussion is written in, to HTML, and its word count.
 *
 * Supported: `#`–`####` headings, paragraphs, `-`/`*` and `1.` lists (one level), `>` quotes,
 * pipe tables, fenced code, and inline **bold**, *italic*, `code`, [links](url) and [@key]
 * citations (resolved by the caller). A small converter of our own, because the discussion uses
 * nothing more and a dependency for it would be larger than this file.
 */

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Inline markup of one line of text; `cite(key)` renders a [@key] citation. */
export function inline(text: string, cite: (key: string) => string = (k) => `[${k}]`): string {
  const codes: string[] = [];
  // NOTE: code spans first, swapped out for placeholders, so nothing inside them is formatted.
  let s = text.replace(/`([^`]+)`/g, (_, c: string) => {
    codes.push(`<code>${escapeHtml(c)}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = escapeHtml(s);
  s = s.replace(/\[@([\w:-]+)\]/g, (_, k: string) => cite(k));
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, t: string, u: string) => `<a href="${u.replace(/"/g, '%22')}">${t}</a>`);
  s = s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>');
  s = s.replace(/(^|[^_\w])_([^_\s][^_]*)_(?!\w)/g, '$1<em>$2</em>');
  // eslint-disable-next-line no-control-regex -- NUL marks the code spans set aside above; no text holds it
  return s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => codes[Number(i)]!);
}

function table(rows: string[], cite: (key: string) => string): string {
  const cells = (r: string) =>
    r
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((c) => c.trim());
  const [head, , ...body] = rows;
  const th = cells(head!)
    .map((c) => `<th>${inline(c, cite)}</th>`)
    .join('');
  const tb = body
    .map(
      (r) =>
        `<tr>${cells(r)
          .map((c) => `<td>${inline(c, cite)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${tb}\n</tbody>\n</table>`;
}

/**
 * Converts Markdown (the subset above) to an HTML fragment. Headings are shifted down by
 * `headingOffset` levels so a document's `#` can sit under the report's own title.
 *
 * @example markdownToHtml('# Results\n\nThe **best** FD was 12.') // '<h1>Results</h1>\n<p>The <strong>best</strong> FD was 12.</p>'
 */
export function markdownToHtml(md: string, opts: { headingOffset?: number; cite?: (key: string) => string } = {}): string {
  const offset = opts.headingOffset ?? 0;
  const cite = opts.cite ?? ((k: string) => `[${k}]`);
  // NOTE: HTML comments (notes to the authors) are dropped, never rendered.
  const lines = md
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const out: string[] = [];
  let i = 0;
  const isBlank = (l: string | undefined) => l === undefined || l.trim() === '';
  const startsBlock = (l: string) => /^(#{1,6} |[-*] |\d+\. |> |```|\|)/.test(l);
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const h = /^(#{1,6}) +(.*)$/.exec(line);
    if (h) {
      const level = Math.min(6, h[1]!.length + offset);
      out.push(`<h${level}>${inline(h[2]!.trim(), cite)}</h${level}>`);
      i++;
    } else if (line.startsWith('```')) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.startsWith('```')) body.push(lines[i++]!);
      i++;
      out.push(`<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`);
    } else if (/^\|/.test(line)) {
      const rows: string[] = [];
      while (i < lines.length && /^\|/.test(lines[i]!)) rows.push(lines[i++]!);
      out.push(table(rows, cite));
    } else if (/^([-*]|\d+\.) /.test(line)) {
      const ordered = /^\d+\. /.test(line);
      const items: string[] = [];
      while (i < lines.length && /^([-*]|\d+\.) /.test(lines[i]!)) {
        let item = lines[i++]!.replace(/^([-*]|\d+\.) +/, '');
        // continuation lines (indented) belong to the item
        while (i < lines.length && /^ {2,}\S/.test(lines[i]!)) item += ` ${lines[i++]!.trim()}`;
        items.push(`<li>${inline(item, cite)}</li>`);
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>\n${items.join('\n')}\n</${tag}>`);
    } else if (line.startsWith('> ')) {
      const body: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('>')) body.push(lines[i++]!.replace(/^> ?/, ''));
      out.push(`<blockquote><p>${inline(body.join(' '), cite)}</p></blockquote>`);
    } else {
      const body: string[] = [];
      while (i < lines.length && !isBlank(lines[i]) && !(body.length > 0 && startsBlock(lines[i]!))) body.push(lines[i++]!.trim());
      out.push(`<p>${inline(body.join(' '), cite)}</p>`);
    }
  }
  return out.join('\n');
}

/**
 * Words of the discussion as a reader counts them: prose in paragraphs, lists, quotes and tables;
 * headings, code blocks, HTML comments, link targets, list markers and markup characters are not counted.
 */
export function countWords(md: string): number {
  const text = md
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/^```[\s\S]*?^```/gm, ' ')
    .split('\n')
    .filter((l) => !/^#{1,6} /.test(l) && !/^\|?[\s:|-]+\|[\s:|-]*$/.test(l))
    .join('\n')
    .replace(/^\s*(\d+\.|[-*]) +/gm, '')
    .replace(/\[@[\w:-]+\]/g, ' ')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')
    .replace(/[`*_>|#]/g, ' ');
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}
