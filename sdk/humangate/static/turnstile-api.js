// humangate turnstile-api.js: built from js/src by js/build.mjs; do not edit.
(() => {
"use strict";
// ---- js/src/turnstile-params.js
// Render parameters of the Turnstile-compatible widget: read from data-* attributes,
// merged with render() parameters, checked against the documented values (reference
// §1.1). Pure functions, unit-tested in node.

const CHOICES = {
  theme: ["auto", "light", "dark"],
  size: ["normal", "flexible", "compact", "invisible"],
  appearance: ["always", "execute", "interaction-only"],
  execution: ["render", "execute"],
  retry: ["auto", "never"],
  "refresh-expired": ["auto", "manual", "never"],
  "refresh-timeout": ["auto", "manual", "never"],
};

const DEFAULTS = {
  theme: "auto",
  language: "auto",
  tabindex: 0,
  size: "normal",
  appearance: "always",
  execution: "render",
  retry: "auto",
  "retry-interval": 8000,
  "refresh-expired": "auto",
  "refresh-timeout": "auto",
  "response-field": true,
  "response-field-name": "cf-turnstile-response",
  action: "",
  cData: "",
};

const CALLBACKS = [
  "callback",
  "error-callback",
  "expired-callback",
  "timeout-callback",
  "before-interactive-callback",
  "after-interactive-callback",
  "unsupported-callback",
];

// Error codes for each invalid parameter (the "invalid parameters" families).
const PARAM_ERRORS = {
  sitekey: "110100",
  action: "110420",
  cData: "110430",
  theme: "102001",
  size: "102002",
  appearance: "102003",
  execution: "102004",
  retry: "102005",
  "retry-interval": "102006",
  "refresh-expired": "102007",
  "refresh-timeout": "102008",
  language: "102009",
  tabindex: "102010",
};

// camelCase spellings accepted by render() (errorCallback, refreshExpired...) besides
// the documented kebab-case ones.
function kebab(name) {
  return name === "cData" ? name : name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The data-* parameters of `element`: data-cdata is cData, the rest keep their names. */
function attributeParams(element) {
  const params = {};
  for (const { name, value } of Array.from(element.attributes)) {
    if (!name.startsWith("data-")) continue;
    const key = name.slice(5);
    params[key === "cdata" ? "cData" : key] = value;
  }
  return params;
}

/** Functions are kept; a string names a global function (as in data-callback="fn"). */
function resolveCallback(value, scope) {
  if (typeof value === "function") return value;
  if (typeof value === "string" && value && typeof scope[value] === "function") return scope[value];
  return undefined;
}

function asBool(value, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  return !["false", "0", "no", "off"].includes(String(value).toLowerCase());
}

/**
 * Merge the page's defaults (`base`), attributes and explicit parameters, in that order
 * of precedence from low to high, apply Turnstile's defaults and check every value.
 * Returns {params, error}: error is the code of the first invalid parameter, or null.
 */
function normalizeParams(fromAttributes, explicit, scope = globalThis, base = {}) {
  const merged = {};
  for (const source of [base, fromAttributes || {}, explicit || {}]) {
    for (const [name, value] of Object.entries(source)) {
      if (value !== undefined) merged[kebab(name)] = value;
    }
  }
  const params = { ...DEFAULTS, ...merged };
  for (const name of CALLBACKS) params[name] = resolveCallback(merged[name], scope);
  params.tabindex = Number(params.tabindex);
  params["retry-interval"] = Number(params["retry-interval"]);
  params["response-field"] = asBool(merged["response-field"], true);
  params.action = String(params.action || "");
  params.cData = String(params.cData || "");
  params.sitekey = typeof params.sitekey === "string" ? params.sitekey.trim() : "";
  if (params.size === "invisible") {
    // reCAPTCHA's invisible size (compat mode): run on execute(), show nothing.
    params.execution = "execute";
    params.appearance = "execute";
  }
  return { params, error: firstInvalid(params) };
}

function firstInvalid(params) {
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(params.sitekey)) return PARAM_ERRORS.sitekey;
  if (!/^[A-Za-z0-9_-]{0,32}$/.test(params.action)) return PARAM_ERRORS.action;
  if (!/^[A-Za-z0-9_-]{0,255}$/.test(params.cData)) return PARAM_ERRORS.cData;
  for (const [name, choices] of Object.entries(CHOICES)) {
    if (!choices.includes(params[name])) return PARAM_ERRORS[name];
  }
  const interval = params["retry-interval"];
  if (!Number.isInteger(interval) || interval <= 0 || interval >= 900000) {
    return PARAM_ERRORS["retry-interval"];
  }
  if (!Number.isInteger(params.tabindex)) return PARAM_ERRORS.tabindex;
  if (params.language !== "auto" && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(params.language)) {
    return PARAM_ERRORS.language;
  }
  return null;
}

/** The iframe's CSS size for a `size` parameter. */
function frameSize(size) {
  if (size === "compact") return { width: "150px", height: "140px", minWidth: "" };
  if (size === "flexible") return { width: "100%", height: "65px", minWidth: "300px" };
  return { width: "300px", height: "65px", minWidth: "" };
}

/** The frame's URL: what the server needs to render it, nothing the page did not say. */
function frameUrl(base, params, widgetId, origin, language) {
  const query = new URLSearchParams({
    k: params.sitekey,
    o: origin,
    w: widgetId,
    a: params.action,
    c: params.cData,
    t: params.theme,
    s: params.size === "invisible" ? "normal" : params.size,
    l: params.language === "auto" ? language || "" : params.language,
    ap: params.appearance,
    ex: params.execution,
  });
  return `${base}frame?${query}`;
}

// ---- js/src/turnstile-protocol.js
// What the widget's page script and its frame agree on: who may talk to whom, and the
// client-side error codes (the families of Turnstile's documentation).

const MESSAGE_SOURCE = "humangate-turnstile";

/** A message the frame may act on: from its parent window, at the declared origin. */
function isFromParent(event, origin, parent) {
  return (
    event.source === parent &&
    event.origin === origin &&
    !!event.data &&
    typeof event.data === "object" &&
    event.data.source === MESSAGE_SOURCE
  );
}

/** The error code for a refused solve: 600*** the challenge failed, 300*** otherwise. */
function frameErrorCode(result) {
  if (!result || typeof result !== "object") return "300030"; // network or not JSON
  const codes = {
    automated: "600010",
    wrong_solution: "600020",
    other_client: "110510",
    expired: "110600",
    replayed: "600030",
    invalid: "600040",
    step_failed: "600050",
  };
  return codes[result.reason] || "300030";
}

/** Whether an error family is one Turnstile retries (reference §1.5). */
function isRetryable(code) {
  const text = String(code);
  const family = text.slice(0, 3);
  if (["102", "103", "104", "106", "300", "600"].includes(family)) return true;
  return text.startsWith("11060") || text.startsWith("11062");
}

// ---- js/src/turnstile-api.js
// humangate's Turnstile-compatible script, served as {prefix}turnstile/v0/api.js. A page
// written for Cloudflare Turnstile works with only this script's URL changed: implicit
// rendering of .cf-turnstile, ?render=explicit, ?onload=, ?compat=recaptcha, and the
// turnstile.render/reset/remove/getResponse/isExpired/execute/ready API. Each widget is
// an iframe served by humangate, so the page's CSS and scripts cannot reach into it.
// Under a strict CSP the page needs script-src and frame-src for humangate's origin.


const LOG_PREFIX = "[humangate turnstile]";
const FRAME_TITLE = "Widget containing a security challenge";

function scriptSettings() {
  // currentScript is null when a loader ran this file some other way: find the tag.
  const script =
    document.currentScript || document.querySelector('script[src*="/turnstile/v0/api.js"]');
  const src = script && script.src ? new URL(script.src, location.href) : null;
  return {
    base: src ? src.href.replace(/api\.js(?:[?#].*)?$/, "") : "",
    origin: src ? src.origin : "",
    render: src ? src.searchParams.get("render") : null,
    onload: src ? src.searchParams.get("onload") : null,
    compat: src ? src.searchParams.get("compat") : null,
  };
}

/** The element a selector names; null for none or for a string that is no selector. */
function query(selector) {
  try {
    return document.querySelector(selector);
  } catch {
    return null;
  }
}

function isSupported() {
  return (
    typeof window.postMessage === "function" &&
    typeof Promise === "function" &&
    typeof URLSearchParams === "function"
  );
}

function createApi(settings) {
  const widgets = new Map(); // id -> widget state
  const compat = settings.compat === "recaptcha";
  const defaultField = compat ? "g-recaptcha-response" : "cf-turnstile-response";

  const newId = () => `cf-chl-widget-${Math.random().toString(36).slice(2, 7)}`;

  function find(target) {
    if (target === undefined || target === null) return widgets.values().next().value;
    if (typeof target === "string" && widgets.has(target)) return widgets.get(target);
    const element = typeof target === "string" ? query(target) : target;
    for (const widget of widgets.values()) {
      if (widget.container === element) return widget;
    }
    return undefined;
  }

  function call(fn, ...args) {
    if (typeof fn !== "function") return undefined;
    try {
      return fn(...args);
    } catch (error) {
      setTimeout(() => {
        throw error; // the page's callback failed: report it, keep the widget working
      });
      return undefined;
    }
  }

  function clearTimers(widget) {
    clearTimeout(widget.expiryTimer);
    clearTimeout(widget.retryTimer);
  }

  function setResponse(widget, token) {
    widget.token = token;
    if (widget.input) widget.input.value = token;
  }

  /** Report an error: to error-callback, else as an exception, as Turnstile does. */
  function fail(widget, code) {
    widget.state = "error";
    setResponse(widget, "");
    const onError = widget.params["error-callback"];
    if (!onError) {
      setTimeout(() => {
        throw new Error(`${LOG_PREFIX} Error: ${code}.`);
      });
    } else if (!call(onError, String(code))) {
      console.warn(`${LOG_PREFIX} error ${code} (the error-callback did not handle it)`);
    }
    if (widget.params.retry === "auto" && isRetryable(code)) {
      widget.retryTimer = setTimeout(() => reload(widget), widget.params["retry-interval"]);
    }
  }

  // A frame out of sight is still laid out: the checks inside it measure layout, and a
  // display:none frame has none (Firefox lays out nothing in it; Chromium measures it
  // wrong while hidden). So a hidden frame leaves the page's flow, shrinks to a pixel,
  // and is invisible: not seen, not focusable, not read out, no pointer events.
  const HIDDEN_RESET = { display: "block", position: "", visibility: "", pointerEvents: "", clipPath: "" };
  const HIDDEN = {
    display: "block",
    position: "absolute",
    width: "1px",
    height: "1px",
    minWidth: "0",
    visibility: "hidden",
    pointerEvents: "none",
    clipPath: "inset(50%)",
  };

  function show(widget, visible) {
    const size = frameSize(widget.params.size);
    const shown = { ...HIDDEN_RESET, width: size.width, height: size.height, minWidth: size.minWidth };
    Object.assign(widget.iframe.style, visible ? shown : HIDDEN);
  }

  function shouldShow(widget) {
    if (!widget.frameVisible) return false;
    const appearance = widget.params.appearance;
    if (appearance === "interaction-only") return widget.interactive;
    if (appearance === "execute") return widget.executed;
    return true;
  }

  function onMessage(event) {
    const data = event.data;
    if (event.origin !== settings.origin || !data || data.source !== MESSAGE_SOURCE) return;
    const widget = widgets.get(data.widgetId);
    if (!widget || event.source !== widget.iframe.contentWindow) return;
    const params = widget.params;
    switch (data.type) {
      case "init":
        widget.frameVisible = data.visible !== false;
        widget.ready = true;
        show(widget, shouldShow(widget));
        if (widget.executed) post(widget, "execute");
        break;
      case "interactive":
        widget.interactive = true;
        show(widget, shouldShow(widget));
        call(params["before-interactive-callback"]);
        break;
      case "interactive-done":
        call(params["after-interactive-callback"]);
        break;
      case "token":
        if (typeof data.token !== "string") return;
        widget.state = "solved";
        widget.expired = false;
        setResponse(widget, data.token);
        clearTimers(widget);
        widget.expiryTimer = setTimeout(() => expire(widget), (Number(data.expiresIn) || 300) * 1000);
        call(params.callback, data.token);
        break;
      case "timeout":
        widget.state = "timeout";
        call(params["timeout-callback"]);
        if (params["refresh-timeout"] === "auto") reload(widget);
        break;
      case "refresh":
        // The visitor asked for a new check in the frame (after expiry or a timeout).
        if (!(widget.state === "timeout" && params["refresh-timeout"] === "never")) reload(widget);
        break;
      case "fail":
      case "error":
        fail(widget, data.code);
        break;
      default:
        break;
    }
  }

  function post(widget, type) {
    if (widget.iframe.contentWindow) {
      widget.iframe.contentWindow.postMessage({ source: MESSAGE_SOURCE, type }, settings.origin);
    }
  }

  function expire(widget) {
    const token = widget.token;
    widget.expired = true;
    setResponse(widget, "");
    call(widget.params["expired-callback"], token);
    const refresh = widget.params["refresh-expired"];
    if (refresh === "auto") reload(widget);
    else if (refresh === "manual") post(widget, "expired");
  }

  /** A fresh frame (a new challenge) for the widget; the old token is dropped. */
  function reload(widget) {
    clearTimers(widget);
    setResponse(widget, "");
    widget.expired = false;
    widget.interactive = false;
    widget.ready = false;
    widget.state = "pending";
    widget.iframe.src = frameUrl(
      settings.base,
      widget.params,
      widget.id,
      location.origin,
      navigator.language,
    );
  }

  function render(container, explicit) {
    const element = typeof container === "string" ? query(container) : container;
    if (!element || typeof element.appendChild !== "function") {
      console.warn(`${LOG_PREFIX} render: no container ${String(container)}`);
      return undefined;
    }
    if (find(element)) {
      console.warn(`${LOG_PREFIX} render: the container already holds a widget`);
      return undefined;
    }
    const { params, error } = normalizeParams(attributeParams(element), explicit, window, {
      "response-field-name": defaultField,
    });
    const id = newId();
    const widget = {
      id,
      container: element,
      params,
      token: "",
      expired: false,
      interactive: false,
      executed: params.execution === "render",
      frameVisible: true,
      ready: false,
      state: "pending",
      iframe: document.createElement("iframe"),
      input: null,
    };
    widgets.set(id, widget);
    if (!isSupported()) {
      call(params["unsupported-callback"]);
      fail(widget, "110500");
      return id;
    }
    const iframe = widget.iframe;
    iframe.id = id;
    iframe.title = FRAME_TITLE;
    iframe.tabIndex = params.tabindex;
    iframe.style.border = "none";
    iframe.style.overflow = "hidden";
    iframe.style.colorScheme = "normal";
    show(widget, false); // shown once the frame says whether it is visible
    if (params["response-field"]) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = params["response-field-name"];
      input.id = `${id}_response`;
      widget.input = input;
    }
    element.appendChild(iframe);
    if (widget.input) element.appendChild(widget.input);
    if (error) {
      // Invalid parameters: no frame is loaded; the page learns why.
      setTimeout(() => fail(widget, error));
      return id;
    }
    reload(widget);
    return id;
  }

  function reset(target) {
    const widget = find(target);
    if (widget) reload(widget);
  }

  function remove(target) {
    const widget = find(target);
    if (!widget) return;
    clearTimers(widget);
    widget.iframe.remove();
    if (widget.input) widget.input.remove();
    widgets.delete(widget.id);
  }

  function getResponse(target) {
    const widget = find(target);
    return widget && widget.token ? widget.token : undefined;
  }

  function isExpired(target) {
    const widget = find(target);
    return widget ? widget.expired : false;
  }

  function execute(target, params) {
    let widget = find(target);
    if (!widget) {
      const id = render(target, { ...(params || {}), execution: "execute" });
      widget = id ? widgets.get(id) : undefined;
    }
    if (!widget) return;
    if (widget.executed && widget.state !== "pending") reload(widget);
    widget.executed = true;
    if (widget.ready) {
      show(widget, shouldShow(widget));
      post(widget, "execute");
    }
  }

  function ready(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", () => call(callback), { once: true });
    } else {
      call(callback);
    }
  }

  function renderAll() {
    const selector = compat ? ".cf-turnstile, .g-recaptcha" : ".cf-turnstile";
    for (const element of document.querySelectorAll(selector)) {
      if (!find(element) && element.getAttribute("data-sitekey")) render(element);
    }
  }

  window.addEventListener("message", onMessage);
  const api = { render, reset, remove, getResponse, isExpired, execute, ready, implicitRender: renderAll };
  Object.defineProperty(api, "humangate", { value: true });
  return api;
}

function recaptchaFacade(api) {
  // reCAPTCHA v2's names on top of the same widgets (compat=recaptcha).
  return {
    render: (container, params) => api.render(container, params),
    reset: (id) => api.reset(id),
    getResponse: (id) => api.getResponse(id) || "",
    execute: (id) => api.execute(id),
    ready: (callback) => api.ready(callback),
  };
}

function main() {
  const settings = scriptSettings();
  const existing = window.turnstile;
  if (existing && existing.humangate) {
    // Loaded twice (frameworks do): keep the first instance and its widgets.
    console.warn(`${LOG_PREFIX} api.js was loaded more than once`);
    if (settings.onload && typeof window[settings.onload] === "function") {
      existing.ready(window[settings.onload]);
    }
    return;
  }
  const api = createApi(settings);
  window.turnstile = api;
  if (settings.compat === "recaptcha") window.grecaptcha = recaptchaFacade(api);
  api.ready(() => {
    if (settings.render !== "explicit") api.implicitRender();
    if (settings.onload && typeof window[settings.onload] === "function") window[settings.onload]();
  });
}

main();
})();
