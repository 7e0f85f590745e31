// A small Markdown renderer that is safe by construction: every character of the input is
// HTML-escaped first, and only the handful of tags produced here ever reach the page
// (paragraphs, headings h3–h5, lists, quotes, code, emphasis, links to http(s)/mailto).
// Raw HTML in a node body therefore shows as text, and no attribute can be smuggled in.

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => escapes[char] ?? char);
}

function decodeEntities(text: string): string {
  return text.replace(/&(quot|#39|lt|gt);/g, (_, name: string) =>
    name === 'quot' ? '"' : name === '#39' ? "'" : name === 'lt' ? '<' : '>',
  );
}

/** Only absolute http(s) and mailto targets; everything else (javascript:, data:, …) is text. */
function safeHref(escapedUrl: string): string | null {
  // The URL is already escaped; undo &amp; for the check only.
  const raw = escapedUrl.replace(/&amp;/g, '&');
  if (!/^(https?:\/\/|mailto:)/i.test(raw)) return null;
  for (const char of decodeEntities(raw)) {
    if (char.charCodeAt(0) <= 0x20 || `"'<>`.includes(char)) return null;
  }
  return escapedUrl;
}

/** Inline formatting on already-escaped text. Code spans are cut out first so nothing inside them is formatted. */
function inline(escaped: string): string {
  const codes: string[] = [];
  let text = escaped.replace(/`([^`\n]+)`/g, (_, code: string) => {
    codes.push(`<code>${code}</code>`);
    return `\uE000${codes.length - 1}\uE000`;
  });
  text = text.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (match, label: string, url: string) => {
    const href = safeHref(url);
    return href ? `<a href="${href}" rel="nofollow noopener noreferrer">${label}</a>` : match;
  });
  text = text.replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>');
  text = text.replace(/(^|[^\w*])\*([^*\n]+)\*(?!\w)/g, '$1<em>$2</em>');
  text = text.replace(/(^|[^\w])_([^_\n]+)_(?!\w)/g, '$1<em>$2</em>');
  return text.replace(/\uE000(\d+)\uE000/g, (_, index: string) => codes[Number(index)] ?? '');
}

type Block =
  | { type: 'p'; lines: string[] }
  | { type: 'ul' | 'ol'; items: string[] }
  | { type: 'quote'; lines: string[] }
  | { type: 'code'; lines: string[] };

export function renderMarkdown(source: string): string {
  // U+E000 (private use) is our placeholder marker for code spans; it never belongs in text.
  const lines = escapeHtml(source.replace(/\uE000/g, ''))
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const out: string[] = [];
  let block: Block | null = null;
  // Read through a function: TypeScript cannot see that flush() resets the variable.
  const current = (): Block | null => block;

  const flush = () => {
    if (!block) return;
    if (block.type === 'p') out.push(`<p>${block.lines.map(inline).join('<br>')}</p>`);
    else if (block.type === 'quote')
      out.push(`<blockquote><p>${block.lines.map(inline).join('<br>')}</p></blockquote>`);
    else if (block.type === 'code') out.push(`<pre><code>${block.lines.join('\n')}</code></pre>`);
    else
      out.push(
        `<${block.type}>${block.items.map((item) => `<li>${inline(item)}</li>`).join('')}</${block.type}>`,
      );
    block = null;
  };

  for (const line of lines) {
    const open = current();
    if (open?.type === 'code') {
      if (/^\s*```/.test(line)) flush();
      else open.lines.push(line);
      continue;
    }
    if (/^\s*```/.test(line)) {
      flush();
      block = { type: 'code', lines: [] };
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    const heading = /^(#{1,3})\s+(.+)$/.exec(line);
    if (heading) {
      flush();
      // Headings in a body sit below the node's own title (h2).
      const level = (heading[1]?.length ?? 1) + 2;
      out.push(`<h${level}>${inline(heading[2]?.trim() ?? '')}</h${level}>`);
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      out.push('<hr>');
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d{1,9}[.)]\s+(.*)$/.exec(line);
    const listItem = bullet ?? numbered;
    if (listItem) {
      const type = bullet ? 'ul' : 'ol';
      if (current()?.type !== type) {
        flush();
        block = { type, items: [] };
      }
      (block as { items: string[] }).items.push(listItem[1] ?? '');
      continue;
    }
    const quote = /^\s*&gt;\s?(.*)$/.exec(line);
    if (quote) {
      if (current()?.type !== 'quote') {
        flush();
        block = { type: 'quote', lines: [] };
      }
      (block as { lines: string[] }).lines.push(quote[1] ?? '');
      continue;
    }
    if (current()?.type !== 'p') {
      flush();
      block = { type: 'p', lines: [] };
    }
    (block as { lines: string[] }).lines.push(line.trim());
  }
  flush();
  return out.join('\n');
}
