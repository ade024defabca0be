#!/usr/bin/env node
// Validate Adaptive Cards offline with the Adaptive Cards object model (npm `adaptivecards`,
// pinned in tools/package.json) for what Microsoft Teams renders: schema 1.5.
//
// Usage:
//   node tools/validate-cards.mjs [--text] [FILE|-]
//
// FILE (or standard input, also with "-") holds JSON: one card, a list of cards, or an
// object mapping names to cards. The result goes to standard output as one JSON object:
//
//   {"adaptivecards": "3.0.6", "targetVersion": "1.5",
//    "cards": {"<name>": {"errors": [{"code": str, "message": str}], "warnings": [...],
//                         "elements": int, "actions": int}}}
//
// or, with --text, one line per problem and a summary. Exit status: 0 when no card has an
// error, 1 when some card has one, 2 when the input or the installation is unusable.
//
// Errors:
// * the object model's parse events, with the card parsed for schema 1.5: unknown element
//   or action types (including those newer than 1.5), properties newer than 1.5, invalid
//   values; and its validation events: duplicate ids, more actions in one set than Teams
//   shows as buttons (6; it puts the rest behind a "…" menu), empty collections, required
//   inputs without a label or error message;
// * a card version missing or above 1.5;
// * a property the object model does not know: every renderer ignores a typo such as
//   "altext" silently, so it is caught here;
// * what Teams does not support although the schema allows it: HTML markup in text, images
//   that are not https or data URLs, links other than https, http, mailto, tel or msteams,
//   a `data` of Action.Submit/Action.Execute that is not an object (Teams merges the input
//   values into it), a `refresh` without Action.Execute or with more than 60 userIds.
// Warnings: the object model's deprecation notices and hints.

import { loadObjectModel, readCards, SetupError, validateCard } from "./lib/cards.mjs";
import { teamsHostConfig } from "./teams-host-config.mjs";

function main(argv) {
  const args = argv.filter((a) => a !== "--text");
  const asText = args.length !== argv.length;
  if (args.some((a) => a === "-h" || a === "--help") || args.length > 1) {
    process.stderr.write("usage: node tools/validate-cards.mjs [--text] [FILE|-]\n");
    return args.length > 1 ? 2 : 0;
  }
  const cards = readCards(args[0]);
  const { AC, version } = loadObjectModel();
  const hostConfig = new AC.HostConfig(teamsHostConfig("light"));
  const results = {};
  for (const [name, json] of Object.entries(cards)) {
    results[name] = validateCard(AC, hostConfig, json);
  }
  const bad = Object.values(results).filter((r) => r.errors.length > 0).length;
  if (asText) {
    for (const [name, result] of Object.entries(results)) {
      for (const e of result.errors) process.stdout.write(`${name}: error: ${e.code}: ${e.message}\n`);
      for (const w of result.warnings) process.stdout.write(`${name}: warning: ${w.code}: ${w.message}\n`);
    }
    process.stdout.write(
      `validate-cards: ${Object.keys(results).length} card(s), ${bad} with errors ` +
        `(adaptivecards ${version}, schema 1.5)\n`,
    );
  } else {
    process.stdout.write(
      JSON.stringify({ adaptivecards: version, targetVersion: "1.5", cards: results }) + "\n",
    );
  }
  return bad > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  process.stderr.write(`validate-cards: ${error.message}\n`);
  process.exitCode = 2;
}
