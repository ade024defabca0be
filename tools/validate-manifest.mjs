#!/usr/bin/env node
// Validate a Teams app manifest and its localization files offline, against the JSON
// schemas bundled in the npm package @microsoft/app-manifest (pinned in tools/package.json).
// `teamsapp validate` downloads the schema and cannot run offline; this does not.
//
// Usage:
//   node tools/validate-manifest.mjs [--text] PATH
//
// PATH is a folder holding manifest.json and the localization files it names (an unpacked
// app package), or the manifest.json itself. The result goes to standard output as JSON:
//
//   {"appManifest": "1.1.2", "manifestVersion": "1.30",
//    "checked": ["manifest.json", "en.json", "sv.json"], "problems": ["en.json: ..."]}
//
// or, with --text, one line per problem. Exit status: 0 valid, 1 problems found, 2 the input
// or the installation is unusable (no schema bundled for the manifestVersion, say).
//
// The manifest is checked with ManifestUtil.validateManifestAgainstSchema(manifest, schema).
// Localization files are checked against MicrosoftTeams.Localization.schema.json of the same
// version; that schema has patterns that do not compile as Unicode regular expressions
// ("Lone quantifier brackets"), which validateManifestAgainstSchema insists on, so when it
// throws they are compiled with ajv-draft-04 and unicodeRegExp: false instead.

import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";

const require = createRequire(import.meta.url);

class SetupError extends Error {}

function loadPackages() {
  try {
    const { ManifestUtil } = require("@microsoft/app-manifest");
    const version = require("@microsoft/app-manifest/package.json").version;
    const Ajv04 = require("ajv-draft-04");
    const addFormats = require("ajv-formats");
    const schemaRoot = join(
      dirname(require.resolve("@microsoft/app-manifest/package.json")),
      "build",
      "json-schemas",
      "teams",
    );
    return {
      ManifestUtil,
      version,
      Ajv04: Ajv04.default ?? Ajv04,
      addFormats: addFormats.default ?? addFormats,
      schemaRoot,
    };
  } catch (error) {
    throw new SetupError(
      "cannot load @microsoft/app-manifest (and fs-extra, ajv-draft-04, ajv-formats) from " +
        `tools/node_modules (${error.message.split("\n")[0]}): run \`make tools\` (npm ci --prefix tools)`,
    );
  }
}

function readJson(path, label) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new SetupError(`cannot read ${label}: ${error.message}`);
  }
  try {
    // Teams accepts a UTF-8 byte order mark; JSON.parse does not.
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new SetupError(`${label} is not JSON: ${error.message}`);
  }
}

function ajvMessages(errors) {
  return (errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? ""}. Details: ${JSON.stringify(e.params ?? {})}`,
  );
}

async function validateLocalization(pkgs, document, schema) {
  try {
    return await pkgs.ManifestUtil.validateManifestAgainstSchema(document, schema);
  } catch (error) {
    if (!/regular expression/i.test(String(error.message))) throw error;
    const ajv = new pkgs.Ajv04({ allErrors: true, strictTypes: false, unicodeRegExp: false });
    pkgs.addFormats(ajv, ["uri", "email", "regex"]);
    const validate = ajv.compile(schema);
    return validate(document) ? [] : ajvMessages(validate.errors);
  }
}

export async function validatePackage(path) {
  const pkgs = loadPackages();
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const dir = isDir ? path : dirname(path);
  const manifestName = isDir ? "manifest.json" : basename(path);
  const manifest = readJson(join(dir, manifestName), isDir ? join(path, manifestName) : path);
  const manifestVersion = manifest?.manifestVersion;
  const versionDir = join(pkgs.schemaRoot, `v${manifestVersion}`);
  const schemaPath = join(versionDir, "MicrosoftTeams.schema.json");
  if (typeof manifestVersion !== "string" || !existsSync(schemaPath)) {
    throw new SetupError(
      `${manifestName}: no schema for manifestVersion ${JSON.stringify(manifestVersion)} in ` +
        `@microsoft/app-manifest ${pkgs.version}; upgrade the pinned package or the manifest`,
    );
  }
  const problems = [];
  const checked = [manifestName];
  const schema = readJson(schemaPath, schemaPath);
  for (const message of await pkgs.ManifestUtil.validateManifestAgainstSchema(manifest, schema)) {
    problems.push(`${manifestName}: ${message}`);
  }

  const info = manifest.localizationInfo ?? {};
  const files = [
    info.defaultLanguageFile,
    ...(Array.isArray(info.additionalLanguages) ? info.additionalLanguages.map((l) => l?.file) : []),
  ].filter((file) => typeof file === "string");
  if (files.length > 0) {
    const localizationSchema = readJson(
      join(versionDir, "MicrosoftTeams.Localization.schema.json"),
      "the localization schema",
    );
    for (const file of files) {
      const filePath = join(dir, file);
      if (!existsSync(filePath)) {
        problems.push(`${file}: named in localizationInfo but not in the package`);
        continue;
      }
      const document = readJson(filePath, file);
      for (const message of await validateLocalization(pkgs, document, localizationSchema)) {
        problems.push(`${file}: ${message}`);
      }
      checked.push(file);
    }
  }
  return { appManifest: pkgs.version, manifestVersion, checked, problems };
}

async function main(argv) {
  const args = argv.filter((a) => a !== "--text");
  const asText = args.length !== argv.length;
  if (args.length !== 1 || args[0] === "-h" || args[0] === "--help") {
    process.stderr.write("usage: node tools/validate-manifest.mjs [--text] FOLDER|manifest.json\n");
    return args.length === 1 ? 0 : 2;
  }
  const result = await validatePackage(args[0]);
  if (asText) {
    for (const problem of result.problems) process.stdout.write(`${problem}\n`);
    process.stdout.write(
      `validate-manifest: ${result.checked.join(", ")} against the v${result.manifestVersion} ` +
        `schemas of @microsoft/app-manifest ${result.appManifest}: ` +
        `${result.problems.length} problem(s)\n`,
    );
  } else {
    process.stdout.write(JSON.stringify(result) + "\n");
  }
  return result.problems.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    process.stderr.write(`validate-manifest: ${error.message}\n`);
    process.exitCode = 2;
  }
}
