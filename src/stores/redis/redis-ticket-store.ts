import type { TicketStore } from '../../core/ports';
import type { Ticket, TicketStatus } from '../../core/ticket';
import { StoreError } from '../shared/store-errors';
import {
  assertDuration, assertId, assertLimit, assertTicket, assertTicketExpectation, formatTicketId, parseStored, ticketStatuses, toStored,
} from '../shared/store-validation';
import { defineRedisScript, type RedisClient } from './redis-script';

const STATUSES: readonly TicketStatus[] = ['open', 'claimed', 'closed'];

/** KEYS: ticket, all-index, open, claimed, closed. ARGV: json, createdAt, id, status, mode ('create' | 'update'). */
const WRITE = defineRedisScript(`
local exists = redis.call('EXISTS', KEYS[1]) == 1
if ARGV[5] == 'create' and exists then return 0 end
if ARGV[5] == 'update' and not exists then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
for i = 3, 5 do redis.call('ZREM', KEYS[i], ARGV[3]) end
redis.call('ZADD', KEYS[2 + tonumber(ARGV[4])], ARGV[2], ARGV[3])
return 1
`);

/**
 * Compare-and-set of a ticket: writes only while the stored one has the expected status and agent ('' = none).
 * KEYS: ticket, all-index, open, claimed, closed. ARGV: json, createdAt, id, status index, expected status, expected agent.
 * Answers {1, json} when written, {0, stored json} when not, and nil when there is no such ticket.
 */
const WRITE_IF = defineRedisScript(`
local stored = redis.call('GET', KEYS[1])
if not stored then return nil end
local ticket = cjson.decode(stored)
local agent = ticket.agent
if type(agent) ~= 'string' then agent = '' end
if ticket.status ~= ARGV[5] or agent ~= ARGV[6] then return {0, stored} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
for i = 3, 5 do redis.call('ZREM', KEYS[i], ARGV[3]) end
redis.call('ZADD', KEYS[2 + tonumber(ARGV[4])], ARGV[2], ARGV[3])
return {1, ARGV[1]}
`);

/** The ticket number reserved for a key, or a new one from the ticket sequence. KEYS: reservation, sequence. ARGV: ttlMs. */
const RESERVE = defineRedisScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return tonumber(existing) end
local sequence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], sequence, 'PX', ARGV[1])
return sequence
`);

/**
 * Tickets as JSON strings, with sorted sets by creation time (all, and one per status) for listing.
 * Ids come from INCR, so they are unique across every instance sharing the Redis.
 */
export function createRedisTicketStore(client: RedisClient, prefix: string): TicketStore {
  const key = (id: string): string => `${prefix}ticket:${id}`;
  const allKey = `${prefix}tickets:all`;
  const statusKey = (status: TicketStatus): string => `${prefix}tickets:status:${status}`;

  async function write(ticket: Ticket, mode: 'create' | 'update'): Promise<boolean> {
    const keys = [key(ticket.id), allKey, ...STATUSES.map(statusKey)];
    const args = [toStored(ticket, `ticket ${ticket.id}`), ticket.createdAt, ticket.id, STATUSES.indexOf(ticket.status) + 1, mode];
    return Number(await WRITE.run(client, keys, args)) === 1;
  }

  return {
    async nextId() {
      return formatTicketId(await client.incr(`${prefix}ticket:seq`));
    },
    async reserveId(reservation, ttlMs) {
      assertId(reservation, 'ticket key');
      const ttl = assertDuration(ttlMs, 'ticket key ttlMs');
      return formatTicketId(Number(await RESERVE.run(client, [`${prefix}ticket-key:${reservation}`, `${prefix}ticket:seq`], [ttl])));
    },
    async updateIf(ticket, expected) {
      assertTicket(ticket);
      assertTicketExpectation(expected);
      const keys = [key(ticket.id), allKey, ...STATUSES.map(statusKey)];
      const args = [toStored(ticket, `ticket ${ticket.id}`), ticket.createdAt, ticket.id, STATUSES.indexOf(ticket.status) + 1, expected.status, expected.agent ?? ''];
      const answer = (await WRITE_IF.run(client, keys, args)) as [number, string] | null;
      if (answer == null) return undefined;
      return { applied: Number(answer[0]) === 1, current: parseStored<Ticket>(String(answer[1]), `ticket ${ticket.id}`) };
    },
    async create(ticket) {
      assertTicket(ticket);
      if (!(await write(ticket, 'create'))) throw new StoreError('DUPLICATE', `ticket ${ticket.id} already exists; take a new id from nextId()`);
    },
    async get(id) {
      assertId(id, 'ticket id');
      const data = await client.get(key(id));
      return data == null ? undefined : parseStored<Ticket>(data, `ticket ${id}`);
    },
    async update(ticket) {
      assertTicket(ticket);
      if (!(await write(ticket, 'update'))) throw new StoreError('NOT_FOUND', `ticket ${ticket.id} does not exist; create it first`);
    },
    async list(query) {
      const statuses = ticketStatuses(query);
      const limit = query?.limit === undefined ? undefined : assertLimit(query.limit, 'ticket query limit');
      if (limit === 0) return [];
      const indexes = statuses ? statuses.map(statusKey) : [allKey];
      const entries: Array<{ value: string; score: number }> = [];
      for (const index of indexes) {
        entries.push(...(limit === undefined
          ? await client.zRangeWithScores(index, 0, -1, { REV: true })
          : await client.zRangeWithScores(index, '+inf', '-inf', { BY: 'SCORE', REV: true, LIMIT: { offset: 0, count: limit } })));
      }
      entries.sort((a, b) => b.score - a.score || (a.value < b.value ? 1 : a.value > b.value ? -1 : 0));
      const ids = entries.slice(0, limit).map((entry) => entry.value);
      if (ids.length === 0) return [];
      const rows = await client.mGet(ids.map(key));
      return rows.filter((row): row is string => row != null).map((row) => parseStored<Ticket>(row, 'ticket'));
    },
  };
}
