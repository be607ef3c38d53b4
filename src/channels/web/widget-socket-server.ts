import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { OutboundMessage } from '../../core/services';
import { checkOrigin } from './origin-policy';
import type { WebConversations } from './web-conversations';
import type { Logger } from '../../core/logger';
import { clientMessageSchema, describeIssues, toWidgetReplies, type ServerMessage } from './widget-protocol';

/** The customer side of `/ws?conversationId=..&token=..`: turns both ways, agent messages pushed. */
export interface WidgetSocketServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Forwards an agent message or takeover event to the sockets of its conversation on this instance. */
  deliver(message: OutboundMessage): Promise<void>;
  close(): Promise<void>;
}

const PING_INTERVAL_MS = 25_000;

export function createWidgetSocketServer(deps: {
  conversations: WebConversations; allowedOrigins: readonly string[]; logger: Logger;
  onCustomerTurn(conversationId: string, ticketCreated: boolean): void;
}): WidgetSocketServer {
  const { conversations, logger } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  const byConversation = new Map<string, Set<WebSocket>>();
  const alive = new WeakSet<WebSocket>();

  // Pings keep proxies from closing idle sockets and find dead peers.
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) { ws.terminate(); continue; }
      alive.delete(ws);
      ws.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  function send(ws: WebSocket, message: ServerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  function refuse(socket: Duplex, status: 400 | 401 | 403 | 404, code: string, message: string): void {
    const body = JSON.stringify({ error: code, message });
    const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    socket.destroy();
  }

  function attach(ws: WebSocket, conversationId: string): void {
    let sockets = byConversation.get(conversationId);
    if (!sockets) { sockets = new Set(); byConversation.set(conversationId, sockets); }
    sockets.add(ws);
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // Messages of one socket are handled in arrival order.
    let queue: Promise<void> = Promise.resolve();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      queue = queue.then(() => onMessage(ws, conversationId, data, isBinary)).catch((error: unknown) => {
        logger.error('web.socket.turn_failed', { conversationId, err: error instanceof Error ? error.message : String(error) });
        send(ws, { type: 'error', code: 'internal', message: 'Something went wrong; try again in a moment.' });
      });
    });
    ws.on('close', () => {
      sockets.delete(ws);
      if (sockets.size === 0) byConversation.delete(conversationId);
    });
    ws.on('error', () => ws.terminate());
  }

  async function onMessage(ws: WebSocket, conversationId: string, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) { send(ws, { type: 'error', code: 'bad_message', message: 'send JSON text frames' }); return; }
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      send(ws, { type: 'error', code: 'bad_message', message: 'the message is not JSON' });
      return;
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const clientMessageId = typeof json === 'object' && json !== null && typeof (json as Record<string, unknown>).clientMessageId === 'string'
        ? String((json as Record<string, unknown>).clientMessageId) : undefined;
      send(ws, { type: 'error', code: 'bad_message', message: describeIssues(parsed.error), ...(clientMessageId ? { clientMessageId } : {}) });
      return;
    }
    send(ws, { type: 'typing' });
    const reply = await conversations.handle(conversationId, parsed.data);
    send(ws, reply);
    deps.onCustomerTurn(conversationId, reply.replies.some((r) => r.kind === 'handoff'));
  }

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (checkOrigin(req.headers, deps.allowedOrigins) === 'denied') {
        refuse(socket, 403, 'origin_not_allowed', 'this origin may not use the chat; add it to WEB_ALLOWED_ORIGINS');
        return;
      }
      const conversationId = url.searchParams.get('conversationId') ?? '';
      const token = url.searchParams.get('token') ?? undefined;
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(conversationId)) {
        refuse(socket, 400, 'conversation_missing', 'connect to /ws?conversationId=<id>&token=<token>');
        return;
      }
      conversations.authorize(conversationId, token).then((access) => {
        if (!access.ok) { refuse(socket, access.status, access.code, access.message); return; }
        wss.handleUpgrade(req, socket, head, (ws) => attach(ws, conversationId));
      }, (error: unknown) => {
        logger.error('web.socket.upgrade_failed', { conversationId, err: error instanceof Error ? error.message : String(error) });
        socket.destroy();
      });
    },

    async deliver(message) {
      const sockets = byConversation.get(message.conversationId);
      // The customer's own message, echoed for agent consoles: the widget has it already.
      if (!sockets || sockets.size === 0 || message.event === 'customer_message') return;
      const seq = await conversations.seqOf(message.conversationId);
      const out: ServerMessage = {
        type: 'agent', event: message.event, replies: toWidgetReplies(message.replies), seq,
        ...(message.agentName ? { agentName: message.agentName } : {}),
      };
      for (const ws of sockets) send(ws, out);
    },

    async close() {
      clearInterval(pinger);
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
