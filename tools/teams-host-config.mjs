// A Teams-like Adaptive Cards host config, light and dark, for validation and the gallery.
//
// Teams does not publish the host config it renders with; these values follow what the
// Teams desktop client shows (Segoe UI 14 px text, 16 px padding, the Teams purple accent,
// at most 6 actions, no custom container styles) closely enough that the gallery looks
// like a card in Teams. Both themes are built from one palette so they cannot drift.

const PALETTES = {
  light: {
    page: "#f5f5f5",
    card: "#ffffff",
    emphasis: "#f9f8f7",
    text: "#252424",
    subtle: "#605e5c",
    accent: "#5b5fc7",
    accentSubtle: "#8b8cc7",
    good: "#237b4b",
    warning: "#835c00",
    attention: "#c4314b",
    separator: "#e1dfdd",
    light: "#ffffff",
    buttonBackground: "#ffffff",
    buttonText: "#242424",
    buttonBorder: "#d1d1d1",
    inputBackground: "#ffffff",
    inputText: "#242424",
    inputBorder: "#d1d1d1",
  },
  dark: {
    page: "#1f1f1f",
    card: "#292929",
    emphasis: "#333333",
    text: "#ffffff",
    subtle: "#c8c6c4",
    accent: "#a6a7dc",
    accentSubtle: "#8b8cc7",
    good: "#92c353",
    warning: "#f8d22a",
    attention: "#f9526b",
    separator: "#3d3d3d",
    light: "#ffffff",
    buttonBackground: "#292929",
    buttonText: "#ffffff",
    buttonBorder: "#666666",
    inputBackground: "#1f1f1f",
    inputText: "#ffffff",
    inputBorder: "#666666",
  },
};

export const THEMES = Object.freeze(Object.keys(PALETTES));

function foregroundColors(p) {
  const pair = (d, s) => ({ default: d, subtle: s });
  return {
    default: pair(p.text, p.subtle),
    dark: pair("#252424", "#605e5c"),
    light: pair(p.light, "#f3f2f1"),
    accent: pair(p.accent, p.accentSubtle),
    good: pair(p.good, p.good),
    warning: pair(p.warning, p.warning),
    attention: pair(p.attention, p.attention),
  };
}

/** Colours the host draws itself (page, card, buttons, inputs), for the gallery page. */
export function themeColors(theme) {
  const p = PALETTES[theme];
  if (!p) throw new Error(`unknown theme ${theme}; expected one of ${THEMES.join(", ")}`);
  return {
    page: p.page,
    card: p.card,
    text: p.text,
    accent: p.accent,
    buttonBackground: p.buttonBackground,
    buttonText: p.buttonText,
    buttonBorder: p.buttonBorder,
    inputBackground: p.inputBackground,
    inputText: p.inputText,
    inputBorder: p.inputBorder,
    colorScheme: theme === "dark" ? "dark" : "light",
  };
}

/** The host config (plain JSON) for `theme` ("light" or "dark"). */
export function teamsHostConfig(theme = "light") {
  const p = PALETTES[theme];
  if (!p) throw new Error(`unknown theme ${theme}; expected one of ${THEMES.join(", ")}`);
  const colors = foregroundColors(p);
  const fontSizes = { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 };
  const fontWeights = { lighter: 200, default: 400, bolder: 600 };
  return {
    choiceSetInputValueSeparator: ",",
    supportsInteractivity: true,
    fontFamily: "'Segoe UI', 'Noto Sans', 'DejaVu Sans', Tahoma, sans-serif",
    spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
    separator: { lineThickness: 1, lineColor: p.separator },
    imageSizes: { small: 32, medium: 52, large: 100 },
    fontStyles: {
      default: {
        fontFamily: "'Segoe UI', 'Noto Sans', 'DejaVu Sans', Tahoma, sans-serif",
        fontSizes,
        fontWeights,
      },
      monospace: { fontFamily: "'Courier New', 'DejaVu Sans Mono', monospace", fontSizes, fontWeights },
    },
    containerStyles: {
      default: { backgroundColor: p.card, foregroundColors: colors },
      emphasis: { backgroundColor: p.emphasis, foregroundColors: colors },
      accent: { backgroundColor: theme === "dark" ? "#3d3e66" : "#e8ebfa", foregroundColors: colors },
      good: { backgroundColor: theme === "dark" ? "#0d2e0d" : "#e7f2da", foregroundColors: colors },
      attention: { backgroundColor: theme === "dark" ? "#3e1f25" : "#fcf4f6", foregroundColors: colors },
      warning: { backgroundColor: theme === "dark" ? "#463100" : "#fbf6d9", foregroundColors: colors },
    },
    actions: {
      maxActions: 6,
      spacing: "Default",
      buttonSpacing: 8,
      showCard: { actionMode: "Inline", inlineTopMargin: 16, style: "emphasis" },
      preExpandSingleShowCardAction: false,
      actionsOrientation: "Horizontal",
      actionAlignment: "Left",
      iconPlacement: "LeftOfTitle",
    },
    adaptiveCard: { allowCustomStyle: false },
    imageSet: { imageSize: "Medium", maxImageHeight: 100 },
    factSet: {
      title: { size: "Default", color: "Default", isSubtle: false, weight: "Bolder", wrap: true },
      value: { size: "Default", color: "Default", isSubtle: false, weight: "Default", wrap: true },
      spacing: 16,
    },
    inputs: {
      label: {
        requiredInputs: { weight: "Bolder", suffix: " *", suffixColor: "Attention" },
        optionalInputs: { weight: "Default" },
      },
      errorMessage: { color: "Attention" },
    },
  };
}
