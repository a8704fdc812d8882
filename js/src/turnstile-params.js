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

export const DEFAULTS = {
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
export function attributeParams(element) {
  const params = {};
  for (const { name, value } of Array.from(element.attributes)) {
    if (!name.startsWith("data-")) continue;
    const key = name.slice(5);
    params[key === "cdata" ? "cData" : key] = value;
  }
  return params;
}

/** Functions are kept; a string names a global function (as in data-callback="fn"). */
export function resolveCallback(value, scope) {
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
export function normalizeParams(fromAttributes, explicit, scope = globalThis, base = {}) {
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
export function frameSize(size) {
  if (size === "compact") return { width: "150px", height: "140px", minWidth: "" };
  if (size === "flexible") return { width: "100%", height: "65px", minWidth: "300px" };
  return { width: "300px", height: "65px", minWidth: "" };
}

/** The frame's URL: what the server needs to render it, nothing the page did not say. */
export function frameUrl(base, params, widgetId, origin, language) {
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
