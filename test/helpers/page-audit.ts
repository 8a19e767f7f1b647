import type { Page } from 'playwright-core';

/** A text whose colour is too close to what is behind it (WCAG 2 contrast ratio). */
export interface ContrastIssue {
  text: string;
  where: string;
  color: string;
  background: string;
  ratio: number;
}

/** Something to tap that is smaller than a fingertip. */
export interface TargetIssue {
  what: string;
  where: string;
  width: number;
  height: number;
}

// Runs in the page (a string: this project's Node code is type-checked without the DOM library).
// Colours: the element's own, blended over the backgrounds of every ancestor (alpha and opacity included).
const helpers = `
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const chain = (el) => { const out = []; for (let e = el; e; e = e.parentElement) out.unshift(e); return out; };
  const background = (el) => {
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const e of chain(el)) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) bg = over(c, bg);
    }
    return bg;
  };
  const opacity = (el) => chain(el).reduce((o, e) => o * Number(getComputedStyle(e).opacity || 1), 1);
  const shown = (el) => {
    if (el.closest('[hidden]')) return false;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none';
  };
  const where = (el) => chain(el).slice(-3).map((e) => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '')).join(' > ');
  const rgb = (c) => 'rgb(' + [c.r, c.g, c.b].map(Math.round).join(', ') + ')';
`;

const contrastScript = `(() => {
  ${helpers}
  const issues = [];
  const check = (el, text, colorCss) => {
    const bg = background(el);
    const c0 = parse(colorCss);
    if (!c0) return;
    const fg = over({ ...c0, a: c0.a * opacity(el) }, bg);
    const r = ratio(fg, bg);
    if (r < (globalThis.__minRatio || 4.5)) issues.push({ text: text.slice(0, 60), where: where(el), color: rgb(fg), background: rgb(bg), ratio: Math.round(r * 100) / 100 });
  };
  for (const el of document.querySelectorAll('body *')) {
    if (!shown(el) || el.closest('.visually-hidden')) continue;
    // Inactive controls are exempt (WCAG 1.4.3).
    if (el.closest('button:disabled')) continue;
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join(' ').trim();
    if (own) check(el, own, getComputedStyle(el).color);
    if ((el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') && el.type !== 'checkbox' && el.type !== 'radio') {
      if (el.value) check(el, el.value, getComputedStyle(el).color);
      else if (el.placeholder) check(el, el.placeholder, getComputedStyle(el, '::placeholder').color);
    }
    if (el.tagName === 'SELECT') check(el, el.selectedOptions[0]?.textContent || '', getComputedStyle(el).color);
  }
  return issues;
})()`;

const targetScript = `(() => {
  ${helpers}
  const issues = [];
  const seen = new Set();
  const interactive = 'a[href], button, input, select, textarea, summary, [role="button"], [tabindex]:not([tabindex="-1"])';
  for (let el of document.querySelectorAll(interactive)) {
    if (el.matches('input[type="hidden"], :disabled')) continue;
    // A checkbox or radio is tapped through its label.
    if (el.matches('input[type="checkbox"], input[type="radio"]')) el = el.closest('label') || el;
    if (seen.has(el) || !shown(el) || el.closest('.visually-hidden')) continue;
    seen.add(el);
    // A link inside a sentence is exempt (WCAG 2.5.8 "inline"): its size is the line's.
    const s = getComputedStyle(el);
    if (el.tagName === 'A' && s.display === 'inline') {
      const around = (el.parentElement && el.parentElement.textContent || '').replace(el.textContent || '', '').trim();
      if (around) continue;
    }
    const r = el.getBoundingClientRect();
    if (Math.round(r.width) < 44 || Math.round(r.height) < 44) {
      issues.push({ what: (el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 50), where: where(el), width: Math.round(r.width), height: Math.round(r.height) });
    }
  }
  return issues;
})()`;

/** Every visible text on the page whose contrast with its background is under 4.5:1. */
export function contrastIssues(page: Page): Promise<ContrastIssue[]> {
  return page.evaluate<ContrastIssue[]>(contrastScript);
}

/** Every visible control or link smaller than 44 × 44 CSS px (links inside a sentence excepted). */
export function targetIssues(page: Page): Promise<TargetIssue[]> {
  return page.evaluate<TargetIssue[]>(targetScript);
}
