// Maps a browser language tag to one of the page's catalogs. The same rules as
// sdk/humangate/i18n/negotiate.py, so the server's pre-selection from Accept-Language
// and the page's choice from navigator.language agree on every tag.

const TRADITIONAL = new Set(["hant", "tw", "hk", "mo"]);
const TAG = /^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$/;

/** The catalog code for `tag` among `supported`, or null when none fits. */
export function resolveLanguage(tag, supported) {
  if (typeof tag !== "string") return null;
  const normal = tag.trim().replace(/_/g, "-").toLowerCase();
  if (!TAG.test(normal) || normal === "und") return null;
  if (supported.includes(normal)) return normal;
  const [primary, ...rest] = normal.split("-");
  let code = primary;
  if (primary === "zh") {
    // The script subtag, when given, beats the region: zh-Hans-HK is Simplified.
    const traditional = rest.includes("hant") ||
      (!rest.includes("hans") && rest.some((part) => TRADITIONAL.has(part)));
    code = traditional ? "zh-tw" : "zh-cn";
  }
  if (primary === "pt") code = "pt-br";
  return supported.includes(code) ? code : null;
}

const RTL = new Set(["ar", "fa", "he", "ur"]);

export function textDirection(code) {
  return RTL.has(code.split("-")[0]) ? "rtl" : "ltr";
}
