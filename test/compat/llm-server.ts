import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the loopback LLM server saw it. Headers are lower-cased by node:http. */
export interface LoggedRequest {
  method: string;
  /** Path with query string, as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface LlmServer {
  /** http://127.0.0.1:PORT — the "node" URL the clients are pointed to (no /v1). */
  url: string;
  requests: LoggedRequest[];
  /** Requests that reached a model endpoint (Anthropic messages or OpenAI responses). */
  modelRequests(): LoggedRequest[];
  clear(): void;
  close(): Promise<void>;
}

export const REPLY_TEXT = "pong";

const MODEL_PATHS = new Set(["/v1/messages", "/v1/responses", "/v1/chat/completions"]);
/** Gemini: `/v1beta/models/<model>:streamGenerateContent` (and `:generateContent`). */
const GEMINI_PATH =
  /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/;

export function isModelPath(path: string): boolean {
  return MODEL_PATHS.has(path) || (GEMINI_PATH.test(path) && !path.endsWith(":countTokens"));
}

/**
 * A loopback stand-in for a relay node (a new-api relay serves every protocol on one base
 * URL): answers Anthropic Messages, OpenAI Responses and Chat Completions, and Gemini
 * with a fixed reply, and logs every request so tests can see which credentials went out.
 */
export async function startLlmServer(): Promise<LlmServer> {
  const requests: LoggedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: { ...req.headers },
        body,
      });
      try {
        answerRequest(req, res, body);
      } catch (err) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: String(err) } }));
      }
    });
  });
  // Keep-alive sockets would otherwise hold close() open until the clients' idle timeout.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    modelRequests: () => requests.filter((r) => isModelPath(pathOf(r.url))),
    clear: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

function answerRequest(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = pathOf(req.url ?? "");
  const method = req.method ?? "GET";
  if (method === "HEAD" || (method === "GET" && path === "/")) {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(method === "HEAD" ? undefined : "ok");
    return;
  }
  if (method === "POST" && path === "/v1/messages/count_tokens") {
    sendJson(res, 200, { input_tokens: 1 });
    return;
  }
  if (method === "POST" && path === "/v1/messages") {
    answerMessages(res, parseJson(body));
    return;
  }
  if (method === "POST" && path === "/v1/responses") {
    answerResponses(res, parseJson(body));
    return;
  }
  if (method === "POST" && path === "/v1/chat/completions") {
    answerChat(res, parseJson(body));
    return;
  }
  const gemini = GEMINI_PATH.exec(path);
  if (method === "POST" && gemini) {
    answerGemini(res, gemini[1] as string, gemini[2] as string);
    return;
  }
  if (method === "GET" && path === "/v1/models") {
    sendJson(res, 200, { object: "list", data: [], models: [] });
    return;
  }
  sendJson(res, 404, { error: { type: "not_found_error", message: `no route ${method} ${path}` } });
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

function sendSse(res: ServerResponse, events: Array<[string, unknown]>): void {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  for (const [name, data] of events) {
    res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  res.end();
}

function answerMessages(res: ServerResponse, req: Record<string, unknown>): void {
  const model = typeof req.model === "string" ? req.model : "claude-test";
  const id = `msg_${Date.now()}`;
  const usage = { input_tokens: 1, output_tokens: 1 };
  if (req.stream !== true) {
    sendJson(res, 200, {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text: REPLY_TEXT }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage,
    });
    return;
  }
  sendSse(res, [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 1, output_tokens: 0 },
        },
      },
    ],
    [
      "content_block_start",
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ],
    [
      "content_block_delta",
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: REPLY_TEXT } },
    ],
    ["content_block_stop", { type: "content_block_stop", index: 0 }],
    [
      "message_delta",
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 1 },
      },
    ],
    ["message_stop", { type: "message_stop" }],
  ]);
}

function answerResponses(res: ServerResponse, req: Record<string, unknown>): void {
  const model = typeof req.model === "string" ? req.model : "gpt-test";
  const id = `resp_${Date.now()}`;
  const itemId = `msg_${Date.now()}`;
  const created_at = Math.floor(Date.now() / 1000);
  const part = { type: "output_text", text: REPLY_TEXT, annotations: [] };
  const doneItem = {
    id: itemId,
    type: "message",
    status: "completed",
    role: "assistant",
    content: [part],
  };
  const usage = {
    input_tokens: 1,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 1,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 2,
  };
  const base = { id, object: "response", created_at, model };
  sendSse(res, [
    [
      "response.created",
      { type: "response.created", response: { ...base, status: "in_progress", output: [] } },
    ],
    [
      "response.output_item.added",
      {
        type: "response.output_item.added",
        output_index: 0,
        item: { ...doneItem, status: "in_progress", content: [] },
      },
    ],
    [
      "response.content_part.added",
      {
        type: "response.content_part.added",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        part: { ...part, text: "" },
      },
    ],
    [
      "response.output_text.delta",
      {
        type: "response.output_text.delta",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: REPLY_TEXT,
      },
    ],
    [
      "response.output_text.done",
      {
        type: "response.output_text.done",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        text: REPLY_TEXT,
      },
    ],
    [
      "response.content_part.done",
      {
        type: "response.content_part.done",
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        part,
      },
    ],
    [
      "response.output_item.done",
      { type: "response.output_item.done", output_index: 0, item: doneItem },
    ],
    [
      "response.completed",
      {
        type: "response.completed",
        response: { ...base, status: "completed", output: [doneItem], usage },
      },
    ],
  ]);
}

function answerChat(res: ServerResponse, req: Record<string, unknown>): void {
  const model = typeof req.model === "string" ? req.model : "chat-test";
  const id = `chatcmpl-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
  if (req.stream !== true) {
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: REPLY_TEXT },
          finish_reason: "stop",
        },
      ],
      usage,
    });
    return;
  }
  const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, ...choice }],
    ...extra,
  });
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const data of [
    chunk({ delta: { role: "assistant", content: REPLY_TEXT }, finish_reason: null }),
    chunk({ delta: {}, finish_reason: "stop" }, { usage }),
  ]) {
    res.write(`data: ${JSON.stringify(data)}\n\n`);
  }
  res.end("data: [DONE]\n\n");
}

function answerGemini(res: ServerResponse, model: string, method: string): void {
  if (method === "countTokens") {
    sendJson(res, 200, { totalTokens: 1 });
    return;
  }
  const answer = {
    candidates: [
      {
        content: { role: "model", parts: [{ text: REPLY_TEXT }] },
        finishReason: "STOP",
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
    modelVersion: model,
  };
  if (method === "generateContent") {
    sendJson(res, 200, answer);
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.end(`data: ${JSON.stringify(answer)}\r\n\r\n`);
}
