// The shared addresses: embed areas parse strictly, snippets cannot break out of their attribute.
import { describe, expect, test } from 'bun:test';
import {
  boxAround,
  embedLink,
  exportLinks,
  iframeSnippet,
  nodeLink,
  parseEmbedArea,
} from './share-links';

const q = (s: string) => new URLSearchParams(s);

describe('share links', () => {
  test('a node link opens the node (and the view when given)', () => {
    expect(nodeLink('https://w.example', 'abc', '#15.00/53.5/10.0')).toBe(
      'https://w.example/?knoten=abc#15.00/53.5/10.0',
    );
  });

  test('embed areas: one box or one slug, nothing broken', () => {
    expect(parseEmbedArea(q('bbox=9.9,53.5,10.1,53.6'))).toEqual({ bbox: [9.9, 53.5, 10.1, 53.6] });
    expect(parseEmbedArea(q('weavery=hamburg'))).toEqual({ weavery: 'hamburg' });
    for (const bad of [
      '',
      'bbox=1,2,3',
      'bbox=a,b,c,d',
      'bbox=0,10,1,5',
      'bbox=0,0,200,1',
      'weavery=Not A Slug',
      'weavery=x&bbox=1,2,3,4',
    ]) {
      expect({ bad, area: parseEmbedArea(q(bad)) }).toEqual({ bad, area: null });
    }
  });

  test('the iframe snippet escapes what it quotes', () => {
    const src = embedLink('https://w.example', { weavery: 'kiel' });
    expect(src).toBe('https://w.example/embed?weavery=kiel');
    const snippet = iframeSnippet(src, 'Karte "Kiel" <b>');
    expect(snippet).toContain('src="https://w.example/embed?weavery=kiel"');
    expect(snippet).toContain('title="Karte &quot;Kiel&quot; &lt;b>"');
  });

  test('exports of a weavery include its calendar, of a box not', () => {
    expect(exportLinks({ weavery: 'kiel' }).ics).toBe('/export/events.ics?weavery=kiel');
    expect(exportLinks({ bbox: [1, 2, 3, 4] })).toEqual({
      geojson: '/export/nodes.geojson?bbox=1,2,3,4',
      csv: '/export/nodes.csv?bbox=1,2,3,4',
      ics: null,
    });
  });

  test('a box around a point holds it and stays in the world', () => {
    const [w, s, e, n] = boxAround(53.55, 9.99);
    expect(w < 9.99 && e > 9.99 && s < 53.55 && n > 53.55).toBe(true);
    expect(boxAround(85, 180)[2]).toBe(180);
  });
});
