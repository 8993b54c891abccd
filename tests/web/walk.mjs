// tests/web/walk.mjs - the browser walk of kuzet's web app: Debian's
// chromium (headless, driven by playwright-core) goes through the reviewers'
// work and the public pages of a running `kuzet serve`, checks every page
// with axe-core, and writes a screenshot of each under WALK_SHOTS.
//
// Run by tests/t_web_browser.c, which starts the server on a prepared store;
// by hand:
//   WALK_URL=http://127.0.0.1:8080 WALK_ADMIN=root:PW WALK_SUPERVISOR=sue:PW \
//   WALK_SUPERVISOR2=sam:PW WALK_REVIEWER1=ann:PW WALK_REVIEWER2=bob:PW \
//   node tests/web/walk.mjs
//
// Each step ends passed, failed or NOT RUN (a page it needs does not exist
// yet: the step says which).  Where a step of the workflow cannot be done on
// its page, it is done over the API instead, so that the steps after it can
// still run, and it is still reported NOT RUN.  Exit status: 0 when every
// step passed; 1 when one failed; 77 when none failed but some did not run
// (the test runner reports that as skipped, never as passed).
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const BASE = (process.env.WALK_URL || '').replace(/\/$/, '');
const SHOTS = process.env.WALK_SHOTS || 'build/screenshots';
const CHROMIUM = process.env.WALK_CHROMIUM || '/usr/bin/chromium';
if (!BASE) {
    console.error('walk: WALK_URL is not set');
    process.exit(2);
}
function who(v) {
    const s = process.env[v] || '';
    const i = s.indexOf(':');
    if (i < 1) {
        console.error(`walk: ${v} is not NAME:PASSWORD`);
        process.exit(2);
    }
    return { name: s.slice(0, i), password: s.slice(i + 1) };
}
const ADMIN = who('WALK_ADMIN'), SUP = who('WALK_SUPERVISOR'), SUP2 = who('WALK_SUPERVISOR2');
const REV1 = who('WALK_REVIEWER1'), REV2 = who('WALK_REVIEWER2');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
mkdirSync(SHOTS, { recursive: true });

// ---- the record ---------------------------------------------------------
const results = [];
class NotRun extends Error {}
const notRun = (why) => { throw new NotRun(why); };
function check(cond, what) {
    if (!cond) throw new Error(what);
}
async function step(name, fn) {
    const t0 = Date.now();
    try {
        const note = await fn();
        results.push({ name, status: 'passed', note: note || '' });
    } catch (e) {
        if (e instanceof NotRun) results.push({ name, status: 'NOT RUN', note: e.message });
        else results.push({ name, status: 'FAILED', note: (e && e.stack) || String(e) });
    }
    const r = results[results.length - 1];
    console.log(`${r.status.padEnd(7)} ${name} (${Date.now() - t0} ms)${r.note ? ': ' + r.note : ''}`);
    return r.status === 'passed';
}

// ---- helpers ------------------------------------------------------------
const axeSeen = new Map();          // page name -> violations
async function axeCheck(page, name) {
    await page.evaluate(axeSource + '\n;0');     // evaluate is not subject to the page's CSP
    // the WCAG 2.x A and AA rules (the best-practice ones add time, not
    // serious findings); colour contrast is among them
    const res = await page.evaluate(() => window.axe.run(document, {
        resultTypes: ['violations'],
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    }));
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    axeSeen.set(name, bad);
    return bad;
}
async function shot(page, name) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
// Screenshot and axe a page that is open; fails on a serious or critical
// violation.  axe: false for the same page again in another language (a
// screenshot only: axe runs once per page, it costs a second or more).
async function visit(page, name, { axe = true } = {}) {
    if (!axe) {
        await shot(page, name);
        return;
    }
    const t0 = Date.now();
    await shot(page, name);
    const t1 = Date.now();
    const bad = await axeCheck(page, name);
    if (process.env.WALK_TIMES) console.log(`  ${name}: screenshot ${t1 - t0} ms, axe ${Date.now() - t1} ms`);
    check(bad.length === 0, `axe: ${bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ` +
        v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')).join('; ')}`);
}
async function exists(ctx, p) {
    const r = await ctx.request.get(BASE + p, { maxRedirects: 0, failOnStatusCode: false });
    return r.status() !== 404 && !(r.headers()['content-type'] || '').startsWith('application/json');
}

// The API, as a logged-in person of ctx (the session cookie is the
// context's; the CSRF token comes from the log-in answer).
const csrfOf = new WeakMap();
async function apiLogin(ctx, u) {
    const r = await ctx.request.post(BASE + '/api/v1/login', { data: { name: u.name, password: u.password } });
    check(r.status() === 200, `log-in of ${u.name} over the API: ${r.status()} ${await r.text()}`);
    csrfOf.set(ctx, (await r.json()).csrf_token);
}
async function api(ctx, method, p, data) {
    const r = await ctx.request.fetch(BASE + p, {
        method, data, failOnStatusCode: false,
        headers: method === 'GET' ? {} : { 'X-CSRF-Token': csrfOf.get(ctx) || '' },
    });
    let body = null;
    try { body = await r.json(); } catch { body = await r.text(); }
    return { status: r.status(), body };
}
async function caseState(ctx, id) {
    const r = await api(ctx, 'GET', `/api/v1/cases/${id}`);
    check(r.status === 200, `GET case ${id}: ${r.status}`);
    return r.body.state || (r.body.case && r.body.case.state);
}

// ---- the walk -----------------------------------------------------------
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
const started = Date.now();
const ctxOf = async (lang = 'en') => browser.newContext({ locale: lang, viewport: { width: 1280, height: 900 } });
const sup = await ctxOf(), sup2 = await ctxOf(), rev1 = await ctxOf(), rev2 = await ctxOf(), pub = await ctxOf();
const page1 = await rev1.newPage();
let loginPage = false;
const st = {};                       // what the steps found, for the later ones

await step('public: transparency report (kk, ru, en) with charts and downloads', async () => {
    const page = await pub.newPage();
    for (const lang of ['kk', 'ru', 'en']) {
        const r = await page.goto(`${BASE}/transparency?lang=${lang}`);
        check(r.status() === 200, `/transparency: ${r.status()}`);
        check(await page.getAttribute('html', 'lang') === lang, `html lang is not ${lang}`);
        await visit(page, `transparency-${lang}`, { axe: lang === 'en' });
    }
    const csv = await page.getAttribute('a[href*="format=csv"]', 'href');
    const r = await pub.request.get(new URL(csv, BASE).href);
    check(r.status() === 200 && (await r.text()).startsWith('section,key,value'), 'the CSV link');
    await page.close();
});

await step('public: audit checkpoint page', async () => {
    const page = await pub.newPage();
    const r = await page.goto(`${BASE}/checkpoint`);
    check(r.status() === 200, `/checkpoint: ${r.status()}`);
    check(/[0-9a-f]{64}/.test(await page.textContent('main')), 'no public key on the page');
    await visit(page, 'checkpoint');
    await page.close();
});

const loggedIn = {};                 // the page-logged-in context and page of the log-in step
await step('log in (reviewer) on the log-in page; own account page', async () => {
    for (const ctx of [sup, sup2, rev1, rev2])
        await apiLogin(ctx, ctx === sup ? SUP : ctx === sup2 ? SUP2 : ctx === rev1 ? REV1 : REV2);
    if (!(await exists(pub, '/login'))) notRun('no page at /login (logged in over the API instead)');
    loginPage = true;
    const ctx = await ctxOf();
    const page = await ctx.newPage();
    await page.goto(`${BASE}/login`);
    await visit(page, 'login');
    // a wrong password first: the page says so, no session
    await page.fill('input[name="name"]', REV1.name);
    await page.fill('input[name="password"]', 'not-the-password');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'),
        page.click('main button[type="submit"], main input[type="submit"]')]);
    check(page.url().includes('/login'), 'a wrong password left the log-in page');
    check(!(await ctx.cookies(BASE)).some((c) => /session/i.test(c.name)), 'a session after a wrong password');
    await page.fill('input[name="name"]', REV1.name);
    await page.fill('input[name="password"]', REV1.password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login'), { timeout: 15000 }),
        page.click('main button[type="submit"], main input[type="submit"]')]);
    check((await ctx.cookies(BASE)).some((c) => /session/i.test(c.name)), 'no session cookie after logging in');
    loggedIn.ctx = ctx;
    loggedIn.page = page;
    const r = await page.goto(`${BASE}/account`);
    check(r.status() === 200, `/account: ${r.status()}`);
    check((await page.textContent('main')).includes(REV1.name), 'the account page does not name the account');
    await visit(page, 'account');
    return `landed on ${new URL(page.url()).pathname} first`;
});

await step('the session cookie cannot be read by script (HttpOnly)', async () => {
    const cookies = await rev1.cookies(BASE);
    const sess = cookies.find((c) => /session/i.test(c.name));
    check(sess, 'no session cookie after logging in');
    check(sess.httpOnly, 'the session cookie is not HttpOnly');
    await page1.goto(`${BASE}/transparency`);
    const seen = await page1.evaluate(() => document.cookie);
    check(!seen.includes(sess.name) && !seen.includes(sess.value), `document.cookie shows it: ${seen}`);
    return `${sess.name}: HttpOnly, SameSite=${sess.sameSite}`;
});

await step('a form posted from another origin is refused', async () => {
    // the target: a case the reviewer may decide, decided by a form from
    // a data: page and from a page of a second loopback server
    const list = await api(sup, 'GET', '/api/v1/cases?state=detected');
    check(list.status === 200, `GET /api/v1/cases: ${list.status}`);
    const ids = String(typeof list.body === 'string' ? list.body : JSON.stringify(list.body))
        .match(/"id":\d+/g) || [];
    check(ids.length >= 4, `need 4 open cases, found ${ids.length}`);
    st.cases = ids.map((s) => Number(s.slice(5)));
    const target = st.cases[st.cases.length - 1];
    const a = await api(sup, 'POST', `/api/v1/cases/${target}/assign`, { to: REV1.name });
    check(a.status === 200, `assign: ${a.status} ${JSON.stringify(a.body)}`);
    const form = `<!DOCTYPE html><html lang="en"><title>x</title><form method="post" ` +
        `action="${BASE}/api/v1/cases/${target}/decide" enctype="text/plain">` +
        `<input name='{"measure":"no_action","reasons":"csrf","x":"' value='"}'>` +
        `<button>go</button></form>`;
    const other = createServer((q, s) => { s.setHeader('content-type', 'text/html'); s.end(form); });
    await new Promise((ok) => other.listen(0, '127.0.0.1', ok));
    const page = await rev1.newPage();
    const statuses = [];
    try {
        for (const from of ['data:text/html,' + encodeURIComponent(form), `http://127.0.0.1:${other.address().port}/`]) {
            await page.goto(from);
            const [resp] = await Promise.all([page.waitForResponse(() => true), page.click('button')]);
            statuses.push(resp.status());
            check(resp.status() >= 400, `a cross-origin post from ${from.slice(0, 30)} was answered ${resp.status()}`);
        }
    } finally {
        other.close();
        await page.close();
    }
    check((await caseState(sup, target)) === 'in_review', 'the case changed');
    // the web app's own form: log-out posted from the other origin, without
    // the form's CSRF field (which another site cannot read)
    if (await exists(pub, '/login')) {
        const lo = `<!DOCTYPE html><html lang="en"><title>x</title><form method="post" ` +
            `action="${BASE}/logout"><input name="x" value="1"><button>go</button></form>`;
        const other2 = createServer((q, s) => { s.setHeader('content-type', 'text/html'); s.end(lo); });
        await new Promise((ok) => other2.listen(0, '127.0.0.1', ok));
        const p2 = await rev1.newPage();
        try {
            await p2.goto(`http://127.0.0.1:${other2.address().port}/`);
            const [resp] = await Promise.all([p2.waitForResponse(() => true), p2.click('button')]);
            statuses.push(resp.status());
            check(resp.status() === 403, `log-out posted from another origin: ${resp.status()}`);
        } finally {
            other2.close();
            await p2.close();
        }
        const s2 = await api(rev1, 'GET', '/api/v1/session');
        check(s2.status === 200, 'the session ended: the cross-origin log-out was obeyed');
    }
    return `answered ${statuses.join(', ')}; nothing changed`;
});

await step('review queue: highlighted evidence, blurred image revealed on a click', async () => {
    if (!(await exists(rev1, '/queue'))) notRun('no page at /queue');
    await page1.goto(`${BASE}/queue`);
    await visit(page1, 'queue');
    check(await page1.locator('mark').count() > 0, 'no highlighted span (<mark>) in the evidence');
    const img = page1.locator('img').first();
    check(await img.count() > 0, 'no image on the review page');
    const before = await img.evaluate((e) => getComputedStyle(e).filter);
    check(/blur/.test(before), `the image is not blurred: filter ${before}`);
    await img.click();
    const after = await img.evaluate((e) => getComputedStyle(e).filter);
    check(!/blur/.test(after), 'the image is still blurred after a click');
});

await step('review page in kk, ru and en', async () => {
    if (!(await exists(rev1, '/queue'))) notRun('no page at /queue');
    for (const lang of ['kk', 'ru', 'en']) {
        await page1.goto(`${BASE}/queue?lang=${lang}`);
        check(await page1.getAttribute('html', 'lang') === lang, `html lang is not ${lang}`);
        await visit(page1, `review-${lang}`);
    }
});

await step('two reviewers opening the queue at once get different cases', async () => {
    if (!(await exists(rev1, '/queue'))) notRun('no page at /queue');
    const p2 = await rev2.newPage();
    const [a, b] = await Promise.all([page1.goto(`${BASE}/queue`), p2.goto(`${BASE}/queue`)]);
    const ca = page1.url(), cb = p2.url();
    const ida = await page1.getAttribute('[data-case-id]', 'data-case-id');
    const idb = await p2.getAttribute('[data-case-id]', 'data-case-id');
    await p2.close();
    check(a.status() === 200 && b.status() === 200, 'queue status');
    check(ida && idb && ida !== idb, `both got case ${ida} (${ca}, ${cb})`);
});

await step('decide a removal request', async () => {
    const id = st.cases && st.cases[0];
    check(id, 'no case');
    if (!(await exists(rev1, `/cases/${id}`))) {
        const a = await api(sup, 'POST', `/api/v1/cases/${id}/assign`, { to: REV1.name });
        const d = await api(rev1, 'POST', `/api/v1/cases/${id}/decide`, {
            measure: 'removal_request', legal_basis: 'Law on Mass Media, art. 2', reasons: 'walk', scope: 'KZ', days: 30 });
        check(a.status === 200 && d.status === 200, `over the API: ${a.status} ${d.status} ${JSON.stringify(d.body)}`);
        notRun(`no case page /cases/${id} (decided over the API instead)`);
    }
    notRun('the decision form is not walked yet');
});

await step('propose a block; the proposer is refused approving it', async () => {
    const id = st.cases && st.cases[1];
    check(id, 'no case');
    st.block = id;
    const a = await api(sup, 'POST', `/api/v1/cases/${id}/assign`, { to: SUP.name });
    const d = await api(sup, 'POST', `/api/v1/cases/${id}/decide`, {
        measure: 'domain_block', legal_basis: 'Law on Mass Media, art. 41-1', reasons: 'walk', scope: 'KZ', days: 30 });
    check(a.status === 200 && d.status === 200, `over the API: ${a.status} ${d.status} ${JSON.stringify(d.body)}`);
    const self = await api(sup, 'POST', `/api/v1/cases/${id}/approve`, {});
    check(self.status === 403, `the proposer approving: ${self.status}, expected 403`);
    check((await caseState(sup, id)) === 'awaiting_approval', 'not awaiting approval');
    notRun(`no case page /cases/${id}: proposed and refused over the API`);
});

await step('approve the block as the other supervisor', async () => {
    check(st.block, 'no block proposed');
    const r = await api(sup2, 'POST', `/api/v1/cases/${st.block}/approve`, {});
    check(r.status === 200, `approve: ${r.status} ${JSON.stringify(r.body)}`);
    check((await caseState(sup2, st.block)) === 'decided', 'not decided');
    const c = await api(sup2, 'GET', `/api/v1/cases/${st.block}`);
    const text = JSON.stringify(c.body);
    const m = text.match(/"url":"https?:\/\/([^/"]+)/);
    st.host = m && m[1];
    const dm = text.match(/"decisions":\[\{"id":(\d+)/);
    st.decision = dm && Number(dm[1]);
    check(st.host && st.decision, `no host or decision in ${text.slice(0, 300)}`);
    notRun('no approval page: approved over the API');
});

await step('the name is in the RPZ export', async () => {
    check(st.host, 'no block');
    let body = '';
    for (let i = 0; i < 30 && !body.includes(st.host + ' '); i++) {   // the list is reread every --list-age
        body = await (await pub.request.get(`${BASE}/api/v1/blocklist/rpz`)).text();
        if (!body.includes(st.host + ' ')) await new Promise((ok) => setTimeout(ok, 200));
    }
    const line = body.split('\n').find((l) => l.split(/\s/)[0].toLowerCase() === st.host ||
                                              l.toLowerCase().startsWith(st.host + '.'));
    check(line, `${st.host} is not in the RPZ export:\n${body.slice(0, 600)}`);
    return `${st.host} in the RPZ`;
});

await step('the figure on the public transparency page; the block page', async () => {
    check(st.decision, 'no block');
    const page = await pub.newPage();
    await page.goto(`${BASE}/transparency?lang=en`);
    const row = page.locator('tr', { has: page.locator('td', { hasText: /^links_blocked$/ }) })
        .filter({ has: page.locator('td', { hasText: /^domain_block$/ }) });
    check(await row.count() === 1, 'no links_blocked / domain_block row');
    check((await row.locator('td').nth(2).textContent()) === '1', 'links_blocked.domain_block is not 1');
    for (const lang of ['kk', 'ru', 'en']) {
        const r = await page.goto(`${BASE}/block/${st.decision}?lang=${lang}`);
        check(r.status() === 200, `/block/${st.decision}: ${r.status()}`);
        check((await page.textContent('main')).includes(st.host), 'the host is not on the block page');
        check(await page.getAttribute('html', 'lang') === lang, `html lang is not ${lang}`);
        await visit(page, `block-${lang}`, { axe: lang === 'en' });
    }
    await page.close();
});

await step('appeal and reverse it', async () => {
    check(st.block, 'no block');
    const ap = await api(rev2, 'POST', `/api/v1/cases/${st.block}/appeal`, { by: 'content_owner', grounds: 'walk' });
    const rs = await api(rev2, 'POST', `/api/v1/cases/${st.block}/resolve-appeal`, { outcome: 'reversed', reasons: 'walk' });
    check(ap.status === 200 && rs.status === 200, `over the API: ${ap.status} ${rs.status} ${JSON.stringify(rs.body)}`);
    check((await caseState(rev2, st.block)) === 'reversed', 'not reversed');
    const page = await pub.newPage();
    await page.goto(`${BASE}/block/${st.decision}?lang=en`);
    check((await page.textContent('main')).includes('no longer in effect'), 'the block page does not say it was reversed');
    await page.close();
    if (!(await exists(rev2, '/appeals'))) notRun('no page at /appeals: appealed and reversed over the API');
    notRun('the appeal pages are not walked yet');
});

await step('log out', async () => {
    if (!loggedIn.page) notRun('not logged in on the log-in page');
    const page = loggedIn.page;
    await page.goto(`${BASE}/account`);
    await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/login'), { timeout: 15000 }),
        page.click('form[action="/logout"] button')]);
    await visit(page, 'logged-out');
    const r = await loggedIn.ctx.request.get(`${BASE}/api/v1/session`, { failOnStatusCode: false });
    check(r.status() === 401, `the session still works after logging out: ${r.status()}`);
    const again = await page.goto(`${BASE}/account`);
    check(new URL(page.url()).pathname === '/login', `/account after logging out: ${again.status()} ${page.url()}`);
    await loggedIn.ctx.close();
});

await browser.close();
const n = (s) => results.filter((r) => r.status === s).length;
const pages = [...axeSeen.keys()];
console.log(`walk: ${n('passed')} passed, ${n('FAILED')} failed, ${n('NOT RUN')} not run; ` +
    `axe on ${pages.length} pages; screenshots in ${SHOTS}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(n('FAILED') ? 1 : n('NOT RUN') ? 77 : 0);
