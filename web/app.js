// The voice studio: audition, clone and catalog, wired to the API named in config.json ("" = this origin).
import { ApiError, createApi, uploadToStorage } from "./api.js";
import { beginSignIn, finishSignIn, forgetToken, hasProvider, keepToken, storedToken, tokenUser } from "./auth.js";
import { language, setLanguage, t } from "./i18n.js";
import { canRecord, fromFile, startRecording } from "./recorder.js";

// POST /voices/clone takes samples up to this size inline (OPENTALKING_CLONE_DIRECT_MAX_BYTES' default); larger
// ones, and any the service answers 413 for, go through POST /voices/uploads and the presigned S3 POST.
const DIRECT_MAX_BYTES = 4_500_000;
const CUSTOM_VOICE = "\u0000custom";
// While a clone is still deploying at its provider, its status is asked again after 1 s, then twice as long each
// time up to 15 s, for 5 minutes at most: DashScope usually builds a voice within a minute, and every ask is a
// provider call. The catalog's Refresh asks about at most this many voices still deploying.
const STATUS_POLL_FIRST_MS = 1000;
const STATUS_POLL_MAX_MS = 15_000;
const STATUS_POLL_LIMIT_MS = 300_000;
const REFRESH_STATUS_LIMIT = 10;
// Target models a clone is made for; the service validates them, these are only suggestions.
const CLONE_MODEL_SUGGESTIONS = {
  dashscope: ["qwen3-tts-vc-realtime-2026-01-15"],
  cosyvoice: ["cosyvoice-v2", "cosyvoice-v3-plus"],
};

const $ = (id) => document.getElementById(id);
const state = {
  api: null,
  listing: null,
  clones: [],
  sample: null,
  statement: null, // the speaker's recorded consent statement, sent with the clone when given
  recording: null,
  audioUrl: null,
  follow: null, // the status line a clone's follow-up owns (a newer clone takes it over)
  signInProblem: null, // why the last sign-in through the identity provider failed
  voiceStatus: null, // what the status line says, as a message key and its values (re-said on a language switch)
};

async function main() {
  setLanguage(language());
  $("text").value = t("defaultText");
  wire();
  const config = await loadConfig();
  // config.json's `auth` (written by the deploy step): {"mode": "users", "authorizeUrl", "tokenUrl", "clientId",
  // "scope", "tokenType", "logoutUrl"}. Without it the page still learns that sign-in is needed from the API's 401.
  state.auth = config.auth || null;
  state.api = createApi({ baseUrl: config.apiBaseUrl || "", getToken: storedToken });
  document.body.dataset.api = state.api.baseUrl || location.origin;
  if (hasProvider(state.auth)) {
    try {
      await finishSignIn(state.auth);
    } catch (error) {
      // Kept on the sign-in panel until the next attempt: the calls refused next would otherwise replace it.
      state.signInProblem = t("signInFailed", { reason: error.message });
    }
  }
  renderSignIn();
  await Promise.all([loadBuiltinVoices(), loadCatalog()]);
  document.body.dataset.ready = "true";
}

// ---------------------------------------------------------------- sign-in

/** Show how to sign in, with `message` (why), after why the last sign-in failed, if it did. */
function showSignIn(message) {
  document.body.dataset.signIn = "needed";
  $("sign-in").hidden = false;
  $("sign-in-status").textContent = [state.signInProblem, message].filter(Boolean).join(" ");
  $("sign-in-provider").hidden = !hasProvider(state.auth);
  $("sign-in-token").hidden = hasProvider(state.auth);
  $("sign-out").hidden = !storedToken();
}

/** The sign-in panel as the stored token and config.json's mode say (before any call was refused). */
function renderSignIn() {
  const token = storedToken();
  if (token) {
    document.body.dataset.signIn = "signed-in";
    $("sign-in").hidden = false;
    $("sign-in-status").textContent = t("signedInAs", { user: tokenUser(token) || "?" });
    $("sign-in-provider").hidden = true;
    $("sign-in-token").hidden = true;
    $("sign-out").hidden = false;
  } else if (state.auth && state.auth.mode === "users") {
    showSignIn(t("signInNeeded"));
  } else {
    $("sign-in").hidden = true;
  }
}

async function afterSignInChange() {
  showError("page-error", null);
  renderSignIn();
  await Promise.all([loadBuiltinVoices(), loadCatalog()]);
}

/** Every refused call lands here: a 401 opens the sign-in panel (the error is shown where the call was made). */
function noticeSignIn(error) {
  if (error instanceof ApiError && error.signInNeeded) {
    if (storedToken()) forgetToken(); // expired or not valid here: ask again
    // Nothing of the previous user's stays on the page.
    state.catalog = [];
    state.clones = [];
    $("catalog").replaceChildren();
    showSignIn(`${t("signInNeeded")} ${hasProvider(state.auth) ? "" : t("signInPaste")}`.trim());
  }
}

async function loadConfig() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (response.ok) return await response.json();
  } catch {
    // no config: the API is on this origin
  }
  return {};
}

function wire() {
  $("language").addEventListener("click", () => {
    const before = t("defaultText");
    setLanguage(language() === "zh" ? "en" : "zh");
    if ($("text").value === before) $("text").value = t("defaultText");
    if (state.listing) {
      renderLimit();
      const model = $("model").value;
      renderVoiceChoices({ keepVoice: $("voice").value });
      $("model").value = model;
    }
    renderCatalog();
    renderVoiceStatus();
  });
  $("text").addEventListener("input", renderLimit);
  $("provider").addEventListener("change", () => renderVoiceChoices({ resetModel: true }));
  $("voice").addEventListener("change", onVoiceChosen);
  $("audition").addEventListener("submit", (event) => {
    event.preventDefault();
    audition();
  });
  $("clone-provider").addEventListener("change", renderCloneModels);
  $("display-label").value = t("defaultLabel");
  renderCloneModels();
  $("record").addEventListener("click", () => toggleRecording(RECORDERS.sample));
  $("record-statement").addEventListener("click", () => toggleRecording(RECORDERS.statement));
  if (!canRecord()) {
    $("record").disabled = true;
    $("record-statement").disabled = true;
    $("sample-info").textContent = t("noMicrophone");
  }
  $("sample-file").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (file) showSample(await fromFile(file));
  });
  $("statement-file").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (file) showStatement(await fromFile(file));
  });
  $("clone").addEventListener("submit", (event) => {
    event.preventDefault();
    clone();
  });
  $("catalog-filter").addEventListener("change", loadCatalog);
  $("catalog-refresh").addEventListener("click", refreshCatalog);
  $("sign-in-provider").addEventListener("click", () => {
    state.signInProblem = null;
    beginSignIn(state.auth);
  });
  $("sign-in-token").addEventListener("submit", (event) => {
    event.preventDefault();
    state.signInProblem = null;
    keepToken($("token").value);
    $("token").value = "";
    afterSignInChange();
  });
  $("sign-out").addEventListener("click", () => {
    forgetToken();
    // The provider's session ends too, or its next sign-in would return the same person without asking.
    if (state.auth && state.auth.logoutUrl) location.assign(state.auth.logoutUrl);
    else afterSignInChange();
  });
}

// ---------------------------------------------------------------- messages

function describeError(error) {
  if (error instanceof ApiError && error.kind === "network") {
    return t("network", { api: state.api.baseUrl || location.origin, origin: location.origin });
  }
  if (error instanceof ApiError && error.kind === "storage" && error.status === 0) {
    return t("storage", { origin: location.origin });
  }
  return error.message || String(error);
}

function showError(id, error) {
  if (error) noticeSignIn(error);
  const element = $(id);
  element.textContent = error ? describeError(error) : "";
  element.hidden = !error;
}

function setStatus(id, text) {
  // Unchanged text is not written again: a live region may announce every write.
  if ($(id).textContent !== text) $(id).textContent = text;
}

/** The clone's status line (a live region): a message key of i18n.js and its values, or null to clear it. */
function showVoiceStatus(key, values = {}) {
  state.voiceStatus = key ? { key, values } : null;
  renderVoiceStatus();
}

function renderVoiceStatus() {
  const line = state.voiceStatus;
  setStatus("voice-status", line ? t(line.key, line.values) : "");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

// ---------------------------------------------------------------- audition

async function loadBuiltinVoices() {
  try {
    state.listing = await state.api.builtinVoices();
  } catch (error) {
    noticeSignIn(error);
    showError("page-error", new ApiError(t("loadFailed", { reason: describeError(error) })));
    $("play").disabled = true;
    return;
  }
  $("play").disabled = false;
  const select = $("provider");
  select.replaceChildren(
    ...state.listing.providers.map((entry) => new Option(entry.provider, entry.provider)),
  );
  select.value = state.listing.default_provider;
  renderLimit();
  renderVoiceChoices({ resetModel: true });
}

function providerEntry(provider = $("provider").value) {
  return state.listing?.providers.find((entry) => entry.provider === provider);
}

function renderLimit() {
  const max = state.listing?.max_chars;
  const count = [...$("text").value.trim()].length;
  $("text-limit").textContent = max ? t("limit", { count, max }) : "";
  $("text-limit").classList.toggle("error", Boolean(max && count > max));
}

function renderVoiceChoices({ resetModel = false, keepVoice = null } = {}) {
  const entry = providerEntry();
  if (!entry) return;
  const select = $("voice");
  const builtin = document.createElement("optgroup");
  builtin.label = t("builtinGroup");
  for (const voice of entry.voices) {
    const details = [voice.locale, voice.gender].filter(Boolean).join(", ");
    builtin.append(new Option(details ? `${voice.name} (${details})` : voice.name, voice.id));
  }
  const clones = document.createElement("optgroup");
  clones.label = t("cloneGroup");
  for (const clone of state.clones.filter((item) => item.provider === entry.provider)) {
    const option = new Option(`${clone.display_label} — ${clone.voice_id}`, clone.voice_id);
    option.dataset.model = clone.target_model;
    clones.append(option);
  }
  const groups = [builtin, clones].filter((group) => group.children.length);
  select.replaceChildren(...groups, new Option(t("customVoice"), CUSTOM_VOICE));
  const wanted = keepVoice ?? entry.default_voice;
  select.value = [...select.options].some((option) => option.value === wanted) ? wanted : select.options[0].value;
  const models = new Set([...(entry.models || []), ...state.clones.filter((c) => c.provider === entry.provider).map((c) => c.target_model)]);
  $("model-options").replaceChildren(...[...models].map((model) => new Option(model, model)));
  $("model").placeholder = entry.default_model ? "" : t("noModel");
  if (resetModel) $("model").value = entry.default_model || "";
  onVoiceChosen();
}

function onVoiceChosen() {
  const option = $("voice").selectedOptions[0];
  const custom = option?.value === CUSTOM_VOICE;
  $("custom-voice-row").hidden = !custom;
  if (option?.dataset.model) $("model").value = option.dataset.model;
}

function chosenVoice() {
  const value = $("voice").value;
  return value === CUSTOM_VOICE ? $("custom-voice").value.trim() : value;
}

async function audition() {
  showError("audition-error", null);
  setStatus("audition-status", t("synthesizing"));
  $("play").disabled = true;
  const player = $("player");
  try {
    const { audio, cache } = await state.api.preview({
      text: $("text").value,
      provider: $("provider").value,
      voice: chosenVoice(),
      model: $("model").value.trim(),
    });
    if (state.audioUrl) URL.revokeObjectURL(state.audioUrl);
    state.audioUrl = URL.createObjectURL(audio);
    player.src = state.audioUrl;
    await new Promise((resolve, reject) => {
      player.addEventListener("loadedmetadata", resolve, { once: true });
      player.addEventListener("error", () => reject(new Error("The browser could not play the audio.")), { once: true });
    });
    // Whether the preview cache answered, where the service says (a hit cost no provider call).
    const cacheNote = ["hit", "miss", "bypass"].includes(cache) ? ` ${t(`cache_${cache}`)}` : "";
    setStatus("audition-status", t("playing", { seconds: player.duration.toFixed(1) }) + cacheNote);
    player.play().catch(() => {}); // autoplay may be refused; the controls still play it
  } catch (error) {
    setStatus("audition-status", "");
    player.removeAttribute("src");
    player.load(); // forget the previous clip, so what is on screen is only the error
    showError("audition-error", error);
  } finally {
    $("play").disabled = false;
  }
}

// ---------------------------------------------------------------- clone

function renderCloneModels() {
  const suggestions = CLONE_MODEL_SUGGESTIONS[$("clone-provider").value] || [];
  $("target-model-options").replaceChildren(...suggestions.map((model) => new Option(model, model)));
  $("target-model").value = suggestions[0] || "";
}

// The microphone records either the sample or the speaker's consent statement, one at a time.
const RECORDERS = {
  sample: { button: "record", info: "sample-info", label: "record", show: (recorded) => showSample(recorded) },
  statement: {
    button: "record-statement",
    info: "statement-info",
    label: "recordStatement",
    show: (recorded) => showStatement(recorded),
  },
};

async function toggleRecording(target) {
  const button = $(target.button);
  if (state.recording) {
    if (state.recording.target !== target) return; // the other recording is running: stop that one first
    clearInterval(state.recording.timer);
    const recording = state.recording;
    state.recording = null;
    button.classList.remove("recording");
    button.textContent = t(target.label);
    target.show(await recording.session.stop());
    return;
  }
  showError("clone-error", null);
  try {
    const session = await startRecording();
    const timer = setInterval(() => {
      $(target.info).textContent = t("recording", { seconds: session.elapsedSeconds().toFixed(1) });
    }, 250);
    state.recording = { session, timer, target };
    button.classList.add("recording");
    button.textContent = t("stopRecording");
  } catch (error) {
    showError("clone-error", new Error(t("microphoneRefused", { reason: error.message || error.name })));
  }
}

function showSample(sample) {
  state.sample = sample;
  describeRecorded(sample, { info: "sample-info", player: "sample-player", message: "sampleInfo" });
}

function showStatement(statement) {
  state.statement = statement;
  describeRecorded(statement, { info: "statement-info", player: "statement-player", message: "statementInfo" });
}

/** Say what was recorded or picked (duration, size, type) and let it be played before it is sent. */
function describeRecorded(recorded, { info, player: playerId, message }) {
  const duration = recorded.seconds == null ? t("unknownDuration") : `${recorded.seconds.toFixed(1)} s`;
  $(info).textContent = t(message, {
    origin: t(recorded.origin === "recording" ? "fromRecording" : "fromFile"),
    duration,
    size: formatBytes(recorded.size),
    type: recorded.type,
  });
  const player = $(playerId);
  if (player.src) URL.revokeObjectURL(player.src);
  player.src = URL.createObjectURL(recorded.blob);
  player.hidden = false;
}

/** A 400 naming consent_statement on a clone without one: this deployment requires it, so the form says so. */
function learnStatementRequired(error) {
  if (!(error instanceof ApiError && error.status === 400 && !state.statement)) return;
  if (!String(error.message).includes("consent_statement")) return;
  const legend = $("statement").querySelector("legend");
  legend.dataset.i18n = "statementLegendRequired";
  legend.textContent = t("statementLegendRequired");
}

async function clone() {
  showError("clone-error", null);
  setStatus("clone-status", "");
  state.follow = null; // a follow-up of an earlier clone stops writing the status line
  showVoiceStatus(null);
  const sample = state.sample;
  if (!sample) {
    showError("clone-error", new Error(t("noSample")));
    return;
  }
  const fields = {
    provider: $("clone-provider").value,
    target_model: $("target-model").value.trim(),
    display_label: $("display-label").value.trim(),
    // The speaker's consent (required where users sign in): sent only when given.
    consent_speaker: $("consent-speaker").value.trim(),
    consent_affirmed: $("consent-affirmed").checked ? "true" : "",
  };
  const statement = state.statement;
  $("clone-submit").disabled = true;
  try {
    let result;
    // The statement shares the direct request with the sample; when both do not fit, the sample goes by upload.
    if (sample.size + (statement?.size || 0) <= DIRECT_MAX_BYTES) {
      try {
        setStatus("clone-status", t("cloning"));
        result = await state.api.clone(fields, sample, statement);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 413)) throw error;
      }
    }
    if (!result) result = await cloneThroughUpload(fields, sample, statement);
    setStatus("clone-status", `${t("cloned", { label: result.display_label, voice: result.voice_id })} ${result.message || ""}`);
    await loadCatalog();
    followStatus(result.entry_id);
  } catch (error) {
    setStatus("clone-status", "");
    learnStatementRequired(error);
    showError("clone-error", error);
  } finally {
    $("clone-submit").disabled = false;
  }
}

async function cloneThroughUpload(fields, sample, statement) {
  setStatus("clone-status", t("uploading", { size: formatBytes(sample.size) }));
  const ticket = await state.api.createUpload();
  await uploadToStorage(ticket, sample);
  setStatus("clone-status", t("cloning"));
  return state.api.clone({ ...fields, upload_id: ticket.upload_id }, null, statement);
}

// Catalog entries carry a `status` where the service tracks the voice's lifecycle (deploying, ready, failed, gone).
// A new voice still deploying is followed through GET /voices/{entry_id}, which asks the provider, until its status
// is final, with growing pauses and a time limit; without statuses there is nothing to follow.
async function followStatus(entryId) {
  const follow = {};
  state.follow = follow;
  const followed = () => state.follow === follow;
  let entry = state.clones.find((item) => item.id === entryId);
  if (!entry?.status) return;
  const started = performance.now();
  let pause = STATUS_POLL_FIRST_MS;
  let asked = false;
  while (entry.status === "deploying") {
    const values = { label: entry.display_label };
    showVoiceStatus("deploying", values);
    if (performance.now() - started + pause > STATUS_POLL_LIMIT_MS) {
      showVoiceStatus("stillDeploying", { ...values, minutes: Math.round(STATUS_POLL_LIMIT_MS / 60_000) });
      return;
    }
    await sleep(pause);
    pause = Math.min(pause * 2, STATUS_POLL_MAX_MS);
    if (!followed()) return;
    try {
      entry = await state.api.voice(entryId);
      asked = true;
    } catch (error) {
      if (!followed()) return;
      showVoiceStatus("statusCheckFailed", values);
      showError("clone-error", error);
      return;
    }
    if (!followed()) return;
  }
  showVoiceStatus(`status_${entry.status}`, { label: entry.display_label });
  if (asked) await loadCatalog(); // the list still shows the status the voice had when it was cloned
}

// ---------------------------------------------------------------- catalog

async function loadCatalog() {
  showError("catalog-error", null);
  try {
    const filter = $("catalog-filter").value;
    const [filtered, all] = await Promise.all([
      state.api.clones(filter),
      filter ? state.api.clones() : null,
    ]);
    state.catalog = filtered.items;
    state.clones = (all || filtered).items;
  } catch (error) {
    showError("catalog-error", error);
    return;
  }
  renderCatalog();
  if (state.listing) renderVoiceChoices({ keepVoice: $("voice").value });
}

// The listing reports statuses as stored; GET /voices/{entry_id} asks the provider about a voice still deploying.
async function refreshCatalog() {
  const deploying = state.clones.filter((voice) => voice.status === "deploying").slice(0, REFRESH_STATUS_LIMIT);
  await Promise.allSettled(deploying.map((voice) => state.api.voice(voice.id)));
  await loadCatalog();
}

function renderCatalog() {
  const list = $("catalog");
  if (!state.catalog) return;
  if (!state.catalog.length) {
    const empty = document.createElement("li");
    empty.className = "meta";
    empty.textContent = t("empty");
    list.replaceChildren(empty);
    return;
  }
  list.replaceChildren(
    ...state.catalog.map((voice) => {
      const item = document.createElement("li");
      item.dataset.entryId = voice.id;
      const text = document.createElement("div");
      const name = document.createElement("strong");
      name.textContent = voice.display_label;
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = [voice.provider, voice.target_model, voice.voice_id].join(" · ");
      if (voice.status) {
        const status = document.createElement("span");
        status.className = "status-label";
        status.dataset.status = voice.status;
        status.textContent = t(`statusLabel_${voice.status}`);
        meta.append(" · ", status);
      }
      const recorded = voice.consent?.statement;
      if (recorded) {
        const consent = document.createElement("span");
        consent.className = "consent-statement";
        consent.textContent = t("statementListed", { seconds: recorded.duration_seconds.toFixed(1) });
        meta.append(" · ", consent);
      }
      text.append(name, meta);
      const actions = document.createElement("div");
      actions.className = "actions";
      const preview = document.createElement("button");
      preview.type = "button";
      preview.className = "secondary";
      preview.textContent = t("previewWith");
      preview.setAttribute("aria-label", `${t("previewWith")}: ${voice.display_label}`);
      preview.addEventListener("click", () => previewWith(voice));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "danger";
      remove.textContent = t("delete");
      remove.setAttribute("aria-label", `${t("delete")}: ${voice.display_label}`);
      remove.addEventListener("click", () => confirmDelete(voice));
      if (recorded) {
        const listen = document.createElement("button");
        listen.type = "button";
        listen.className = "secondary";
        listen.textContent = t("playStatement");
        listen.setAttribute("aria-label", `${t("playStatement")}: ${voice.display_label}`);
        listen.addEventListener("click", () => playStatement(voice));
        actions.append(listen);
      }
      actions.append(preview, remove);
      item.append(text, actions);
      return item;
    }),
  );
}

// The listing says a statement exists; GET /voices/{entry_id} hands its owner a short-lived URL of it.
async function playStatement(voice) {
  showError("catalog-error", null);
  const player = $("statement-playback");
  try {
    const entry = await state.api.voice(voice.id);
    const url = entry.consent?.statement?.url;
    if (!url) throw new Error(t("statementUnavailable"));
    player.src = url;
    player.hidden = false;
    await new Promise((resolve, reject) => {
      player.addEventListener("loadedmetadata", resolve, { once: true });
      player.addEventListener("error", () => reject(new Error(t("statementUnavailable"))), { once: true });
    });
    player.play().catch(() => {}); // autoplay may be refused; the controls still play it
  } catch (error) {
    showError("catalog-error", error);
  }
}

function previewWith(voice) {
  $("provider").value = voice.provider;
  renderVoiceChoices({ keepVoice: voice.voice_id });
  $("model").value = voice.target_model;
  $("audition").scrollIntoView({ behavior: "smooth", block: "start" });
  audition();
}

function confirmDelete(voice) {
  const dialog = $("confirm-delete");
  $("confirm-delete-text").textContent = t("confirmDelete", { label: voice.display_label });
  dialog.returnValue = "";
  dialog.addEventListener(
    "close",
    async () => {
      if (dialog.returnValue !== "delete") return;
      try {
        await state.api.deleteVoice(voice.id);
        setStatus("catalog-status", t("deleted", { label: voice.display_label }));
        await loadCatalog();
      } catch (error) {
        showError("catalog-error", error);
      }
    },
    { once: true },
  );
  dialog.showModal();
}

main();
