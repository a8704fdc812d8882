import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveLanguage, textDirection } from "../src/i18n.js";

const SUPPORTED = ["ar", "de", "en", "es", "fa", "fr", "id", "it", "ja", "ko", "nl", "pl",
  "pt-br", "ru", "tr", "zh-cn", "zh-tw"];

test("two- and four-letter codes of the seeds' table", () => {
  for (const [tag, code] of [["ar-EG", "ar"], ["ar", "ar"], ["zh-CN", "zh-cn"], ["zh", "zh-cn"],
    ["zh-TW", "zh-tw"], ["nl-NL", "nl"], ["en-US", "en"], ["fr-FR", "fr"], ["de-DE", "de"],
    ["id-ID", "id"], ["it-IT", "it"], ["ja-JP", "ja"], ["ko-KR", "ko"], ["fa", "fa"],
    ["pl-PL", "pl"], ["pt-BR", "pt-br"], ["pt", "pt-br"], ["ru-RU", "ru"], ["es-ES", "es"],
    ["tr-TR", "tr"]]) {
    assert.equal(resolveLanguage(tag, SUPPORTED), code, tag);
  }
});

test("fallbacks by region and script", () => {
  assert.equal(resolveLanguage("pt-PT", SUPPORTED), "pt-br");
  assert.equal(resolveLanguage("zh-HK", SUPPORTED), "zh-tw");
  assert.equal(resolveLanguage("zh-MO", SUPPORTED), "zh-tw");
  assert.equal(resolveLanguage("zh-Hant-HK", SUPPORTED), "zh-tw");
  assert.equal(resolveLanguage("zh-SG", SUPPORTED), "zh-cn");
  assert.equal(resolveLanguage("zh-Hans-HK", SUPPORTED), "zh-cn");
  assert.equal(resolveLanguage("zh-Hans", SUPPORTED), "zh-cn");
  assert.equal(resolveLanguage("es-419", SUPPORTED), "es");
  assert.equal(resolveLanguage("fr_CA", SUPPORTED), "fr");
});

test("unknown, und and garbage match nothing", () => {
  for (const tag of ["sv-SE", "und", "*", "", "  ", "12", "en US", null, undefined, "x".repeat(20)]) {
    assert.equal(resolveLanguage(tag, SUPPORTED), null, String(tag));
  }
});

test("text direction", () => {
  assert.equal(textDirection("ar"), "rtl");
  assert.equal(textDirection("fa"), "rtl");
  assert.equal(textDirection("ja"), "ltr");
});
