// Samples for cloning: a microphone recording (MediaRecorder, whatever container the browser records) or a picked
// file, described by duration, size and type before it is sent.

// Chromium and Firefox record WebM or Ogg with Opus; Safari records MP4/AAC (18.4+ also WebM/Opus).
const RECORDING_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm", "audio/ogg"];
const EXTENSIONS = {
  "audio/webm": "webm",
  "video/webm": "webm",
  "audio/ogg": "ogg",
  "audio/mp4": "m4a",
  "video/mp4": "m4a",
  "audio/x-m4a": "m4a",
  "audio/aac": "aac",
  "audio/mpeg": "mp3",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
};

export function canRecord() {
  return Boolean(navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
}

/** Starts recording at once; `stop()` resolves to a sample. */
export async function startRecording() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const mimeType = RECORDING_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
  const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
  const chunks = [];
  const started = performance.now();
  recorder.addEventListener("dataavailable", (event) => event.data.size && chunks.push(event.data));
  const stopped = new Promise((resolve, reject) => {
    recorder.addEventListener("stop", () => resolve());
    recorder.addEventListener("error", (event) => reject(event.error || new Error("The recording failed.")));
  });
  recorder.start(250);
  return {
    elapsedSeconds: () => (performance.now() - started) / 1000,
    async stop() {
      const seconds = (performance.now() - started) / 1000;
      recorder.stop();
      await stopped;
      stream.getTracks().forEach((track) => track.stop());
      const type = recorder.mimeType || mimeType || "audio/webm";
      const blob = new Blob(chunks, { type });
      return describe(blob, "recording", seconds);
    },
  };
}

export function fromFile(file) {
  return describe(file, "file", null, file.name);
}

/** A sample: the Blob, a filename whose extension matches its container, and its duration when decodable. */
async function describe(blob, origin, fallbackSeconds, name = "") {
  const baseType = (blob.type || "").split(";")[0].trim().toLowerCase();
  const extension = EXTENSIONS[baseType] || name.split(".").pop()?.toLowerCase() || "bin";
  return {
    blob,
    origin,
    type: blob.type || "unknown",
    size: blob.size,
    filename: `sample.${extension}`,
    seconds: (await decodedSeconds(blob)) ?? fallbackSeconds,
  };
}

// Recorded WebM has no duration in its header (the <audio> element says Infinity); decoding gives the real one.
async function decodedSeconds(blob) {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  const context = new Context();
  try {
    const audio = await context.decodeAudioData(await blob.arrayBuffer());
    return audio.duration;
  } catch {
    return null; // a container this browser cannot decode: the service may still convert it
  } finally {
    context.close();
  }
}
