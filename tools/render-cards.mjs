#!/usr/bin/env node
// Render Adaptive Cards in headless Chromium with the Adaptive Cards JavaScript renderer
// (npm `adaptivecards`, pinned) and a Teams-like host config, light and dark; report what
// the renderer complains about and, with --out, write one PNG per card and theme.
//
// Usage:
//   node tools/render-cards.mjs [--out DIR] [--themes light,dark] [--only NAME,...]
//                               [--chromium PATH] [FILE|-]
//
// FILE (or standard input) holds named cards as for validate-cards.mjs. PNGs are named
// DIR/<name>-<theme>.png. The report goes to standard output as JSON:
//
//   {"adaptivecards": "3.0.6", "chromium": "156.0...",
//    "cards": {"<name>": {"<theme>": {"errors": [str], "warnings": [str], "notes": [str],
//                                     "png": str|null, "height": int}}}}
//
// Exit status: 0 when no card has an error or a warning, 1 otherwise, 2 when Chromium or
// the npm packages are missing or the input is unusable.
//
// Errors: parse and validation events of the renderer's object model (for schema 1.5),
// a card that does not render, exceptions and console errors in the page. Warnings, from
// the rendered page: a button or input without an accessible name, an image without alt
// text, and a request the page tried to make to the network (everything is served from
// memory; an image URL of a card gets a grey placeholder). Notes, which do not change the
// exit status: button titles cut off because the row is too narrow. The card is as wide
// as in Teams, but Segoe UI is not on Linux and Debian's fonts are wider, so a note is a
// hint to look at the PNG, not a fact about Teams.
//
// Chromium runs headless with a fresh profile, no sandbox (the tests run as root), and the
// flags that keep it off the network: this machine has none, and without them Chromium
// keeps trying to reach Google's services.

import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { browserScripts, loadObjectModel, patchObjectModel, readCards, SetupError } from "./lib/cards.mjs";
import { teamsHostConfig, themeColors, THEMES } from "./teams-host-config.mjs";

const require = createRequire(import.meta.url);
const DEFAULT_CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
  "--font-render-hinting=none",
];
// A Teams chat column shows a card about this wide.
const CARD_WIDTH_PX = 480;
const FONT = "'Segoe UI', 'Noto Sans', 'DejaVu Sans', sans-serif";
const PAGE_ORIGIN = "http://cards.gallery.invalid/";
// 1×1 grey PNG for the images of a card: nothing is fetched from the network.
const PLACEHOLDER_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGO4e/fufwAIiwOXq4cNoQAAAABJRU5ErkJggg==",
  "base64",
);

function parseArgs(argv) {
  const options = { out: null, themes: [...THEMES], only: null, chromium: DEFAULT_CHROMIUM, input: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new SetupError(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === "--out") options.out = value();
    else if (arg === "--themes") options.themes = value().split(",").filter(Boolean);
    else if (arg === "--only") options.only = new Set(value().split(",").filter(Boolean));
    else if (arg === "--chromium") options.chromium = value();
    else if (arg === "-h" || arg === "--help") options.help = true;
    else if (options.input === null) options.input = arg;
    else throw new SetupError(`unexpected argument ${arg}`);
  }
  for (const theme of options.themes) {
    if (!THEMES.includes(theme)) throw new SetupError(`unknown theme ${theme}; use ${THEMES.join(", ")}`);
  }
  return options;
}

function pageHtml() {
  const scripts = browserScripts();
  const inline = (path) => readFileSync(path, "utf8").replaceAll("</script", "<\\/script");
  // The host draws buttons and inputs itself; these rules look like Teams (the renderer's
  // own stylesheet is a demo theme, so it is not used).
  return `<!doctype html>
<html lang="fi"><head><meta charset="utf-8"><title>cards</title>
<style>
  html, body { margin: 0; padding: 0; }
  #frame { box-sizing: border-box; width: ${CARD_WIDTH_PX + 48}px; padding: 24px;
           font-family: ${FONT}; }
  #card { width: ${CARD_WIDTH_PX}px; border-radius: 6px; overflow: hidden;
          box-shadow: 0 1px 3px rgba(0, 0, 0, .3); }
  .ac-pushButton { font: 600 14px/20px ${FONT}; min-height: 32px; padding: 5px 12px;
                   border-radius: 4px; cursor: pointer; overflow: hidden;
                   text-overflow: ellipsis; white-space: nowrap;
                   color: var(--button-text); background: var(--button-background);
                   border: 1px solid var(--button-border); }
  .ac-pushButton.style-positive, .ac-pushButton.expanded {
    color: #ffffff; background: var(--accent); border-color: var(--accent); }
  .ac-pushButton.style-destructive { color: #c4314b; }
  .ac-input, .ac-input select, .ac-input input, .ac-input textarea {
    font: 14px/20px ${FONT}; color: var(--input-text); }
  select.ac-input, input.ac-input, textarea.ac-input, .ac-textInput, .ac-dateInput,
  .ac-numberInput, .ac-timeInput {
    box-sizing: border-box; min-height: 32px; padding: 5px 8px; border-radius: 4px;
    background: var(--input-background); border: 1px solid var(--input-border); }
  input[type=checkbox], input[type=radio] { accent-color: var(--accent); }
  /* Teams wraps a row of buttons that does not fit (the renderer's spacers go). */
  .ac-actionSet { flex-wrap: wrap; gap: 8px; }
  .ac-actionSet > div { display: none; }
  .ac-textBlock p { margin: 0; }
  .ac-textBlock p + p, .ac-textBlock ul, .ac-textBlock ol { margin-top: 8px; }
  .ac-textBlock ul, .ac-textBlock ol { margin-bottom: 0; padding-left: 24px; }
  .ac-textBlock a { color: var(--accent); }
</style>
<script>${inline(scripts.markdownIt)}</script>
<script>${inline(scripts.adaptivecards)}</script>
</head><body><div id="frame"><div id="card"></div></div></body></html>`;
}

// Runs inside the page: render one card, return what the renderer said.
function renderInPage({ json, hostConfig, colors, patchSource }) {
  const AC = window.AdaptiveCards;
  // eslint-disable-next-line no-new-func
  new Function("AC", `(${patchSource})(AC)`)(AC);
  // The Markdown that Teams renders in TextBlocks: emphasis, lists, links; no HTML.
  const md = window.markdownit("zero", { html: false, linkify: false, breaks: false }).enable([
    "emphasis", "list", "link", "newline",
  ]);
  // Like Teams: buttons beyond maxActions go behind a "…" menu instead of vanishing.
  AC.GlobalSettings.allowMoreThanMaxActionsInOverflowMenu = true;
  AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = md.render(text);
    result.didProcess = true;
  };
  const errors = [];
  const warnings = [];
  const notes = [];
  const frame = document.getElementById("frame");
  const host = document.getElementById("card");
  frame.style.background = colors.page;
  frame.style.colorScheme = colors.colorScheme;
  host.style.background = colors.card;
  for (const [key, value] of Object.entries(colors)) {
    frame.style.setProperty(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, value);
  }
  host.replaceChildren();

  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(hostConfig);
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    errors.push(`parse: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    errors.push(`validation: ${AC.ValidationEvent[event.event]}: ${event.message}`);
  }
  const rendered = card.render();
  if (!rendered) {
    errors.push("render: the renderer returned nothing");
    return { errors, warnings, notes, height: 0 };
  }
  host.appendChild(rendered);

  // What assistive technology gets from the rendered card.
  const name = (el) =>
    (el.getAttribute("aria-label") || "").trim() ||
    (el.getAttribute("aria-labelledby") || "")
      .split(/\s+/)
      .map((id) => document.getElementById(id)?.textContent ?? "")
      .join(" ")
      .trim() ||
    Array.from(el.labels ?? [], (label) => label.textContent).join(" ").trim() ||
    (el.getAttribute("title") || "").trim() ||
    (el.tagName === "BUTTON" ? el.textContent.trim() : "");
  for (const el of rendered.querySelectorAll("button, [role=button]")) {
    if (!name(el)) warnings.push(`a11y: a button has no accessible name: ${el.outerHTML.slice(0, 120)}`);
    // A title cut to "Avoim…" tells nobody what the button does.
    const boxes = [el, ...el.querySelectorAll("div")];
    if (boxes.some((box) => box.scrollWidth > box.clientWidth + 1)) {
      notes.push(`ButtonTitleCutOff: "${el.textContent.trim()}" does not fit its button`);
    }
  }
  for (const el of rendered.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    if (!name(el)) warnings.push(`a11y: an input has no accessible name: ${el.outerHTML.slice(0, 120)}`);
  }
  for (const img of rendered.querySelectorAll("img")) {
    if (!img.hasAttribute("alt") || !img.alt.trim()) {
      warnings.push(`a11y: an image has no alt text: ${img.src.slice(0, 120)}`);
    }
  }
  return { errors, warnings, notes, height: Math.ceil(frame.getBoundingClientRect().height) };
}

async function launch(chromiumPath) {
  let playwright;
  try {
    playwright = require("playwright-core");
  } catch (error) {
    throw new SetupError(`cannot load playwright-core (${error.message.split("\n")[0]}): run \`make tools\``);
  }
  if (!existsSync(chromiumPath)) {
    throw new SetupError(
      `Chromium not found at ${chromiumPath}: install Debian's chromium ` +
        "(`make browser` does it as root, or apt-get install chromium)",
    );
  }
  // playwright-core gives every launch a fresh, temporary --user-data-dir.
  return playwright.chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_FLAGS,
    chromiumSandbox: false,
  });
}

async function main(argv) {
  const options = parseArgs(argv);
  if (options.help) {
    process.stderr.write(
      "usage: node tools/render-cards.mjs [--out DIR] [--themes light,dark] [--only NAME,...] " +
        "[--chromium PATH] [FILE|-]\n",
    );
    return 0;
  }
  const cards = readCards(options.input);
  const names = Object.keys(cards).filter((name) => !options.only || options.only.has(name));
  if (options.only) {
    for (const name of options.only) {
      if (!(name in cards)) throw new SetupError(`--only: no card named ${name}`);
    }
  }
  const { version } = loadObjectModel();
  if (options.out) await mkdir(options.out, { recursive: true });

  const browser = await launch(options.chromium);
  const chromiumVersion = browser.version();
  const results = {};
  let bad = 0;
  try {
    const context = await browser.newContext({
      viewport: { width: CARD_WIDTH_PX + 48, height: 800 },
      deviceScaleFactor: 1,
      locale: "fi-FI",
      serviceWorkers: "block",
    });
    const html = pageHtml();
    let pageProblems = [];
    // Everything is served from memory; nothing reaches the network.
    await context.route("**/*", async (route) => {
      const request = route.request();
      if (request.url() === PAGE_ORIGIN) {
        return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html });
      }
      if (request.resourceType() === "image") {
        return route.fulfill({ status: 200, contentType: "image/png", body: PLACEHOLDER_PNG });
      }
      pageProblems.push({ warning: `network: the page tried to fetch ${request.url()}` });
      return route.abort("blockedbyclient");
    });
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error") pageProblems.push({ error: `console: ${message.text()}` });
      else if (message.type() === "warning") pageProblems.push({ warning: `console: ${message.text()}` });
    });
    page.on("pageerror", (error) => pageProblems.push({ error: `page: ${error.message}` }));
    await page.goto(PAGE_ORIGIN);
    const patchSource = patchObjectModel.toString();

    for (const name of names) {
      results[name] = {};
      for (const theme of options.themes) {
        pageProblems = [];
        let result;
        try {
          result = await page.evaluate(renderInPage, {
            json: cards[name],
            hostConfig: teamsHostConfig(theme),
            colors: themeColors(theme),
            patchSource,
          });
        } catch (error) {
          result = {
            errors: [`render: ${error.message.split("\n")[0]}`],
            warnings: [],
            notes: [],
            height: 0,
          };
        }
        let png = null;
        if (options.out && result.height > 0) {
          png = join(options.out, `${name}-${theme}.png`);
          await page.setViewportSize({ width: CARD_WIDTH_PX + 48, height: result.height });
          await writeFile(png, await page.locator("#frame").screenshot({ animations: "disabled" }));
        }
        for (const problem of pageProblems) {
          if (problem.error) result.errors.push(problem.error);
          else result.warnings.push(problem.warning);
        }
        if (result.errors.length || result.warnings.length) bad += 1;
        results[name][theme] = {
          errors: result.errors,
          warnings: result.warnings,
          notes: result.notes,
          png,
          height: result.height,
        };
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(
    JSON.stringify({ adaptivecards: version, chromium: chromiumVersion, cards: results }) + "\n",
  );
  return bad > 0 ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  process.stderr.write(`render-cards: ${error.message}\n`);
  process.exitCode = 2;
}
