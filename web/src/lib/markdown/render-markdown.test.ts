import { describe, expect, test } from 'bun:test';
import { renderMarkdown } from './render-markdown';

describe('renderMarkdown', () => {
  test('renders the common subset', () => {
    const html = renderMarkdown(
      '# Offen\n\nJeden **Samstag** ab *10 Uhr*.\nMit `Kaffee`.\n\n- Beete\n- Kompost\n\n1. eins\n2. zwei\n\n> Zitat\n\n[Karte](https://example.org/a?b=1&c=2)',
    );
    expect(html).toContain('<h3>Offen</h3>');
    expect(html).toContain(
      '<p>Jeden <strong>Samstag</strong> ab <em>10 Uhr</em>.<br>Mit <code>Kaffee</code>.</p>',
    );
    expect(html).toContain('<ul><li>Beete</li><li>Kompost</li></ul>');
    expect(html).toContain('<ol><li>eins</li><li>zwei</li></ol>');
    expect(html).toContain('<blockquote><p>Zitat</p></blockquote>');
    expect(html).toContain(
      '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">Karte</a>',
    );
  });

  test('raw HTML stays text', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n<img src=x onerror=alert(1)>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;');
  });

  test('links only to http(s) and mailto, and no attribute can be injected', () => {
    for (const url of [
      'javascript:alert(1)',
      'data:text/html,x',
      'JaVaScRiPt:alert(1)',
      '/relative',
      'vbscript:x',
    ]) {
      expect(renderMarkdown(`[x](${url})`)).not.toContain('<a');
    }
    const html = renderMarkdown('[x](https://a.example/"onmouseover="alert(1))');
    expect(html).not.toContain('<a');
    expect(renderMarkdown('[mail](mailto:a@b.example)')).toContain('href="mailto:a@b.example"');
  });

  test('code blocks are not formatted', () => {
    const html = renderMarkdown('```\n**not bold** <b>\n```');
    expect(html).toBe('<pre><code>**not bold** &lt;b&gt;</code></pre>');
  });
});
