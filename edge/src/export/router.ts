// Export routes: GET /export/nodes.geojson, /export/nodes.csv (?bbox=w,s,e,n | ?weavery=slug,
// optional &kind=a,b) and /export/events.ics?weavery=slug. Transport only: the read check,
// download headers (count, cap, licence), the streamed body and JSON errors with stable codes.

import type { Sql } from '@weltgewebe/db/client';
import { ApiError, type JwtVerifier, requestIdFrom } from '@weltgewebe/kit';
import { Elysia } from 'elysia';
import { identifyCaller } from '../auth/identify.ts';
import { jsonErrorOf } from '../json-error.ts';
import {
  CSV_COLUMNS,
  csvRow,
  DATA_LICENCE,
  EXPORT_MAX_ROWS,
  type ExportQuery,
  geoJsonFeature,
  ICAL_FOOTER,
  icalEvent,
  icalHeader,
  LICENCE_LINE,
  parseExportQuery,
} from './model.ts';
import { type ExportSelection, selectExport } from './service.ts';

export interface ExportRouteDeps {
  sql: Sql;
  verifier: JwtVerifier;
  authRequiredForRead: boolean;
}

const encoder = new TextEncoder();

/** A body that pulls the next piece only when the client reads on; a hang-up ends the cursor. */
function streamOf(pieces: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      const next = await pieces.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await pieces.return(undefined);
    },
  });
}

/** The origin people reached us at (Caddy passes Host through and says the scheme). */
function publicOrigin(request: Request): string {
  const url = new URL(request.url);
  const proto = request.headers.get('x-forwarded-proto');
  const scheme = proto === 'https' || proto === 'http' ? proto : url.protocol.slice(0, -1);
  return `${scheme}://${url.host}`;
}

function fileStem(query: ExportQuery): string {
  if (query.area.by === 'weavery') return `weltgewebe-${query.area.slug}`;
  const { west, south, east, north } = query.area;
  return `weltgewebe-${[west, south, east, north].map((v) => v.toFixed(3)).join('_')}`;
}

export function exportRoutes(deps: ExportRouteDeps) {
  const cacheControl = `${deps.authRequiredForRead ? 'private' : 'public'}, max-age=60`;

  const mayRead = async (request: Request) => {
    if (!deps.authRequiredForRead) return;
    const auth = await identifyCaller(request, deps.verifier);
    if (!auth.identity) {
      throw new ApiError('UNAUTHORIZED', 'UNAUTHORIZED', 'Zum Lesen ist eine Anmeldung nötig.');
    }
  };

  const download = (
    request: Request,
    make: (
      params: URLSearchParams,
      origin: string,
    ) => Promise<{
      selection: ExportSelection;
      type: string;
      filename: string;
      body: AsyncGenerator<string>;
    }>,
  ) =>
    (async () => {
      try {
        await mayRead(request);
        const url = new URL(request.url);
        const { selection, type, filename, body } = await make(
          url.searchParams,
          publicOrigin(request),
        );
        return new Response(streamOf(body), {
          headers: {
            'content-type': type,
            'content-disposition': `attachment; filename="${filename}"`,
            'cache-control': cacheControl,
            'x-export-count': String(selection.count),
            'x-export-limit': String(EXPORT_MAX_ROWS),
            'x-export-truncated': String(selection.truncated),
            link: `<${DATA_LICENCE.url}>; rel="license"`,
          },
        });
      } catch (error) {
        if (error instanceof ApiError) return jsonErrorOf(error, requestIdFrom(request.headers));
        throw error;
      }
    })();

  return new Elysia()
    .get('/export/nodes.geojson', ({ request }) =>
      download(request, async (params, origin) => {
        const query = parseExportQuery(params);
        const selection = await selectExport(deps.sql, query);
        async function* body() {
          // Foreign members (RFC 7946 6.1) carry licence and cap before the features.
          const head = {
            type: 'FeatureCollection',
            license: DATA_LICENCE.id,
            licenseUrl: DATA_LICENCE.url,
            attribution: LICENCE_LINE,
            numberReturned: selection.count,
            limit: EXPORT_MAX_ROWS,
            truncated: selection.truncated,
          };
          yield `${JSON.stringify(head).slice(0, -1)},"features":[\n`;
          let first = true;
          for await (const node of selection.rows) {
            yield `${first ? '' : ',\n'}${JSON.stringify(geoJsonFeature(node, origin))}`;
            first = false;
          }
          yield '\n]}\n';
        }
        return {
          selection,
          type: 'application/geo+json; charset=utf-8',
          filename: `${fileStem(query)}.geojson`,
          body: body(),
        };
      }),
    )
    .get('/export/nodes.csv', ({ request }) =>
      download(request, async (params, origin) => {
        const query = parseExportQuery(params);
        const selection = await selectExport(deps.sql, query);
        async function* body() {
          // The licence line first, as a `#` comment (pandas comment='#', csvkit, QGIS skip it).
          const cap = selection.truncated
            ? `; gekürzt auf die ersten ${EXPORT_MAX_ROWS} Knoten`
            : `; ${selection.count} Knoten`;
          yield `# ${LICENCE_LINE}${cap}\r\n${CSV_COLUMNS.join(',')}\r\n`;
          for await (const node of selection.rows) yield `${csvRow(node, origin)}\r\n`;
        }
        return {
          selection,
          type: 'text/csv; charset=utf-8; header=present',
          filename: `${fileStem(query)}.csv`,
          body: body(),
        };
      }),
    )
    .get('/export/events.ics', ({ request }) =>
      download(request, async (params, origin) => {
        const query = parseExportQuery(params, 'weavery');
        const selection = await selectExport(deps.sql, query, { eventsOnly: true });
        const host = new URL(origin).host;
        async function* body() {
          yield icalHeader(selection.title, host);
          for await (const node of selection.rows) yield icalEvent(node, origin, host);
          yield ICAL_FOOTER;
        }
        return {
          selection,
          type: 'text/calendar; charset=utf-8',
          filename: `${fileStem(query)}.ics`,
          body: body(),
        };
      }),
    );
}
