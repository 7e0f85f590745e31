// Node rows as core and edge read them, and the one mapping to the DTOs every API returns.
// Pure: no connection, so both services (and their tests) may import it.
import type { NodeKind } from '@weltgewebe/events/domain';

export type { NodeKind };

/** What a list shows of a node: everything but its body and creator. */
export interface NodeListItem {
  id: string;
  kind: NodeKind;
  title: string;
  summary: string;
  address: string;
  topics: string[];
  lat: number;
  lon: number;
  startsAt: string | null;
  endsAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A whole node, as commands answer it and its detail page shows it. */
export interface NodeDTO extends NodeListItem {
  body: string;
  createdBy: string;
}

/** The columns of `nodes` a list reads (location as lat/lon). */
export interface NodeListRow {
  id: string;
  kind: NodeKind;
  title: string;
  summary: string;
  address: string;
  topics: string[];
  lat: number;
  lon: number;
  starts_at: Date | null;
  ends_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface NodeRow extends NodeListRow {
  body: string;
  created_by: string;
}

/**
 * NodeListRow's columns as a select list over `nodes` or `live_nodes` (under `alias`, if the
 * query names the table): the one place that says how a row becomes a NodeListRow.
 */
export function nodeListColumns(alias = ''): string {
  const a = alias ? `${alias}.` : '';
  return `${a}id, ${a}kind, ${a}title, ${a}summary, ${a}address, ${a}topics,
    ST_Y(${a}location) AS lat, ST_X(${a}location) AS lon, ${a}starts_at, ${a}ends_at,
    ${a}version, ${a}created_at, ${a}updated_at`;
}

/** NodeRow's columns as a select (or RETURNING) list, like nodeListColumns. */
export function nodeRowColumns(alias = ''): string {
  const a = alias ? `${alias}.` : '';
  return `${nodeListColumns(alias)}, ${a}body, ${a}created_by`;
}

export function toNodeListItem(r: NodeListRow): NodeListItem {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    summary: r.summary,
    address: r.address,
    topics: r.topics,
    lat: r.lat,
    lon: r.lon,
    startsAt: r.starts_at?.toISOString() ?? null,
    endsAt: r.ends_at?.toISOString() ?? null,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function toNodeDTO(r: NodeRow): NodeDTO {
  return { ...toNodeListItem(r), body: r.body, createdBy: r.created_by };
}
