/*
 * tests/t_jsonl.c - ingest/jsonl.c: fields, escapes, bytes that are not
 * UTF-8, surrogates, NUL, html records and every error message.
 */
#include "kt.h"
#include "ingest/jsonl.h"

static kz_jsonl *j;
static kz_record r;

/* Parse a C string literal (no NUL inside the line itself). */
static int parse_n(const char *line, size_t n)
{
    if (!j)
        j = kz_jsonl_new(1 << 20);
    memset(&r, 0x55, sizeof r);
    return kz_jsonl_parse(j, line, n, &r);
}

static int parse(const char *line) { return parse_n(line, strlen(line)); }

KT_TEST(jsonl_all_fields)
{
    KT_EQ_INT(parse("{\"id\":\"tg_42\",\"url\":\"https://t.me/x/42\",\"platform\":\"telegram\","
                    "\"published\":\"2024-05-01T10:00:00Z\",\"lang\":\"kk\","
                    "\"text\":\"Сәлем, әлем\",\"extra\":{\"a\":[1,2]}}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "tg_42");
    KT_CHECK(!r.id_is_number);
    KT_EQ_MEM(r.url, r.url_len, "https://t.me/x/42");
    KT_EQ_MEM(r.platform, r.platform_len, "telegram");
    KT_EQ_MEM(r.published, r.published_len, "2024-05-01T10:00:00Z");
    KT_EQ_MEM(r.lang, r.lang_len, "kk");
    KT_EQ_MEM(r.text, r.text_len, "Сәлем, әлем");
    KT_CHECK(!r.from_html);
    KT_EQ_STR(kz_jsonl_errmsg(j), "");
    kz_jsonl_free(j);
}

KT_TEST(jsonl_optional_fields_absent)
{
    KT_EQ_INT(parse("{\"text\":\"x\"}"), 0);
    KT_CHECK(r.id == NULL && r.id_len == 0 && !r.id_is_number);
    KT_CHECK(r.url == NULL && r.platform == NULL && r.published == NULL && r.lang == NULL);
    KT_EQ_MEM(r.text, r.text_len, "x");
    /* wrong types are treated as absent (but not for the id: below) */
    KT_EQ_INT(parse("{\"id\":null,\"url\":1,\"platform\":null,\"lang\":[],\"text\":\"\"}"), 0);
    KT_CHECK(r.id == NULL && r.url == NULL && r.platform == NULL && r.lang == NULL);
    KT_CHECK(r.text != NULL);
    KT_EQ_INT(r.text_len, 0);
    kz_jsonl_free(j);
}

KT_TEST(jsonl_id_number_vs_string)
{
    KT_EQ_INT(parse("{\"id\":12345,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "12345");
    KT_CHECK(r.id_is_number);
    KT_EQ_INT(parse("{\"id\":\"12345\",\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "12345");
    KT_CHECK(!r.id_is_number);
    /* 64-bit ids (snowflakes) stay exact; other numbers keep their text */
    KT_EQ_INT(parse("{\"id\":1790012345678901234,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "1790012345678901234");
    KT_EQ_INT(parse("{\"id\":-7,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "-7");
    KT_EQ_INT(parse("{\"id\":1.50e3,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "1.50e3");
    KT_CHECK(r.id_is_number);
    /* past 64 bits, -0 and the ends of the range keep their text */
    KT_EQ_INT(parse("{\"id\":18446744073709551617,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "18446744073709551617");
    KT_EQ_INT(parse("{\"id\":123456789012345678901234567890,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "123456789012345678901234567890");
    KT_CHECK(r.id_is_number);
    KT_EQ_INT(parse("{\"id\": -0 ,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "-0");
    KT_EQ_INT(parse("{\"id\":0,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "0");
    KT_EQ_INT(parse("{\"id\":-9223372036854775809,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "-9223372036854775809");
    KT_EQ_INT(parse("{\"id\":9223372036854775807,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "9223372036854775807");
    /* the last of repeated keys, as json-c; nested "id"s and escaped keys */
    KT_EQ_INT(parse("{\"id\":\"a\",\"x\":{\"id\":5,\"s\":\"}\\\"\"},\"\\u0069d\":-0,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "-0");
    KT_EQ_INT(parse("{\"id\":1e999,\"text\":\"x\"}"), 0);
    KT_EQ_MEM(r.id, r.id_len, "1e999");
    /* NaN is accepted by the lenient parser but is no id; nor is a boolean,
     * an object or an array: the record is rejected, saying why */
    KT_EQ_INT(parse("{\"id\":NaN,\"text\":\"x\"}"), KZ_EBADJSON);
    KT_EQ_INT(parse("{\"id\":true,\"text\":\"x\"}"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "\"id\" is a boolean; an id is a string or a number");
    KT_EQ_INT(parse("{\"id\":{},\"text\":\"x\"}"), KZ_EBADJSON);
    KT_EQ_INT(parse("{\"id\":[1],\"text\":\"x\"}"), KZ_EBADJSON);
    KT_EQ_INT(parse("{\"id\":1234567890123456789012345678901234567890123456789012345678901234567890,\"text\":\"x\"}"), KZ_EBADJSON);
    kz_jsonl_free(j);
}

KT_TEST(jsonl_escapes)
{
    KT_EQ_INT(parse("{\"text\":\"a\\nb \\\"q\\\" \\\\ \\/ \\t\\u0436\\u00AB\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "a\nb \"q\" \\ / \tж«");
    /* a surrogate pair is one emoji */
    KT_EQ_INT(parse("{\"text\":\"\\ud83d\\ude00!\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "\xF0\x9F\x98\x80!");
    kz_jsonl_free(j);
}

KT_TEST(jsonl_lone_surrogates_become_replacement_char)
{
    KT_EQ_INT(parse("{\"text\":\"a\\ud800b\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "a\xEF\xBF\xBD" "b");
    KT_EQ_INT(parse("{\"text\":\"a\\udc00b\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "a\xEF\xBF\xBD" "b");
    KT_EQ_INT(parse("{\"text\":\"a\\ud800\\u0041\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "a\xEF\xBF\xBD" "A");
    KT_EQ_INT(parse("{\"text\":\"\\ud800\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "\xEF\xBF\xBD");
    kz_jsonl_free(j);
}

KT_TEST(jsonl_invalid_utf8_passes_through)
{
    KT_EQ_INT(parse("{\"id\":\"\xff\",\"text\":\"a\xff" "b\xc0\x80" "c\xed\xa0\x80" "d\xe2\x82\"}"),
              0);
    KT_EQ_MEM(r.text, r.text_len, "a\xff" "b\xc0\x80" "c\xed\xa0\x80" "d\xe2\x82");
    KT_EQ_MEM(r.id, r.id_len, "\xff");
    kz_jsonl_free(j);
}

KT_TEST(jsonl_nul_escape_kept_with_length)
{
    KT_EQ_INT(parse("{\"text\":\"a\\u0000b\"}"), 0);
    KT_EQ_INT(r.text_len, 3);
    KT_CHECK(memcmp(r.text, "a\0b", 3) == 0);
    /* a raw NUL byte in the line does not crash either way */
    int rc = parse_n("{\"text\":\"a\0b\"}", 14);
    KT_CHECK(rc == 0 || rc == KZ_EBADJSON);
    kz_jsonl_free(j);
}

KT_TEST(jsonl_crlf_and_bom)
{
    KT_EQ_INT(parse("{\"id\":1,\"text\":\"windows\"}\r"), 0);
    KT_EQ_MEM(r.text, r.text_len, "windows");
    KT_EQ_INT(parse("\xEF\xBB\xBF{\"text\":\"bom\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "bom");
    KT_EQ_INT(parse("  {\"text\":\"spaces\"}  "), 0);
    kz_jsonl_free(j);
}

KT_TEST(jsonl_line_not_nul_terminated)
{
    /* the parser must stop at n: here the bytes after it would make it fail */
    const char line[] = "{\"text\":\"ok\"}garbage";
    KT_EQ_INT(parse_n(line, 13), 0);
    KT_EQ_MEM(r.text, r.text_len, "ok");
    kz_jsonl_free(j);
}

KT_TEST(jsonl_error_messages)
{
    KT_EQ_INT(parse("{\"text\": tru}"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "not JSON: boolean expected at byte 13");
    KT_EQ_INT(parse("{\"text\":\"abc"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "not JSON: unexpected end of line");
    KT_EQ_INT(parse("hello"), KZ_EBADJSON);
    KT_CHECK(strncmp(kz_jsonl_errmsg(j), "not JSON: ", 10) == 0);
    KT_CHECK(strstr(kz_jsonl_errmsg(j), " at byte 1") != NULL);
    KT_EQ_INT(parse("{\"text\":\"x\"} z"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "not JSON: unexpected text after the value at byte 14");
    KT_EQ_INT(parse(""), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "not JSON: empty line");
    KT_EQ_INT(parse("[1,2]"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "not a JSON object");
    KT_EQ_INT(parse("null"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "not a JSON object");
    KT_EQ_INT(parse("42"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "not a JSON object");
    KT_EQ_INT(parse("\"s\""), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "not a JSON object");
    KT_EQ_INT(parse("{\"id\":1}"), KZ_ENOTEXT);
    KT_EQ_STR(kz_jsonl_errmsg(j), "no \"text\" or \"html\" string");
    KT_EQ_INT(parse("{\"text\":5}"), KZ_ENOTEXT);
    KT_EQ_STR(kz_jsonl_errmsg(j), "\"text\" is not a string");
    KT_EQ_INT(parse("{\"html\":[]}"), KZ_ENOTEXT);
    KT_EQ_STR(kz_jsonl_errmsg(j), "\"html\" is not a string");
    /* a failed parse leaves an empty record */
    KT_CHECK(r.text == NULL && r.id == NULL);
    kz_jsonl_free(j);
}

KT_TEST(jsonl_deep_nesting_is_an_error_not_a_crash)
{
    size_t n = 200000;
    char *s = malloc(n + 16);
    KT_CHECK(s != NULL);
    memcpy(s, "{\"text\":\"x\",\"a\":", 16);
    memset(s + 16, '[', n);
    KT_EQ_INT(parse_n(s, n + 16), KZ_EBADJSON);
    KT_CHECK(strstr(kz_jsonl_errmsg(j), "nesting too deep") != NULL);
    free(s);
    kz_jsonl_free(j);
}

KT_TEST(jsonl_over_limit)
{
    kz_jsonl *small = kz_jsonl_new(1048576);
    size_t n = 2000000;
    char *s = malloc(n);
    kz_record rec;
    KT_CHECK(small && s);
    memset(s, ' ', n);
    KT_EQ_INT(kz_jsonl_parse(small, s, n, &rec), KZ_ETOOBIG);
    KT_EQ_STR(kz_jsonl_errmsg(small), "line is 2000000 bytes, over the limit of 1048576");
    /* the handle still works afterwards */
    KT_EQ_INT(kz_jsonl_parse(small, "{\"text\":\"ok\"}", 13, &rec), 0);
    KT_EQ_MEM(rec.text, rec.text_len, "ok");
    free(s);
    kz_jsonl_free(small);
}

KT_TEST(jsonl_html_record)
{
    KT_EQ_INT(parse("{\"id\":7,\"html\":\"<html><head><title>T</title><script>var a=1</script>"
                    "</head><body><p>Привет &amp; <b>мир</b></p><div>два</div></body></html>\"}"),
              0);
    KT_CHECK(r.from_html);
    KT_EQ_MEM(r.text, r.text_len, "T\nПривет & мир\nдва");
    KT_EQ_MEM(r.id, r.id_len, "7");
    /* "text" wins over "html"; a null "text" falls back to "html" */
    KT_EQ_INT(parse("{\"text\":\"plain\",\"html\":\"<p>markup</p>\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "plain");
    KT_CHECK(!r.from_html);
    KT_EQ_INT(parse("{\"text\":null,\"html\":\"<p>markup</p>\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "markup");
    KT_CHECK(r.from_html);
    KT_EQ_INT(parse("{\"html\":\"\"}"), 0);
    KT_CHECK(r.text != NULL);
    KT_EQ_INT(r.text_len, 0);
    kz_jsonl_free(j);
}

KT_TEST(jsonl_duplicate_keys_last_wins)
{
    KT_EQ_INT(parse("{\"text\":\"first\",\"text\":\"second\"}"), 0);
    KT_EQ_MEM(r.text, r.text_len, "second");
    kz_jsonl_free(j);
}

KT_TEST(jsonl_pointers_live_until_next_call)
{
    kz_jsonl *a = kz_jsonl_new(1 << 20);
    kz_record r1, r2;
    KT_EQ_INT(kz_jsonl_parse(a, "{\"text\":\"one\"}", 14, &r1), 0);
    char keep[8];
    memcpy(keep, r1.text, r1.text_len + 1);
    KT_EQ_INT(kz_jsonl_parse(a, "{\"text\":\"two\"}", 14, &r2), 0);
    KT_EQ_STR(keep, "one");
    KT_EQ_MEM(r2.text, r2.text_len, "two");
    kz_jsonl_free(a);
    kz_jsonl_free(NULL);
}

KT_TEST(jsonl_images)
{
    KT_EQ_INT(parse("{\"text\":\"a\",\"images\":[\"media/1.jpg\",\"https://cdn.example/2.png\"]}"), 0);
    KT_EQ_INT(r.nimages, 2);
    if (r.nimages == 2) {
        KT_EQ_MEM(r.images[0], r.image_lens[0], "media/1.jpg");
        KT_EQ_MEM(r.images[1], r.image_lens[1], "https://cdn.example/2.png");
    }
    KT_EQ_INT(parse("{\"text\":\"a\",\"images\":[]}"), 0);
    KT_EQ_INT(r.nimages, 0);
    KT_EQ_INT(parse("{\"text\":\"a\",\"images\":null}"), 0);
    KT_EQ_INT(r.nimages, 0);
    KT_EQ_INT(parse("{\"text\":\"a\"}"), 0);
    KT_CHECK(r.images == NULL && r.nimages == 0);
    KT_EQ_INT(parse("{\"text\":\"a\",\"images\":\"x.jpg\"}"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "\"images\" is not an array of strings");
    KT_EQ_INT(parse("{\"text\":\"a\",\"images\":[\"x.jpg\",3]}"), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "\"images\"[1] is not a non-empty string");
    KT_EQ_INT(parse("{\"text\":\"a\",\"images\":[\"\"]}"), KZ_EBADJSON);
    char line[1024];
    size_t n = (size_t)snprintf(line, sizeof line, "{\"text\":\"a\",\"images\":[");
    for (int i = 0; i < 33; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s\"i.png\"", i ? "," : "");
    snprintf(line + n, sizeof line - n, "]}");
    KT_EQ_INT(parse(line), KZ_EBADJSON);
    KT_EQ_STR(kz_jsonl_errmsg(j), "\"images\" has 33 entries, over the limit of 32");
}
