// The studio's own words in English and Chinese. The service's error details are shown as sent (English).

const MESSAGES = {
  en: {
    title: "Voice studio",
    tagline: "Audition built-in voices, clone your own, and manage the catalog.",
    language: "中文",
    languageLabel: "Switch to Chinese",
    auditionHeading: "Audition",
    text: "Text",
    provider: "Provider",
    model: "Model",
    voice: "Voice",
    customVoice: "Other voice id…",
    customVoiceLabel: "Voice id",
    play: "Play",
    builtinGroup: "Built-in voices",
    cloneGroup: "Your clones",
    noModel: "(no model)",
    defaultText: "Hello, this is a voice preview.",
    synthesizing: "Synthesizing…",
    playing: "Playing {seconds} s of audio.",
    cloneHeading: "Clone a voice",
    cloneProvider: "Provider",
    targetModel: "Target model",
    label: "Name",
    defaultLabel: "My cloned voice",
    record: "Record",
    stopRecording: "Stop",
    recording: "Recording… {seconds} s",
    pickFile: "Or pick an audio file",
    noMicrophone: "This browser cannot record here; pick a file instead.",
    microphoneRefused: "The microphone could not be opened: {reason}",
    sampleInfo: "{origin}: {duration}, {size}, {type}",
    fromRecording: "Recording",
    fromFile: "File",
    unknownDuration: "unknown duration",
    noSample: "Record or pick a sample first.",
    cloneSubmit: "Clone",
    uploading: "Uploading {size} to storage…",
    cloning: "Cloning…",
    cloned: "Cloned “{label}” ({voice}).",
    catalogHeading: "Catalog",
    filter: "Provider",
    allProviders: "All providers",
    refresh: "Refresh",
    empty: "No cloned voices yet.",
    previewWith: "Preview",
    delete: "Delete",
    confirmDelete: "Delete “{label}”? This cannot be undone.",
    cancel: "Cancel",
    deleted: "Deleted “{label}”.",
    voicesNote: "{provider}: {note}",
    limit: "{count} / {max} characters",
    loadFailed: "The voice lists could not be loaded: {reason}",
    network: "The API at {api} could not be reached: it is down, or it does not allow this page's origin ({origin}) in its CORS settings.",
    storage: "The upload to storage could not be sent: storage is unreachable or does not allow this page's origin ({origin}).",
    sourceLive: "live list",
    sourceInstalled: "installed voices",
    sourceConfigured: "configured default",
    sourceFallback: "fallback list",
  },
  zh: {
    title: "音色工作室",
    tagline: "试听内置音色，复刻你自己的声音，并管理音色库。",
    language: "English",
    languageLabel: "切换到英文",
    auditionHeading: "试听",
    text: "文本",
    provider: "服务商",
    model: "模型",
    voice: "音色",
    customVoice: "其他音色 ID…",
    customVoiceLabel: "音色 ID",
    play: "播放",
    builtinGroup: "内置音色",
    cloneGroup: "我的复刻音色",
    noModel: "（无模型）",
    defaultText: "你好，我正在测试音色。",
    synthesizing: "正在合成…",
    playing: "正在播放 {seconds} 秒音频。",
    cloneHeading: "复刻音色",
    cloneProvider: "服务商",
    targetModel: "目标模型",
    label: "名称",
    defaultLabel: "我的复刻音色",
    record: "录音",
    stopRecording: "停止",
    recording: "正在录音… {seconds} 秒",
    pickFile: "或选择音频文件",
    noMicrophone: "此浏览器无法在这里录音，请选择文件。",
    microphoneRefused: "无法打开麦克风：{reason}",
    sampleInfo: "{origin}：{duration}，{size}，{type}",
    fromRecording: "录音",
    fromFile: "文件",
    unknownDuration: "时长未知",
    noSample: "请先录音或选择样本。",
    cloneSubmit: "复刻",
    uploading: "正在上传 {size} 到存储…",
    cloning: "正在复刻…",
    cloned: "已复刻“{label}”（{voice}）。",
    catalogHeading: "音色库",
    filter: "服务商",
    allProviders: "全部服务商",
    refresh: "刷新",
    empty: "还没有复刻音色。",
    previewWith: "试听",
    delete: "删除",
    confirmDelete: "删除“{label}”？此操作无法撤销。",
    cancel: "取消",
    deleted: "已删除“{label}”。",
    voicesNote: "{provider}：{note}",
    limit: "{count} / {max} 个字符",
    loadFailed: "无法加载音色列表：{reason}",
    network: "无法访问 {api} 的接口：服务未运行，或其 CORS 设置不允许本页面的来源（{origin}）。",
    storage: "无法上传到存储：存储不可达，或不允许本页面的来源（{origin}）。",
    sourceLive: "实时列表",
    sourceInstalled: "已安装音色",
    sourceConfigured: "配置的默认值",
    sourceFallback: "备用列表",
  },
};

let current = (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";

export function language() {
  return current;
}

export function setLanguage(name) {
  current = MESSAGES[name] ? name : "en";
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  }
  document.title = t("title");
}

/** The message `key` in the current language, with `{name}` replaced from `values`. */
export function t(key, values = {}) {
  const template = MESSAGES[current][key] ?? MESSAGES.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}
