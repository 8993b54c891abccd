/*
 * serve/i18n.h - the languages of the web app: Kazakh, Russian, English.
 *
 * Messages are looked up by their English text:
 *     kz_tr(lang, "Log in")          "Кіру" in Kazakh, "Войти" in Russian
 * A message no catalogue has is shown in English (the key itself), so a
 * missing translation is never an empty page.  The catalogues are tables
 * of { en, ru, kk } rows (serve/i18n.c: kz_i18n_core, and any table listed
 * in kz_i18n_tables there); a row's ru or kk may be NULL (English shown).
 *
 * Which language a request is answered in (kz_lang_of, serve/html.c): the
 * "lang" cookie the switch sets, else the first language of
 * Accept-Language it knows (by q-value), else the server's default
 * (kuzet serve --lang; English when not set).
 */
#ifndef KZ_SERVE_I18N_H
#define KZ_SERVE_I18N_H

#include <stddef.h>

typedef enum { KZ_LANG_KK = 0, KZ_LANG_RU = 1, KZ_LANG_EN = 2, KZ_LANG_N = 3 } kz_lang;

typedef struct kz_msg {
    const char *en, *ru, *kk;
} kz_msg;

typedef struct kz_msg_table {
    const kz_msg *rows;
    size_t        n;
} kz_msg_table;

/* The message en in lang (en itself when not translated). */
const char *kz_tr(kz_lang lang, const char *en);

/* "kk", "ru", "en"; and back (-1 for an unknown code). */
const char *kz_lang_code(kz_lang lang);
int kz_lang_parse(const char *code);
/* The language's own name ("Қазақша", "Русский", "English"). */
const char *kz_lang_name(kz_lang lang);

/* The best language of an Accept-Language header (RFC 9110 12.5.4: the
 * highest q; "kk-KZ" counts as kk; q=0 means not wanted), or -1 when it
 * names none of ours. */
int kz_lang_accept(const char *accept_language);

/* The server's default language (kuzet serve --lang). */
void kz_lang_set_default(kz_lang lang);
kz_lang kz_lang_default(void);

#endif
