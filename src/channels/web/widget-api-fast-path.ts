import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenOfHeaders, widgetCorsHeaders, WIDGET_BODY_LIMIT, type WebApiAnswer, type WebApiTurns } from './create-web-api';

const START_PATH = '/api/web/conversations';
const MESSAGE_PATH = /^\/api\/web\/conversations\/([A-Za-z0-9_-]{1,128})\/messages$/;
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
/** Headers every widget API answer carries (the web channel's router sets the same on express's). */
const BASE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'same-origin' };

/**
 * The two turn endpoints of the widget API (`POST /api/web/conversations`, `POST /api/web/conversations/:id/messages`)
 * on plain node:http, in front of express: a request that is exactly the common case (a JSON body of known length
 * within the limit, no query, no content encoding, an allowed or no Origin) is served here; anything else — a
 * preflight, a refused origin, a chunked or compressed or oversized body, `?token=` — returns false and goes to the
 * express routes, which answer it as before. Both share `WebApiTurns`, so the answers are the same.
 * What it skips is express's per-request work: its router walking every mounted route, body-parser's stream
 * plumbing, `res.json`'s ETag, and the middleware that does not concern these two endpoints.
 */
export function createWidgetApiFastPath(deps: { turns: WebApiTurns; allowedOrigins: readonly string[] }): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { turns, allowedOrigins } = deps;

  function send(res: ServerResponse, cors: Record<string, string>, answer: WebApiAnswer): void {
    const body = JSON.stringify(answer.body);
    res.writeHead(answer.status, { ...BASE_HEADERS, ...cors, ...answer.headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  function fail(res: ServerResponse, cors: Record<string, string>, error: unknown, path: string): void {
    if (res.headersSent) { res.destroy(); return; }
    send(res, cors, turns.failure(error, path));
  }

  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    let conversationId: string | undefined;
    if (url !== START_PATH) {
      if (!url.startsWith(START_PATH)) return false;
      conversationId = MESSAGE_PATH.exec(url)?.[1];
      if (!conversationId) return false;
    }
    const headers = req.headers;
    const length = Number(headers['content-length']);
    if (!(length <= WIDGET_BODY_LIMIT) || headers['transfer-encoding'] !== undefined) return false;
    if (headers['content-encoding'] !== undefined && headers['content-encoding'].toLowerCase() !== 'identity') return false;
    if (!JSON_TYPE.test(headers['content-type'] ?? '')) return false;
    const cors = widgetCorsHeaders(headers, allowedOrigins);
    if (cors === 'denied') return false;

    const path = conversationId ? url : START_PATH;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      let body: unknown = {};
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
      const trimmed = text.trimStart();
      if (trimmed !== '') {
        // As body-parser's strict JSON: only an object or an array at the top.
        const problem = trimmed[0] === '{' || trimmed[0] === '[' ? undefined : 'The body must be a JSON object.';
        try {
          if (problem) throw Object.assign(new SyntaxError(problem), { status: 400 });
          body = JSON.parse(text);
        } catch (error) {
          fail(res, cors, Object.assign(error as Error, { status: 400 }), path);
          return;
        }
      }
      const answer = conversationId ? turns.message(conversationId, tokenOfHeaders(headers), body) : turns.start(body);
      answer.then((done) => send(res, cors, done), (error: unknown) => fail(res, cors, error, path));
    });
    return true;
  };
}
