/*
 * serve/routes_users.c - the users page of the web app (admin): the
 * accounts with their roles and state, adding one (its one-time enrolment
 * token shown once) and disabling one.  The accounts are the library's
 * (case/account.h, case/views.h); this file writes them and hands the
 * forms over.  docs/web.md lists the pages.
 */
#include "serve/pages_int.h"
#include "case/account.h"
#include "case/case.h"
#include <sodium.h>

/* ---- users (admin) ------------------------------------------------------------------ */

static void user_state(kz_html *h, const kz_view *v, size_t r)
{
    const char *st = kz_view_at(v, r, "state");     /* the library's: active, invited, disabled */
    kz_h_f(h, "<td>%s</td>", kz_h_tr(h, st && !strcmp(st, "invited") ? "not enrolled yet"
                                                                      : st ? st : ""));
}

/* A button that disables the account (none once disabled). */
static void user_action(kz_html *h, const kz_view *v, size_t r)
{
    const char *nm = kz_view_at(v, r, "name");
    char action[128];
    if (kz_view_int(v, r, "disabled") != 0 || !nm) {
        kz_wp_td(h, NULL);
        return;
    }
    snprintf(action, sizeof action, "/users/%s/disable", nm);
    kz_h_f(h, "<td><form method=\"post\" action=\"%s\" class=\"inline\">", action);
    kz_h_csrf(h);
    kz_h_f(h, "<button type=\"submit\" class=\"secondary\" aria-label=\"%s %s\">%s"
           "</button></form></td>", kz_h_tr(h, "Disable"), nm, kz_h_tr(h, "Disable"));
}

/* The users page; token: a new account's enrolment token to show once. */
static int users_page(kz_req *rq, unsigned status, const char *err, const char *name,
                      const char *token, const char *expires)
{
    static const kz_wp_col cols[] = {
        { "Name", "name", VC_TEXT, NULL }, { "Role", "role", VC_TR, NULL },
        { "State", NULL, VC_FN, user_state }, { "Created", "created_at", VC_TIME, NULL },
        { "Created by", "created_by", VC_TEXT, NULL }, { "Enrolled", "enrolled_at", VC_TIME, NULL },
        { "Action", NULL, VC_FN | VC_HIDDEN_HEAD, user_action },
    };
    static const kz_wp_tab t = { NULL, NULL, NULL, 0, NULL, cols, KZ_ARRAY_LEN(cols), NULL, NULL };
    kz_actor *a = kz_req_actor(rq);
    kz_view v;
    kz_view_init(&v);
    int rc = a ? kz_view_accounts(a, &v) : KZ_EDB;
    if (rc) {
        kz_view_release(&v);
        return kz_wp_fail(rq, a, rc);
    }
    kz_html h;
    kz_html_init(&h, rq);
    kz_page_begin(&h, "Users", "/users");
    if (token) {
        kz_h_f(&h, "<section class=\"flash ok\" role=\"status\"><p>%s <strong>%s</strong>. %s</p>"
               "<p><code class=\"token\">%s</code></p><p class=\"help\">%s <kbd>kuzet users enrol "
               "TOKEN</kbd> %s <time datetime=\"%s\">%s</time>.</p></section>",
               kz_h_tr(&h, "Account added:"), name, kz_h_tr(&h, "Its one-time enrolment token, "
               "shown only now; give it to that person only:"), token,
               kz_h_tr(&h, "With it the person sets their own password:"),
               kz_h_tr(&h, "before"), expires, expires);
    }
    kz_wp_table(&h, &t, &v);
    kz_view_release(&v);
    kz_h_f(&h, "<h2>%s</h2>", kz_h_tr(&h, "Add an account"));
    kz_h_form_begin(&h, "/users");
    kz_h_f(&h, "<p><label for=\"name\">%s</label><input id=\"name\" name=\"name\" required "
           "maxlength=\"64\" pattern=\"[a-z0-9._\\-]+\" autocomplete=\"off\" "
           "aria-describedby=\"namehelp\"></p><p id=\"namehelp\" class=\"help\">%s</p>",
           kz_h_tr(&h, "Name"), kz_h_tr(&h, "Lowercase letters, digits, dot, dash, underscore."));
    kz_h_f(&h, "<p><label for=\"role\">%s</label><select id=\"role\" name=\"role\">",
           kz_h_tr(&h, "Role"));
    const char *role;
    for (size_t i = 0; (role = kz_account_role_name(i)) != NULL; i++)
        kz_h_f(&h, "<option value=\"%s\"%s>%s</option>", role,
               !strcmp(role, "reviewer") ? " selected" : "", kz_h_tr(&h, role));
    kz_h_raw(&h, "</select></p>");
    kz_h_field_error(&h, err);
    kz_h_f(&h, "<p><button type=\"submit\">%s</button></p></form>", kz_h_tr(&h, "Add"));
    return kz_page_send(&h, status);
}

static int users_get(kz_req *rq) { return users_page(rq, 200, NULL, NULL, NULL, NULL); }

static int users_add(kz_req *rq)
{
    const kz_form *f = kz_req_form(rq);
    kz_actor *a = kz_req_actor(rq);
    char token[KZ_ENROL_TOKEN_SIZE], expires[21];
    if (!f)
        return KZ_EINVAL;
    if (!a)
        return KZ_EDB;
    const char *name = kz_form_str(f, "name"), *role = kz_form_str(f, "role");
    int rc = kz_account_invite(a, name, role, 0, token, expires, NULL);
    if (rc == KZ_EINVAL || rc == KZ_EPERM || rc == KZ_ESTATE)
        return users_page(rq, rc == KZ_EPERM ? 403 : 422, kz_account_errmsg(a), NULL, NULL, NULL);
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    /* shown once, on this answer (not a redirect: the token is never in a URL) */
    rc = users_page(rq, 201, NULL, name, token, expires);
    sodium_memzero(token, sizeof token);
    return rc;
}

static int users_disable(kz_req *rq)
{
    kz_actor *a = kz_req_actor(rq);
    const char *name = kz_req_param(rq, "name");
    if (!kz_req_form(rq))
        return KZ_EINVAL;
    if (!a || !name)
        return KZ_EDB;
    int rc = kz_account_disable(a, name);
    if (rc == KZ_EINVAL || rc == KZ_EPERM || rc == KZ_ESTATE || rc == KZ_ENOTFOUND)
        return users_page(rq, rc == KZ_EPERM ? 403 : rc == KZ_ENOTFOUND ? 404 : 409,
                          kz_account_errmsg(a), NULL, NULL, NULL);
    if (rc)
        return kz_resp_fail(rq, rc, kz_account_errmsg(a));
    return kz_page_redirect(rq, "/users");
}

/* ---- the table ---------------------------------------------------------------------- */

static const kz_route routes[] = {
    { "GET", "/users", KZ_ROLE_ADMIN, users_get, PAGE, 0 },
    { "POST", "/users", KZ_ROLE_ADMIN, users_add, PAGE, 8192 },
    { "POST", "/users/{name}/disable", KZ_ROLE_ADMIN, users_disable, PAGE, 8192 },
};

const kz_route_table kz_routes_users = { "users", routes, KZ_ARRAY_LEN(routes) };

/* ---- the messages (serve/i18n.h): { en, ru, kk } ----------------------------- */

static const kz_msg msgs[] = {
    { "Account added:", "Учётная запись добавлена:", "Тіркелгі қосылды:" },
    { "Its one-time enrolment token, shown only now; give it to that person only:",
      "Её одноразовый токен регистрации, показан только сейчас; передайте его только этому "
      "человеку:",
      "Оның бір реттік тіркелу токені, тек қазір көрсетіледі; оны тек сол адамға беріңіз:" },
    { "With it the person sets their own password:",
      "С ним человек сам задаёт свой пароль:", "Онымен адам өз құпиясөзін өзі орнатады:" },
    { "before", "до", "дейін" },
    { "Created by", "Создал", "Құрған" },
    { "Enrolled", "Зарегистрирован", "Тіркелген" },
    { "disabled", "отключена", "өшірілген" },
    { "not enrolled yet", "ещё не зарегистрирована", "әлі тіркелмеген" },
    { "Disable", "Отключить", "Өшіру" },
    { "Add an account", "Добавить учётную запись", "Тіркелгі қосу" },
    { "Lowercase letters, digits, dot, dash, underscore.",
      "Строчные латинские буквы, цифры, точка, дефис, подчёркивание.",
      "Кіші латын әріптері, сандар, нүкте, сызықша, астын сызу." },
    { "Add", "Добавить", "Қосу" },
};

const kz_msg_table kz_i18n_users = { msgs, KZ_ARRAY_LEN(msgs) };
