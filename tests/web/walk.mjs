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
// Close a page or a context, bounded: Chromium can acknowledge a close that
// races a navigation's commit and never close the target, and Playwright
// then waits for ever (playwright issues 41900, 42366).  The steps wait for
// their navigations to finish before closing, so this is the second guard;
// a close that does not end in 10 s is left behind and the walk goes on.
async function closeBounded(x) {
    let timer;
    const late = new Promise((ok) => { timer = setTimeout(() => ok('late'), 10000); });
    const how = await Promise.race([x.close().then(() => 'closed', () => 'closed'), late]);
    clearTimeout(timer);
    if (how === 'late') console.log('  (a close did not end in 10 s; left behind)');
}
// Click a button that posts a form to this server and wait until the
// answer's document has loaded here (not just until the response arrived).
async function postAndLand(page, selector) {
    const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(BASE)),
        page.waitForURL((u) => u.href.startsWith(BASE), { waitUntil: 'load' }),
        page.click(selector)]);
    return resp;
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
    await closeBounded(page);
});

await step('public: audit checkpoint page', async () => {
    const page = await pub.newPage();
    const r = await page.goto(`${BASE}/checkpoint`);
    check(r.status() === 200, `/checkpoint: ${r.status()}`);
    check(/[0-9a-f]{64}/.test(await page.textContent('main')), 'no public key on the page');
    await visit(page, 'checkpoint');
    await closeBounded(page);
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
            const resp = await postAndLand(page, 'button');
            statuses.push(resp.status());
            check(resp.status() >= 400, `a cross-origin post from ${from.slice(0, 30)} was answered ${resp.status()}`);
        }
    } finally {
        other.close();
        await closeBounded(page);
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
            const resp = await postAndLand(p2, 'button');
            statuses.push(resp.status());
            check(resp.status() === 403, `log-out posted from another origin: ${resp.status()}`);
        } finally {
            other2.close();
            await closeBounded(p2);
        }
        const s2 = await api(rev1, 'GET', '/api/v1/session');
        check(s2.status === 200, 'the session ended: the cross-origin log-out was obeyed');
    }
    return `answered ${statuses.join(', ')}; nothing changed`;
});

// ---- the reviewers' pages ------------------------------------------------
const caseIdOf = (page) => Number((new URL(page.url()).pathname.match(/^\/cases\/(\d+)/) || [])[1] || 0);
// The next case from the queue page (POST /queue/next): its id, 0 when none.
async function nextCase(page) {
    await page.goto(`${BASE}/queue`);
    await Promise.all([page.waitForURL((u) => u.pathname !== '/queue' || u.search.includes('empty')),
        page.click('form[action="/queue/next"] button')]);
    return caseIdOf(page);
}
// The csrf field of the page's forms (to post by hand what a page does not offer).
const csrfField = (page) => page.getAttribute('input[name="csrf"]', 'value');
// Take a case shown on its page ("assign to me") when it is not ours yet.
async function takeIfOffered(page, id) {
    const take = page.locator(`form[action="/cases/${id}/take"] button`);
    if (await take.count())
        await Promise.all([page.waitForLoadState('load'), take.click()]);
}
async function decideOnPage(page, id, measure, basis) {
    await page.goto(`${BASE}/cases/${id}`);
    await takeIfOffered(page, id);
    await page.goto(`${BASE}/cases/${id}`);
    const form = page.locator(`form[action="/cases/${id}/decide"]`);
    check(await form.count() === 1, `no decision form on /cases/${id}`);
    await page.locator('details#decide > summary').click();
    await form.locator('select[name="measure"]').selectOption(measure);
    await form.locator('[name="legal_basis"]').fill(basis);
    await form.locator('[name="reasons"]').fill('The post offers drugs for sale (browser walk).');
    await form.locator('[name="scope"]').fill('KZ');
    if (await form.locator('[name="days"]').count()) await form.locator('[name="days"]').fill('30');
    const [resp] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'),
        form.locator('button[type="submit"]').click()]);
    await page.waitForLoadState('load');
    return resp.status();
}

await step('review queue: highlighted evidence, blurred image revealed on a click', async () => {
    if (!(await exists(rev1, '/queue'))) notRun('no page at /queue');
    await page1.goto(`${BASE}/queue`);
    await visit(page1, 'queue');
    // the case whose post has the image (post 1): from the case list
    const list = await api(sup, 'GET', '/api/v1/cases');
    const text = typeof list.body === 'string' ? list.body : JSON.stringify(list.body);
    const m = text.match(/\{[^{}]*"id":(\d+)[^{}]*"url":"[^"]*\/t\/1"/) ||
              text.match(/"id":(\d+)[^{}]*\/t\/1"/);
    const id = m ? Number(m[1]) : st.cases[0];
    st.imageCase = id;
    await page1.goto(`${BASE}/cases/${id}`);
    check(await page1.locator('mark').count() > 0, 'no highlighted span (<mark>) in the evidence');
    let fig = page1.locator('figure.media').first();
    if (!(await fig.count())) {
        const link = page1.locator('a[href*="/images"]').first();
        if (await link.count()) {
            await page1.goto(new URL(await link.getAttribute('href'), BASE).href);
            fig = page1.locator('figure.media').first();
        }
    }
    await visit(page1, 'review-en');
    if (!(await fig.count())) notRun(`no image (figure.media) on /cases/${id} or its images page`);
    const img = fig.locator('img');
    await img.waitFor();
    const before = await img.evaluate((e) => getComputedStyle(e).filter);
    check(/blur/.test(before) && /grayscale/.test(before), `the image is not blurred and grey: filter ${before}`);
    await fig.locator('button.shield, img').first().click();
    await page1.waitForTimeout(300);
    const after = await img.evaluate((e) => getComputedStyle(e).filter);
    check(!/blur/.test(after), `the image is still blurred after a click: ${after}`);
    await shot(page1, 'review-image-revealed');
    return `case ${id}: ${before} -> ${after}`;
});

await step('review page in kk, ru and en', async () => {
    if (!(await exists(rev1, '/queue'))) notRun('no page at /queue');
    const id = st.imageCase || st.cases[0];
    for (const lang of ['kk', 'ru', 'en']) {
        await page1.goto(`${BASE}/lang/${lang}?next=/cases/${id}`);
        check(new URL(page1.url()).pathname === `/cases/${id}`, `the switch went to ${page1.url()}`);
        check(await page1.getAttribute('html', 'lang') === lang, `html lang is not ${lang}`);
        // times in the viewer's zone, written as numbers (kk's "medium" date was "2026 M12 5")
        const t = await page1.locator('main time').first().textContent();
        check(!/M\d/.test(t) && /\d{2}.\d{2}.\d{4}|\d{4}.\d{2}.\d{2}/.test(t), `a time reads '${t}' in ${lang}`);
        // a shortcut key inside a button is legible: not white on near-white
        const kbd = page1.locator('button kbd').first();
        if (await kbd.count()) {
            const [c, b] = await kbd.evaluate((e) => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]);
            check(!(c === 'rgb(255, 255, 255)' && b !== 'rgba(0, 0, 0, 0)'), `kbd in a button: ${c} on ${b}`);
        }
        await visit(page1, `review-${lang}`, { axe: false });   // axed above, in English
    }
});

await step('two reviewers opening the queue at once get different cases', async () => {
    if (!(await exists(rev1, '/queue'))) notRun('no page at /queue');
    const p2 = await rev2.newPage();
    try {
        const [a, b] = await Promise.all([nextCase(page1), nextCase(p2)]);
        check(a && b, `a reviewer got no case: ${a}, ${b}`);
        check(a !== b, `both got case ${a}`);
        st.held = { [REV1.name]: a, [REV2.name]: b };
        await visit(p2, 'case-held', { axe: false });           // the case page: axed above
        return `${REV1.name}: case ${a}, ${REV2.name}: case ${b}`;
    } finally {
        await closeBounded(p2);
    }
});

await step('decide a removal request', async () => {
    if (!(await exists(rev1, '/queue'))) notRun('no page at /queue');
    const id = st.held && st.held[REV1.name];
    check(id, 'no case held by the reviewer');
    const status = await decideOnPage(page1, id, 'removal_request', 'Law on narcotic drugs, art. 10');
    check(status === 303 || status === 200, `deciding answered ${status}`);
    check((await caseState(sup, id)) === 'decided', `case ${id} is ${await caseState(sup, id)}, not decided`);
    await visit(page1, 'case-decided', { axe: false });
    return `case ${id} decided`;
});

await step('propose a block; the proposer is refused approving it', async () => {
    if (!(await exists(sup, '/queue'))) notRun('no page at /queue');
    const page = await sup.newPage();
    st.supPage = page;
    const id = await nextCase(page);
    check(id, 'the supervisor got no case from the queue');
    st.block = id;
    const status = await decideOnPage(page, id, 'domain_block', 'Law on Mass Media, art. 41-1');
    check(status === 303 || status === 200, `proposing answered ${status}`);
    check((await caseState(sup, id)) === 'awaiting_approval', 'not awaiting approval');
    await page.goto(`${BASE}/cases/${id}`);
    await visit(page, 'case-awaiting-approval');
    // the approve form, offered or not, posted by its proposer
    const csrf = await csrfField(page);
    const r = await page.request.post(`${BASE}/cases/${id}/approve`, {
        form: { csrf }, headers: { Origin: BASE, 'Sec-Fetch-Site': 'same-origin' }, maxRedirects: 0 });
    check(r.status() === 403, `the proposer approving: ${r.status()}, expected 403`);
    check((await caseState(sup, id)) === 'awaiting_approval', 'the block changed');
    return `case ${id}: refused with ${r.status()}`;
});

await step('approve the block as the other supervisor', async () => {
    if (!(await exists(sup2, '/queue'))) notRun('no page at /queue');
    check(st.block, 'no block proposed');
    const page = await sup2.newPage();
    await page.goto(`${BASE}/cases/${st.block}`);
    const btn = page.locator(`form[action="/cases/${st.block}/approve"] button`);
    check(await btn.count() === 1, 'no approve button for the other supervisor');
    await Promise.all([page.waitForLoadState('load'), btn.click()]);
    check((await caseState(sup2, st.block)) === 'decided', 'not decided after approval');
    await page.goto(`${BASE}/cases/${st.block}`);
    await visit(page, 'case-approved', { axe: false });
    const c = await api(sup2, 'GET', `/api/v1/cases/${st.block}`);
    const text = JSON.stringify(c.body);
    const m = text.match(/"url":"https?:\/\/([^/"]+)/);
    st.host = m && m[1];
    const dm = text.match(/"decisions":\[\{"id":(\d+)/);
    st.decision = dm && Number(dm[1]);
    check(st.host && st.decision, `no host or decision in ${text.slice(0, 300)}`);
    await closeBounded(page);
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
    await closeBounded(page);
});

await step('appeal and reverse it', async () => {
    check(st.block, 'no block');
    // the appeal is recorded by staff (the content owner wrote in), on its form
    if (!(await exists(rev2, '/appeals/new'))) notRun('no page at /appeals/new');
    const page = await rev2.newPage();
    await page.goto(`${BASE}/appeals/new?case=${st.block}`);
    await visit(page, 'appeal-new');
    const af = page.locator('form[action="/appeals"]');
    await af.locator('#by_content_owner').check();
    await af.locator('[name="grounds"]').fill('The shop is closed.');
    await Promise.all([page.waitForURL(`**/cases/${st.block}`), af.locator('button[type="submit"]').click()]);
    check((await caseState(rev2, st.block)) === 'appealed', `not appealed: ${await caseState(rev2, st.block)}`);
    await page.goto(`${BASE}/appeals`);
    check((await page.textContent('main')).includes(String(st.block)), `case ${st.block} is not on /appeals`);
    await visit(page, 'appeals');
    await page.goto(`${BASE}/cases/${st.block}`);
    const form = page.locator(`form[action="/cases/${st.block}/resolve-appeal"]`);
    check(await form.count() === 1, 'no form to resolve the appeal');
    await form.locator('input[name="outcome"][value="reversed"]').check();
    await form.locator('[name="reasons"]').fill('The site no longer offers drugs (browser walk).');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type="submit"]').click()]);
    check((await caseState(rev2, st.block)) === 'reversed', `not reversed: ${await caseState(rev2, st.block)}`);
    await visit(page, 'case-reversed');
    await page.goto(`${BASE}/block/${st.decision}?lang=en`);
    check((await page.textContent('main')).includes('no longer in effect'), 'the block page does not say it was reversed');
    await shot(page, 'block-reversed');
    let body = '';
    for (let i = 0; i < 30; i++) {                     // out of the RPZ within --list-age
        body = await (await pub.request.get(`${BASE}/api/v1/blocklist/rpz`)).text();
        if (!body.includes(st.host + ' ')) break;
        await new Promise((ok) => setTimeout(ok, 200));
    }
    check(!body.includes(st.host + ' '), `${st.host} is still in the RPZ export`);
    await closeBounded(page);
});

await step('the other pages: dashboard, notices, blocklist, rules, banks, platforms, users, settings', async () => {
    const want = [[sup, '/dashboard'], [sup, '/cases'], [sup, '/notices'], [sup, '/blocklist'],
        [sup, '/rules'], [sup, '/banks'], [sup, '/platforms'], [sup, '/settings']];
    const adm = await ctxOf();
    await apiLogin(adm, ADMIN);
    want.push([adm, '/users']);
    const missing = [];
    for (const [ctx, p] of want) {
        if (!(await exists(ctx, p))) { missing.push(p); continue; }
        const page = await ctx.newPage();
        const r = await page.goto(`${BASE}${p}`);
        check(r.status() === 200, `${p}: ${r.status()}`);
        await visit(page, p.slice(1));
        await closeBounded(page);
    }
    await closeBounded(adm);
    if (missing.length) notRun(`no page at ${missing.join(', ')}`);
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
    await closeBounded(loggedIn.ctx);
});

await closeBounded(browser);
const n = (s) => results.filter((r) => r.status === s).length;
const pages = [...axeSeen.keys()];
console.log(`walk: ${n('passed')} passed, ${n('FAILED')} failed, ${n('NOT RUN')} not run; ` +
    `axe on ${pages.length} pages; screenshots in ${SHOTS}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(n('FAILED') ? 1 : n('NOT RUN') ? 77 : 0);
