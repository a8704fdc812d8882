// humangate's Turnstile-compatible script, served as {prefix}turnstile/v0/api.js. A page
// written for Cloudflare Turnstile works with only this script's URL changed: implicit
// rendering of .cf-turnstile, ?render=explicit, ?onload=, ?compat=recaptcha, and the
// turnstile.render/reset/remove/getResponse/isExpired/execute/ready API. Each widget is
// an iframe served by humangate, so the page's CSS and scripts cannot reach into it.
// Under a strict CSP the page needs script-src and frame-src for humangate's origin.

import {
  attributeParams,
  frameSize,
  frameUrl,
  normalizeParams,
} from "./turnstile-params.js";
import { MESSAGE_SOURCE, isRetryable } from "./turnstile-protocol.js";

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
