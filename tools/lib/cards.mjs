// Shared by the card validator and the card renderer: loading the Adaptive Cards object
// model (npm `adaptivecards`, pinned in tools/package.json) in Node 20, reading cards, and
// validating one card for what Microsoft Teams renders (schema 1.5).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

const TEAMS_MAX_VERSION = [1, 5];
const OPEN_URL_SCHEMES = new Set(["https:", "http:", "mailto:", "tel:", "msteams:"]);
// Keys the object model reads with its own parsers rather than through its property schema.
const PARSER_KEYS = new Set([
  "type", "body", "actions", "items", "columns", "inlines", "card", "fallback", "choices",
  "facts", "images", "$data", "$when",
]);
// Keys of the card itself that Teams reads (msteams: width, mentions) and editors write.
const CARD_ONLY_KEYS = new Set(["$schema", "msteams"]);
const HTML_TAG = /<\/?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?\/?>/;

/** The failure of a setup step (missing packages, unreadable input): exit status 2. */
export class SetupError extends Error {}

/** Paths of the browser builds that the renderer loads into a page. */
export function browserScripts() {
  // By path: markdown-it's package "exports" do not list its browser build.
  const modules = new URL("../node_modules/", import.meta.url);
  const path = (relative) => fileURLToPath(new URL(relative, modules));
  return {
    adaptivecards: path("adaptivecards/dist/adaptivecards.js"),
    adaptivecardsCss: path("adaptivecards/dist/adaptivecards.css"),
    markdownIt: path("markdown-it/dist/browser/markdown-it.umd.min.js"),
  };
}

/**
 * Work around a defect of the object model: `lang` is checked with a global regular
 * expression (/^[a-z]{2,3}$/gi) whose lastIndex survives between calls, so every other
 * valid `lang` is reported as invalid (microsoft/AdaptiveCards issue 9145, open).
 * Self-contained, because the renderer also runs it inside the browser page.
 */
export function patchObjectModel(AC) {
  const property = AC.CardElement && AC.CardElement.langProperty;
  if (property && property.regEx && property.regEx.global) {
    property.regEx = new RegExp(property.regEx.source, "i");
  }
}

/** The object model loaded from dist/adaptivecards.js (it needs no DOM to parse). */
export function loadObjectModel() {
  let AC;
  let version;
  try {
    AC = require("adaptivecards/dist/adaptivecards.js");
    version = require("adaptivecards/package.json").version;
  } catch (error) {
    throw new SetupError(
      "cannot load the npm package adaptivecards from tools/node_modules " +
        `(${error.message.split("\n")[0]}): run \`make tools\` (npm ci --prefix tools)`,
    );
  }
  patchObjectModel(AC);
  return { AC, version };
}

/** Named cards from a file or standard input ("-" or nothing): one card, a list or an object. */
export function readCards(path) {
  const where = !path || path === "-" ? "standard input" : path;
  let text;
  try {
    text = readFileSync(where === "standard input" ? 0 : path, "utf8");
  } catch (error) {
    throw new SetupError(`cannot read ${where}: ${error.message}`);
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SetupError(`${where} is not JSON: ${error.message}`);
  }
  if (Array.isArray(data)) return Object.fromEntries(data.map((card, i) => [String(i), card]));
  if (data && typeof data === "object" && data.type === "AdaptiveCard") return { card: data };
  if (data && typeof data === "object") return data;
  throw new SetupError(`${where}: expected a card, a list of cards or an object of named cards`);
}

function schemaNames(object) {
  const schema = object.getSchema();
  const names = new Set();
  for (let i = 0; i < schema.getCount(); i++) names.add(schema.getItemAt(i).name);
  return names;
}

function* walk(node, path) {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) yield* walk(node[i], `${path}[${i}]`);
  } else if (node && typeof node === "object") {
    yield [node, path];
    for (const [key, value] of Object.entries(node)) yield* walk(value, `${path}.${key}`);
  }
}

function urlScheme(url) {
  try {
    return new URL(url).protocol;
  } catch {
    return null;
  }
}

function describe(object) {
  if (!object || typeof object.getJsonTypeName !== "function") return "card";
  const id = object.id ? ` "${object.id}"` : "";
  const title = !object.id && object.title ? ` "${object.title}"` : "";
  return `${object.getJsonTypeName()}${id}${title}`;
}

/** Rules of the Teams host that the object model does not know, checked on the JSON. */
function teamsProblems(card) {
  const errors = [];
  const error = (code, path, message) => errors.push({ code, message: `${path}: ${message}` });
  const match = typeof card.version === "string" ? /^(\d+)\.(\d+)$/.exec(card.version) : null;
  if (!match) {
    error("UnsupportedCardVersion", "$", `version ${JSON.stringify(card.version)} is not like "1.5"`);
  } else {
    const [major, minor] = [Number(match[1]), Number(match[2])];
    const [maxMajor, maxMinor] = TEAMS_MAX_VERSION;
    if (major > maxMajor || (major === maxMajor && minor > maxMinor)) {
      error("UnsupportedCardVersion", "$", `version ${card.version} is above 1.5, the highest Teams renders`);
    }
  }
  for (const [node, path] of walk(card, "$")) {
    const type = node.type;
    let texts = [];
    if (type === "TextBlock" || type === "TextRun") texts = [node.text];
    else if (type === undefined && "title" in node && "value" in node) texts = [node.title, node.value];
    for (const text of texts) {
      const tag = typeof text === "string" ? HTML_TAG.exec(text) : null;
      if (tag) {
        error("HtmlNotSupported", path, `HTML markup ${JSON.stringify(tag[0])}: Teams shows it as text; use Markdown`);
      }
    }
    if (type === "Image" && typeof node.url === "string") {
      if (urlScheme(node.url) !== "https:" && !node.url.startsWith("data:image/")) {
        error("ImageUrlNotSupported", path, `image URL ${JSON.stringify(node.url)}: Teams loads https and data:image URLs only`);
      }
    }
    if (type === "Action.OpenUrl" && !OPEN_URL_SCHEMES.has(urlScheme(node.url))) {
      error("OpenUrlNotSupported", path, `URL ${JSON.stringify(node.url)}: Teams opens https, http, mailto, tel and msteams links only`);
    }
    if ((type === "Action.Submit" || type === "Action.Execute") && node.data !== undefined) {
      if (!node.data || typeof node.data !== "object" || Array.isArray(node.data)) {
        error("DataNotObject", path, "data must be an object: Teams merges the input values into it");
      }
    }
  }
  if (card.refresh !== undefined) {
    const refresh = card.refresh;
    if (!refresh || !refresh.action || refresh.action.type !== "Action.Execute") {
      error("RefreshNotExecute", "$.refresh", "refresh.action must be an Action.Execute (universal actions)");
    }
    if (refresh && Array.isArray(refresh.userIds) && refresh.userIds.length > 60) {
      error("RefreshTooManyUsers", "$.refresh", `${refresh.userIds.length} userIds; Teams refreshes for at most 60`);
    }
  }
  return errors;
}

/**
 * Validate one card (JSON) for Teams; returns {errors, warnings, elements, actions}, each
 * problem as {code, message}. `hostConfig` is an AC.HostConfig (its maxActions counts).
 */
export function validateCard(AC, hostConfig, json) {
  const errors = [];
  const warnings = [];
  if (!json || typeof json !== "object" || json.type !== "AdaptiveCard") {
    errors.push({ code: "MissingCardType", message: '$: not an object with "type": "AdaptiveCard"' });
    return { errors, warnings, elements: 0, actions: 0 };
  }
  const soft = new Set([AC.ValidationEvent.Deprecated, AC.ValidationEvent.Hint]);
  const report = (event, message) =>
    (soft.has(event) ? warnings : errors).push({
      code: AC.ValidationEvent[event] ?? String(event),
      message,
    });

  // Parsing for 1.5 makes the object model refuse newer element types and properties.
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  let elements = 0;
  let actions = 0;
  const unknownKeys = (object, source, extra = new Set()) => {
    if (!source || typeof source !== "object") return;
    const known = schemaNames(object);
    for (const key of Object.keys(source)) {
      if (!known.has(key) && !PARSER_KEYS.has(key) && !extra.has(key)) {
        errors.push({ code: "UnknownProperty", message: `${describe(object)}: unknown property "${key}"` });
      }
    }
  };
  context.onParseElement = (element, source) => {
    elements += 1;
    unknownKeys(element, source);
  };
  context.onParseAction = (action, source) => {
    actions += 1;
    unknownKeys(action, source);
  };

  const card = new AC.AdaptiveCard();
  card.hostConfig = hostConfig;
  try {
    card.parse(json, context);
  } catch (error) {
    errors.push({ code: "ParseFailed", message: `the object model threw: ${error.message}` });
    return { errors, warnings, elements, actions };
  }
  unknownKeys(card, json, CARD_ONLY_KEYS);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    report(event.event, `${describe(event.source)}: ${event.message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    let message = event.message;
    if (event.event === AC.ValidationEvent.TooManyActions) {
      const count = event.source?.getActionCount?.() ?? event.source?.actions?.length;
      message =
        `${count ?? "more than " + hostConfig.actions.maxActions} actions: Teams shows ` +
        `${hostConfig.actions.maxActions} buttons and hides the rest behind a "…" menu; ` +
        "use several ActionSets or selectAction";
    }
    report(event.event, `${describe(event.source)}: ${message}`);
  }
  errors.push(...teamsProblems(json));
  return { errors, warnings, elements, actions };
}
