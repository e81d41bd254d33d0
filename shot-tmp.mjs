import { chromium } from 'playwright-core';
const [file, sel, out, h] = process.argv.slice(2);
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1200, height: 1000 } });
await p.goto('file://' + file);
const y = await p.evaluate((s) => document.querySelector(s).getBoundingClientRect().top + window.scrollY, sel);
await p.screenshot({ path: out, fullPage: true, clip: { x: 0, y, width: 1200, height: Number(h) } });
await b.close();
