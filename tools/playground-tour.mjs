#!/usr/bin/env node
// Drive the Microsoft 365 Agents Playground through the bot's capabilities, in headless
// Chromium, and take a screenshot after every step. It checks that the bot answered each
// step (in the playground's log panel) and exits 1 when one did not.
//
// Needs, all on loopback: the bot (`make run`, anonymous local mode), the playground
// (`make playground`), `make tools` and Debian's chromium. Usage:
//
//   DATA_DIR=<the bot's DATA_DIR> node tools/playground-tour.mjs [--out DIR]
//       [--playground http://127.0.0.1:56150] [--no-send-now]
//
// The proactive step runs `.venv/bin/python -m bot send-now tips` with the environment
// given here, so DATA_DIR (or DATABASE_URL) must be the running bot's.
// docs/local-playground.md describes the same tour by hand.

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const BOT_NAME = "Test Bot"; // the playground's default bot
const WAIT_MS = 15000;

function options(argv) {
  const o = { out: join(ROOT, "build", "playground-tour"), base: "http://127.0.0.1:56150", sendNow: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") o.out = argv[++i];
    else if (argv[i] === "--playground") o.base = argv[++i].replace(/\/$/, "");
    else if (argv[i] === "--no-send-now") o.sendNow = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(o.base)) {
    throw new Error("--playground must be a loopback URL");
  }
  return o;
}

// The log panel lists every activity; the bot answered when a new line of this kind shows.
const BOT_SENT = /User Application\s*\S*\s*Microsoft 365 Agents Playground\s*message 201/g;
const INVOKE_OK = /Microsoft 365 Agents Playground\s*\S*\s*User Application\s*invoke 200/g;

async function count(page, pattern) {
  const text = await page.locator("body").innerText();
  return (text.match(pattern) ?? []).length;
}

async function main() {
  const o = options(process.argv.slice(2));
  const { chromium } = require("playwright-core");
  mkdirSync(o.out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    chromiumSandbox: false,
  });
  const results = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    // Loopback only: the UI's web fonts and animations from a CDN are refused.
    await page.route("**/*", (route) =>
      route.request().url().startsWith(o.base) ? route.continue() : route.abort(),
    );
    await page.goto(`${o.base}/`, { waitUntil: "networkidle" });
    let n = 0;

    const step = async (name, pattern, act) => {
      n += 1;
      const before = await count(page, pattern);
      let ok = false;
      let error = "";
      try {
        await act();
        const deadline = Date.now() + WAIT_MS;
        while (!(ok = (await count(page, pattern)) > before) && Date.now() < deadline) {
          await page.waitForTimeout(250);
        }
        if (!ok) error = "no answer from the bot in the log panel";
      } catch (e) {
        error = e.message.split("\n")[0];
      }
      await page.waitForTimeout(700); // let the card finish rendering for the screenshot
      const file = join(o.out, `${String(n).padStart(2, "0")}-${name}.png`);
      await page.screenshot({ path: file });
      results.push({ step: name, ok, error, screenshot: file });
      process.stdout.write(`${ok ? "ok  " : "FAIL"} ${name}${error ? `: ${error}` : ""}\n`);
    };
    const type = async (text, editor = 0) => {
      await page.locator("[data-lexical-editor=true]").nth(editor).click();
      await page.keyboard.type(text);
      await page.keyboard.press("Enter");
    };
    // The playground renders cards with Fluent UI buttons inside the renderer's containers.
    const lastCardButton = () =>
      page.locator(".ac-adaptiveCard").last().locator(".ac-actionSet button").first();

    await page.getByText("Personal Chat", { exact: true }).first().click();
    await page.waitForTimeout(1000);
    await step("help", BOT_SENT, () => type("apua"));
    await step("question", BOT_SENT, () => type("Kuinka pitkä kokouksen pitäisi olla?"));
    await step("did-you-mean-choice", INVOKE_OK, () => lastCardButton().click());
    await step("feedback-thumbs-up", INVOKE_OK, () =>
      page.getByRole("button", { name: /👍/ }).last().click(),
    );
    await step("themes", BOT_SENT, () => type("aiheet"));
    await step("theme-button", INVOKE_OK, () => lastCardButton().click());
    await step("tip", BOT_SENT, () => type("vinkki"));
    await step("settings", BOT_SENT, () => type("asetukset"));
    await step("subscribe-tips", BOT_SENT, () => type("tilaa vinkit"));
    if (o.sendNow) {
      await step("proactive-tip", BOT_SENT, async () => {
        const python = join(ROOT, ".venv", "bin", "python");
        const output = execFileSync(python, ["-m", "bot", "send-now", "tips"], {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "ignore"],
        }).toString();
        // Today's tips go out once per subscriber: a second tour the same day gets none.
        if (output.includes("already existed")) {
          throw new Error("today's tips were already sent; use a fresh DATA_DIR to see one again");
        }
      });
    }
    await page.locator('[aria-label="My Team - General"]').first().click();
    await page.waitForTimeout(1000);
    await step("channel-mention", BOT_SENT, async () => {
      await page.locator("[data-lexical-editor=true]").first().click();
      await page.keyboard.type(`@${BOT_NAME.split(" ")[0]}`);
      await page.locator("[role=menuitem]").first().click();
      await page.keyboard.type(" aiheet");
      await page.getByRole("button", { name: "Post" }).click();
    });
  } finally {
    await browser.close();
  }
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`playground-tour: ${results.length - failed} of ${results.length} steps answered; screenshots in ${o.out}\n`);
  return failed ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    process.stderr.write(`playground-tour: ${error.message}\n`);
    process.exitCode = 2;
  },
);
