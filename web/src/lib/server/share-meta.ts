// Open Graph / Twitter card metadata of a shared link, rendered by the server so that chat apps
// and social sites (which run no script) show the node's or weavery's title and summary. Only
// what anyone may read: a hidden, removed or unknown node gives the site's own card.

import type { Locale } from '$lib/i18n/locale';
import { de, en, type MessageKey } from '$lib/i18n/messages';
import { nodeLink, type ShareMeta, weaveryLink } from '$lib/share/share-links';
import { edgeClient } from './edge-client';
import { env } from './env';
import { log } from './log';

export type { ShareMeta };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const SITE = 'Weltgewebe';

function words(locale: Locale) {
  const dict = locale === 'en' ? en : de;
  return (key: MessageKey, params: Record<string, string> = {}) =>
    dict[key].replace(/\{(\w+)\}/g, (m, name: string) => params[name] ?? m);
}

/** Cards are short: a summary cut at a word near 200 characters. */
function shorten(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 30)).trimEnd()} …`;
}

interface Asker {
  requestId: string;
  forwardedFor: string | null;
  locale: Locale;
}

export function siteMeta(locale: Locale, path = '/'): ShareMeta {
  const t = words(locale);
  return {
    title: t('app.title'),
    description: t('og.description'),
    url: `${env.ORIGIN}${path}`,
    subject: null,
  };
}

export async function nodeMeta(id: string | null, asker: Asker): Promise<ShareMeta> {
  const fallback = siteMeta(asker.locale);
  if (!id || !UUID.test(id)) return fallback;
  const t = words(asker.locale);
  try {
    const node = await edgeClient(asker.requestId, asker.forwardedFor).nodes.byId.query({ id });
    const kind = t(`kind.${node.kind}` as MessageKey);
    return {
      title: `${node.title} – ${SITE}`,
      description: shorten(
        node.summary || [t('og.node', { kind }), node.address].filter(Boolean).join(' · '),
      ),
      url: nodeLink(env.ORIGIN, node.id),
      subject: node.id,
    };
  } catch (error) {
    // Not found (or hidden, removed) is an ordinary answer; anything else is worth a line.
    if ((error as { data?: { code?: string } })?.data?.code !== 'NOT_FOUND') {
      log('warn', 'share card without node', { request_id: asker.requestId, error: String(error) });
    }
    return fallback;
  }
}

export async function weaveryMeta(slug: string, asker: Asker): Promise<ShareMeta> {
  const fallback = siteMeta(asker.locale, `/w/${slug}`);
  if (!SLUG.test(slug)) return fallback;
  const t = words(asker.locale);
  try {
    const w = await edgeClient(asker.requestId, asker.forwardedFor).weaveries.byId.query({ slug });
    return {
      title: `${w.name} – ${SITE}`,
      description: t('og.weavery', { name: w.name }),
      url: weaveryLink(env.ORIGIN, w.slug),
      subject: w.slug,
    };
  } catch (error) {
    if ((error as { data?: { code?: string } })?.data?.code !== 'NOT_FOUND') {
      log('warn', 'share card without weavery', {
        request_id: asker.requestId,
        error: String(error),
      });
    }
    return fallback;
  }
}
