/*
 * case/notice_text.c - a notice's facts from the store, and what it says in
 * kk, ru and en: plain text, the e-mail message, the JSON body, and the
 * parser of an endpoint's answer (case/notice_text.h).
 */
#include "case/notice_text.h"
#include "case/platform.h"
#include "case/case_int.h"
#include "util/utf8.h"
#include <json-c/json.h>
#include <sodium.h>

/* ---- the facts ----------------------------------------------------------- */

static char *dup_col(kz_dbres *r, int col)
{
    size_t n = 0;
    const char *s = kz_dbres_text(r, col, &n);
    return kz_strndup(s ? s : "", s ? n : 0);
}

void kz_notice_facts_release(kz_notice_facts *f)
{
    if (!f)
        return;
    free(f->url);
    free(f->item_ref);
    free(f->legal_basis);
    free(f->reasons);
    free(f->scope);
    f->url = f->item_ref = f->legal_basis = f->reasons = f->scope = NULL;
}

int kz_notice_facts_load(kz_actor *a, int64_t notice_id, kz_notice_facts *f)
{
    kz_dbres *r = NULL;
    kz_dbval p[] = { kz_dbint(notice_id) };
    memset(f, 0, sizeof *f);
    int rc = kz_db_query(kz_store_db(a->s),
                         "SELECT n.id, c.id, i.id, p.name, p.notice_language, p.notice_contact, "
                         "p.api_endpoint, p.legal_representative, p.legal_rep_email, n.sent_at, "
                         "n.deadline, d.ends_at, n.complied_at, c.category, d.measure, "
                         "d.reversed_at, COALESCE(i.url, i.canonical_url), i.source_ref, "
                         "d.legal_basis, d.facts_and_reasons, d.territorial_scope "
                         "FROM notices n JOIN decisions d ON d.id = n.decision_id "
                         "JOIN cases c ON c.id = d.case_id JOIN items i ON i.id = c.item_id "
                         "LEFT JOIN platforms p ON p.id = n.platform_id WHERE n.id = $1",
                         p, 1, &r);
    if (rc)
        return kz__dbfail(a, rc, "reading the notice");
    if ((rc = kz_dbres_next(r)) == 1) {
        f->notice_id = kz_dbres_int(r, 0);
        f->case_id = kz_dbres_int(r, 1);
        f->item_id = kz_dbres_int(r, 2);
        kz__col_copy(r, 3, f->platform, sizeof f->platform);
        kz__col_copy(r, 4, f->language, sizeof f->language);
        kz__col_copy(r, 5, f->email, sizeof f->email);
        kz__col_copy(r, 6, f->endpoint, sizeof f->endpoint);
        kz__col_copy(r, 7, f->rep_name, sizeof f->rep_name);
        kz__col_copy(r, 8, f->rep_email, sizeof f->rep_email);
        kz__col_copy(r, 9, f->sent_at, sizeof f->sent_at);
        kz__col_copy(r, 10, f->deadline, sizeof f->deadline);
        kz__col_copy(r, 11, f->ends_at, sizeof f->ends_at);
        kz__col_copy(r, 12, f->complied_at, sizeof f->complied_at);
        kz__col_copy(r, 13, f->category, sizeof f->category);
        kz__col_copy(r, 14, f->measure, sizeof f->measure);
        f->reversed = !kz_dbres_null(r, 15);
        f->url = dup_col(r, 16);
        f->item_ref = dup_col(r, 17);
        f->legal_basis = dup_col(r, 18);
        f->reasons = dup_col(r, 19);
        f->scope = dup_col(r, 20);
        rc = f->url && f->item_ref && f->legal_basis && f->reasons && f->scope ? 0 : KZ_ENOMEM;
    } else if (rc == 0) {
        rc = KZ_ENOTFOUND;
    }
    kz_dbres_done(r);
    if (rc) {
        kz_notice_facts_release(f);
        if (rc == KZ_ENOTFOUND)
            return kz__fail(a, rc, "no notice %lld", (long long)notice_id);
        return rc == KZ_ENOMEM ? kz__fail(a, rc, "out of memory")
                               : kz__dbfail(a, rc, "reading the notice");
    }
    return 0;
}

/* ---- the words ----------------------------------------------------------- */

/* Each language's phrases, in the same order of arguments in every
 * language (the formats take the same conversions). */
typedef struct lang {
    const char *code;
    const char *subject;        /* notice id, what is asked, deadline */
    const char *subject_esc;    /* notice id, deadline */
    const char *removal, *geo;  /* what is asked */
    const char *greeting;       /* platform */
    const char *esc_greeting;   /* representative, platform */
    const char *esc_intro;      /* notice id, sent at, what is asked, deadline */
    const char *intro;          /* notice id, case id */
    const char *what;           /* what is asked, category */
    const char *where, *item, *item_ref, *basis, *reasons, *scope, *until, *deadline;
    const char *answer;         /* notice id, notice id */
    const char *appeal;
    const char *sign;
} lang;

static const lang langs[] = {
    { "en",
      "Notice %lld: %s by %s",
      "Escalation: notice %lld not complied with by %s",
      "remove the content", "restrict access to the content in the territory named below",
      "To %s,\n",
      "To %s, legal representative of %s,\n",
      "Notice %lld, sent on %s, asked the platform to %s by %s. The deadline has passed and no "
      "compliance has been recorded. As the platform's legal representative you are asked to "
      "see that the notice is complied with or answered without delay.\n",
      "This is notice %lld (case %lld) under the law on online platforms.\n",
      "What: you are asked to %s. The content was found to fall under \"%s\".\n",
      "Where: ", "Item: kuzet item %lld", ", platform reference ", "Legal basis: ",
      "Facts and reasons: ", "Territorial scope: ", "The measure applies until: ",
      "Deadline: %s (UTC)\n",
      "How to answer: reply to this e-mail keeping \"notice %lld\" in the subject, or send the "
      "answer through the API (POST /api/v1/notices/%lld/answer). Say what was done (removed, "
      "restricted) and when.\n",
      "How to appeal: the platform or the author of the content may appeal this decision by "
      "replying with the grounds of the appeal. A reviewer who took no part in the decision "
      "considers it; the notice stays in force until the appeal is decided.\n",
      "This notice was sent by kuzet; keep it with your records.\n" },
    { "ru",
      "Уведомление %lld: %s, срок — %s",
      "Эскалация: уведомление %lld не исполнено к сроку %s",
      "удалить материал", "ограничить доступ к материалу на указанной ниже территории",
      "Кому: %s\n",
      "Кому: %s, законному представителю платформы %s\n",
      "Уведомлением %lld, направленным %s, платформе было предложено %s до %s. Срок истёк, "
      "исполнение не зарегистрировано. Как законного представителя платформы просим вас без "
      "промедления обеспечить исполнение уведомления или ответ на него.\n",
      "Это уведомление %lld (дело %lld) в соответствии с законом об онлайн-платформах.\n",
      "Что: вам предлагается %s. Материал отнесён к категории «%s».\n",
      "Где: ", "Материал: материал kuzet %lld", ", ссылка платформы ", "Правовое основание: ",
      "Факты и обоснование: ", "Территория: ", "Мера действует до: ",
      "Срок исполнения: %s (UTC)\n",
      "Как ответить: ответьте на это письмо, сохранив в теме «уведомление %lld», или "
      "отправьте ответ через API (POST /api/v1/notices/%lld/answer). Укажите, что сделано "
      "(удалено, ограничено) и когда.\n",
      "Как обжаловать: платформа или автор материала могут обжаловать это решение, ответив "
      "на это письмо с изложением оснований жалобы. Жалобу рассматривает сотрудник, не "
      "участвовавший в принятии решения; до её рассмотрения уведомление остаётся в силе.\n",
      "Уведомление отправлено системой kuzet; сохраните его.\n" },
    { "kk",
      "Хабарлама %lld: %s, мерзімі — %s",
      "Ескерту: %lld хабарлама %s мерзімінде орындалмады",
      "материалды жою", "төменде көрсетілген аумақта материалға қолжетімділікті шектеу",
      "Кімге: %s\n",
      "Кімге: %s, %s платформасының заңды өкілі\n",
      "%lld хабарлама %s күні жіберілді, онда платформадан %s талап етілді, мерзімі — %s. "
      "Мерзім өтті, орындалғаны тіркелмеді. Платформаның заңды өкілі ретінде хабарламаның "
      "орындалуын немесе оған жауап берілуін кідіртпей қамтамасыз етуіңізді сұраймыз.\n",
      "Бұл — онлайн-платформалар туралы заңға сәйкес %lld хабарлама (%lld іс).\n",
      "Не: сізден %s талап етіледі. Материал «%s» санатына жатқызылды.\n",
      "Қайда: ", "Материал: kuzet материалы %lld", ", платформадағы сілтеме ",
      "Құқықтық негіз: ", "Фактілер мен негіздеме: ", "Аумақ: ", "Шара мына күнге дейін қолданылады: ",
      "Орындау мерзімі: %s (UTC)\n",
      "Қалай жауап беру керек: осы хатқа жауап беріңіз, тақырыпта «%lld хабарлама» сақталсын, "
      "немесе жауапты API арқылы жіберіңіз (POST /api/v1/notices/%lld/answer). Не істелгенін "
      "(жойылды, шектелді) және қашан екенін көрсетіңіз.\n",
      "Қалай шағымдану керек: платформа немесе материал авторы шағымның негіздерін көрсетіп, "
      "осы хатқа жауап беру арқылы бұл шешімге шағымдана алады. Шағымды шешім қабылдауға "
      "қатыспаған қызметкер қарайды; шағым қаралғанға дейін хабарлама күшінде қалады.\n",
      "Хабарламаны kuzet жүйесі жіберді; оны сақтаңыз.\n" },
};

static const lang *lang_of(const char *code)
{
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
        if (!strcmp(langs[i].code, code))
            return &langs[i];
    return &langs[0];
}

static const char *asked(const lang *l, const kz_notice_facts *f)
{
    return strcmp(f->measure, "geo_restriction") ? l->removal : l->geo;
}

/* "label value\n", the value's line breaks kept, when it is not empty */
static int line(kz_buf *b, const char *label, const char *v)
{
    if (!v || !*v)
        return 0;
    int rc = kz_buf_adds(b, label);
    if (!rc) rc = kz_buf_adds(b, v);
    if (!rc) rc = kz_buf_addc(b, '\n');
    return rc;
}

int kz_notice_text(const kz_notice_facts *f, int kind, kz_buf *subject, kz_buf *body)
{
    const lang *l = lang_of(f->language);
    long long nid = (long long)f->notice_id;
    int rc = kind == KZ_NOTICE_ESCALATION
                 ? kz_buf_addf(subject, l->subject_esc, nid, f->deadline)
                 : kz_buf_addf(subject, l->subject, nid, asked(l, f), f->deadline);
    if (rc)
        return rc;
    if (kind == KZ_NOTICE_ESCALATION) {
        if ((rc = kz_buf_addf(body, l->esc_greeting, f->rep_name[0] ? f->rep_name : "-",
                              f->platform)) ||
            (rc = kz_buf_addc(body, '\n')) ||
            (rc = kz_buf_addf(body, l->esc_intro, nid, f->sent_at, asked(l, f), f->deadline)) ||
            (rc = kz_buf_addc(body, '\n')))
            return rc;
    } else if ((rc = kz_buf_addf(body, l->greeting, f->platform)) ||
               (rc = kz_buf_addc(body, '\n'))) {
        return rc;
    }
    if ((rc = kz_buf_addf(body, l->intro, nid, (long long)f->case_id)) ||
        (rc = kz_buf_addc(body, '\n')) ||
        (rc = kz_buf_addf(body, l->what, asked(l, f), f->category)) ||
        (rc = line(body, l->where, f->url[0] ? f->url : "-")) ||
        (rc = kz_buf_addf(body, l->item, (long long)f->item_id)) ||
        (rc = f->item_ref[0] ? kz_buf_adds(body, l->item_ref) : 0) ||
        (rc = kz_buf_adds(body, f->item_ref)) || (rc = kz_buf_addc(body, '\n')) ||
        (rc = line(body, l->basis, f->legal_basis)) ||
        (rc = line(body, l->reasons, f->reasons)) ||
        (rc = line(body, l->scope, f->scope)) ||
        (rc = line(body, l->until, f->ends_at)) ||
        (rc = kz_buf_addf(body, l->deadline, f->deadline)) ||
        (rc = kz_buf_addc(body, '\n')) ||
        (rc = kz_buf_addf(body, l->answer, nid, nid)) ||
        (rc = kz_buf_addc(body, '\n')) ||
        (rc = kz_buf_adds(body, l->appeal)) ||
        (rc = kz_buf_addc(body, '\n')) ||
        (rc = kz_buf_adds(body, l->sign)))
        return rc;
    return 0;
}

/* ---- the e-mail ---------------------------------------------------------- */

/* base64 of s[0..n), lines of at most 76 characters ending in CRLF */
static int base64_lines(kz_buf *out, const char *s, size_t n)
{
    char enc[105];
    for (size_t off = 0; off < n; off += 57) {
        size_t k = n - off < 57 ? n - off : 57;
        sodium_bin2base64(enc, sizeof enc, (const unsigned char *)s + off, k,
                          sodium_base64_VARIANT_ORIGINAL);
        int rc = kz_buf_adds(out, enc);
        if (!rc) rc = kz_buf_adds(out, "\r\n");
        if (rc)
            return rc;
    }
    return 0;
}

/* Subject: as RFC 2047 encoded-words, each holding whole UTF-8 characters
 * (at most 45 bytes: 60 characters of base64), folded. */
static int encoded_words(kz_buf *out, const char *s)
{
    size_t n = strlen(s);
    char enc[65];
    int rc = 0;
    for (size_t off = 0; off < n && !rc;) {
        size_t k = n - off < 45 ? n - off : 45;
        while (off + k < n && k > 0 && ((unsigned char)s[off + k] & 0xC0) == 0x80)
            k--;                /* do not cut a character */
        sodium_bin2base64(enc, sizeof enc, (const unsigned char *)s + off, k,
                          sodium_base64_VARIANT_ORIGINAL);
        rc = kz_buf_addf(out, "%s=?UTF-8?B?%s?=", off ? "\r\n " : "", enc);
        off += k;
    }
    return rc;
}

/* "Sat, 05 Dec 2026 18:04:58 +0000" from "2026-12-05T18:04:58Z" */
static int rfc5322_date(const char *now, char out[40])
{
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t t;
    struct tm tm;
    if (kz__time_parse(now, &t) || !gmtime_r(&t, &tm))
        return KZ_EINVAL;
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return 0;
}

int kz_notice_email(const kz_notice_facts *f, int kind, const char *from, const char *to,
                    const char *now, const char *msgid, kz_buf *out)
{
    kz_buf subj, body;
    char date[40];
    int rc;
    if (!kz_platform_email_ok(from, NULL) || !kz_platform_email_ok(to, NULL) ||
        rfc5322_date(now, date) || !msgid || strpbrk(msgid, "<>\r\n "))
        return KZ_EINVAL;
    kz_buf_init(&subj, 1u << 16);
    kz_buf_init(&body, 1u << 20);
    if (!(rc = kz_notice_text(f, kind, &subj, &body)) &&
        !(rc = kz_buf_addf(out, "From: kuzet <%s>\r\nTo: %s\r\nSubject: ", from, to)) &&
        !(rc = encoded_words(out, subj.p ? subj.p : "")) &&
        !(rc = kz_buf_addf(out, "\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: text/plain; charset=UTF-8\r\n"
                           "Content-Transfer-Encoding: base64\r\nContent-Language: %s\r\n"
                           "X-Kuzet-Notice: %lld\r\nX-Kuzet-Kind: %s\r\n\r\n", date, msgid,
                           lang_of(f->language)->code, (long long)f->notice_id,
                           kind == KZ_NOTICE_ESCALATION ? "escalation" : "notice")))
        rc = base64_lines(out, body.p ? body.p : "", body.len);
    kz_buf_release(&subj);
    kz_buf_release(&body);
    return rc;
}

/* ---- the JSON body ------------------------------------------------------- */

int kz_notice_json(const kz_notice_facts *f, int kind, kz_buf *out)
{
    kz_buf subj, body;
    kz_jw j;
    kz_buf_init(&subj, 1u << 16);
    kz_buf_init(&body, 1u << 20);
    kz_jw_init(&j);
    int rc = kz_notice_text(f, kind, &subj, &body);
    char route[64];
    snprintf(route, sizeof route, "/api/v1/notices/%lld/answer", (long long)f->notice_id);
    kz_jw_raw(&j, "{");
    kz_jw_int(&j, "notice_id", f->notice_id);
    kz_jw_str(&j, "kind", kind == KZ_NOTICE_ESCALATION ? "escalation" : "notice");
    kz_jw_int(&j, "case_id", f->case_id);
    kz_jw_str(&j, "platform", f->platform);
    kz_jw_str(&j, "language", lang_of(f->language)->code);
    kz_jw_str(&j, "url", f->url[0] ? f->url : NULL);
    kz_jw_key(&j, "item");
    kz_jw_raw(&j, "{");
    kz_jw_int(&j, "id", f->item_id);
    kz_jw_str(&j, "ref", f->item_ref[0] ? f->item_ref : NULL);
    kz_jw_raw(&j, "}");
    kz_jw_str(&j, "category", f->category);
    kz_jw_str(&j, "measure", f->measure);
    kz_jw_str(&j, "legal_basis", f->legal_basis);
    kz_jw_str(&j, "reasons", f->reasons);
    kz_jw_str(&j, "territorial_scope", f->scope[0] ? f->scope : NULL);
    kz_jw_str(&j, "measure_until", f->ends_at[0] ? f->ends_at : NULL);
    kz_jw_str(&j, "sent_at", f->sent_at);
    kz_jw_str(&j, "deadline", f->deadline);
    kz_jw_str(&j, "answer_to", route);
    kz_jw_str(&j, "subject", subj.p ? subj.p : "");
    kz_jw_str(&j, "text", body.p ? body.p : "");
    kz_jw_raw(&j, "}");
    if (!rc)
        rc = j.rc ? j.rc : kz_buf_add(out, j.b.p, j.b.len);
    kz_jw_release(&j);
    kz_buf_release(&subj);
    kz_buf_release(&body);
    return rc;
}

/* ---- an endpoint's answer ------------------------------------------------ */

int kz_notice_parse_answer(const char *body, size_t n, kz_buf *answer, const char **why)
{
    const char *w = NULL;
    int rc = 0;
    if (why)
        *why = NULL;
    if (!body || !n || n > (1u << 20))
        return 0;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return KZ_ENOMEM;
    json_object *o = json_tokener_parse_ex(tok, body, (int)n);
    /* a valid object must end where the body does (trailing spaces aside) */
    if (o && json_tokener_get_error(tok) == json_tokener_success) {
        for (size_t i = json_tokener_get_parse_end(tok); i < n; i++)
            if (!strchr(" \t\r\n", body[i])) {
                json_object_put(o);
                o = NULL;
                break;
            }
    } else if (o) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    json_object *v = NULL;
    if (!o || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "answer", &v) || json_object_is_type(v, json_type_null))
        goto out;
    if (!json_object_is_type(v, json_type_string)) {
        w = "\"answer\" is not a string";
        goto out;
    }
    const char *s = json_object_get_string(v);
    size_t len = (size_t)json_object_get_string_len(v);
    if (!len || len > 16384) {
        w = "\"answer\" is empty or longer than 16384 bytes";
        goto out;
    }
    if (memchr(s, 0, len) || kz_utf8_invalid_count(s, len) != 0) {
        w = "\"answer\" is not valid UTF-8 text";
        goto out;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 && !strchr("\n\t\r", s[i])) {
            w = "\"answer\" has a control character";
            goto out;
        }
    rc = kz_buf_add(answer, s, len) ? KZ_ENOMEM : 1;
out:
    json_object_put(o);
    if (w) {
        rc = KZ_EINVAL;
        if (why)
            *why = w;
    }
    return rc;
}
