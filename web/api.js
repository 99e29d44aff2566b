// The voice API as the studio calls it. Every failure becomes an ApiError whose message is what the person reads:
// the service's own `detail` when it sent one, else a sentence saying what could not be reached.

export class ApiError extends Error {
  constructor(message, { status = 0, kind = "http" } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status; // 0: no HTTP answer reached the page
    this.kind = kind; // "http" | "network" | "storage"
  }

  /** The service wants a signed-in caller (401; it names the Bearer scheme in WWW-Authenticate). */
  get signInNeeded() {
    return this.kind === "http" && this.status === 401;
  }
}

// The studio's own sentences for failures that have no `detail` (see i18n.js for their Chinese versions).
export const NETWORK_FAILURE = "network";
export const STORAGE_FAILURE = "storage";

/**
 * A client for the API at `baseUrl` ("" = this page's own origin).
 * `getToken` is the seam for sign-in: when it returns a token, every call carries `Authorization: Bearer <token>`.
 */
export function createApi({ baseUrl = "", getToken = () => null } = {}) {
  const base = baseUrl.replace(/\/+$/, "");

  async function call(path, { method = "GET", json, form, accept = "application/json" } = {}) {
    const headers = { Accept: accept };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form; // the browser sets multipart/form-data with its boundary
    }
    let response;
    try {
      response = await fetch(`${base}${path}`, { method, headers, body, mode: "cors", credentials: "omit" });
    } catch (error) {
      // fetch() rejects without a status when the server is unreachable or CORS refused this origin.
      throw new ApiError(NETWORK_FAILURE, { kind: "network" });
    }
    if (!response.ok) throw new ApiError(await errorDetail(response), { status: response.status });
    return response;
  }

  return {
    baseUrl: base,
    async builtinVoices() {
      return (await call("/tts/voices")).json();
    },
    async clones(provider = "") {
      const query = provider ? `?provider=${encodeURIComponent(provider)}` : "";
      return (await call(`/voices${query}`)).json();
    },
    /**
     * Returns the WAV as a Blob, and how the preview cache answered (X-Speech-Cache: hit, miss, bypass, disabled;
     * null where the service has no cache). Accept names audio/wav first so API Gateway returns bytes, not base64.
     */
    async preview({ text, provider, voice, model }) {
      const response = await call("/tts/preview", {
        method: "POST",
        json: { text, provider, voice: voice || undefined, model: model || undefined },
        accept: "audio/wav, application/json",
      });
      const type = response.headers.get("Content-Type") || "";
      if (!type.startsWith("audio/")) throw new ApiError(`Expected audio, got ${type || "no content type"}.`);
      return { audio: await response.blob(), cache: response.headers.get("X-Speech-Cache") };
    },
    async createUpload() {
      return (await call("/voices/uploads", { method: "POST" })).json();
    },
    async clone(fields, sample, statement = null) {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) if (value) form.append(name, value);
      if (sample) form.append("audio", sample.blob, sample.filename);
      // The speaker's recorded consent statement travels with the clone, on either upload path.
      if (statement) form.append("consent_statement", statement.blob, statement.filename);
      return (await call("/voices/clone", { method: "POST", form })).json();
    },
    /** One entry, its status refreshed from the provider while it is deploying (GET /voices/{entry_id}). */
    async voice(entryId) {
      return (await call(`/voices/${encodeURIComponent(entryId)}`)).json();
    },
    async deleteVoice(entryId) {
      return (await call(`/voices/${encodeURIComponent(entryId)}`, { method: "DELETE" })).json();
    },
  };
}

/** POST the file to S3 with the presigned form of POST /voices/uploads: every field first, the file last. */
export async function uploadToStorage(ticket, sample) {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append(ticket.file_field || "file", sample.blob, sample.filename);
  let response;
  try {
    response = await fetch(ticket.url, { method: "POST", body: form, mode: "cors", credentials: "omit" });
  } catch (error) {
    throw new ApiError(STORAGE_FAILURE, { kind: "storage" });
  }
  if (!response.ok) {
    // S3 answers XML: <Error><Code>EntityTooLarge</Code><Message>...</Message></Error>
    const text = await response.text();
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] || `HTTP ${response.status}`;
    throw new ApiError(`The upload to storage failed: ${message}`, { status: response.status, kind: "storage" });
  }
}

/** The contract's rule for showing an error: a string detail as is, a list joined, anything else as JSON. */
async function errorDetail(response) {
  const text = await response.text();
  try {
    const { detail } = JSON.parse(text);
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((item) => item?.msg ?? JSON.stringify(item)).join("; ");
    if (detail !== undefined) return JSON.stringify(detail);
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${response.status} ${response.statusText}`.trim();
}
