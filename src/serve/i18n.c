/*
 * serve/i18n.c - the message catalogues of the web app (serve/i18n.h) and
 * the choice of language from Accept-Language.
 *
 * The tables are read once into a hash table (on first use, under
 * pthread_once); a lookup is one hash and a string compare.  To add
 * messages for a new page, add rows to a table of your own file and name
 * that table in kz_i18n_tables below.
 */
#include "serve/i18n.h"
#include "util/kz.h"
#include "util/hset.h"
#include <pthread.h>
#include <strings.h>
#include <ctype.h>

/* The core pages' messages: layout, log-in, account, dashboard, queue,
 * case page. */
static const kz_msg core[] = {
    /* layout */
    { "kuzet", "kuzet", "kuzet" },
    { "Skip to the content", "Перейти к содержимому", "Мазмұнға өту" },
    { "Dashboard", "Обзор", "Шолу" },
    { "Review queue", "Очередь проверки", "Тексеру кезегі" },
    { "Cases", "Дела", "Істер" },
    { "Notices", "Уведомления", "Хабарламалар" },
    { "Appeals", "Обжалования", "Шағымдар" },
    { "Blocklist", "Список блокировок", "Бұғаттау тізімі" },
    { "Rules", "Правила", "Ережелер" },
    { "Banks", "Банки хешей", "Хэш банктері" },
    { "Platforms", "Платформы", "Платформалар" },
    { "Users", "Пользователи", "Пайдаланушылар" },
    { "My account", "Мой профиль", "Менің профилім" },
    { "Log out", "Выйти", "Шығу" },
    { "Language", "Язык", "Тіл" },
    { "Signed in as", "Вы вошли как", "Кірген пайдаланушы" },
    { "Times are shown in UTC; with JavaScript, in your own time zone.",
      "Время указано в UTC; с JavaScript — в вашем часовом поясе.",
      "Уақыт UTC бойынша; JavaScript қосулы болса — сіздің уақыт белдеуіңізде." },
    { "Transparency report", "Отчёт о прозрачности", "Ашықтық есебі" },
    /* roles */
    { "analyst", "аналитик", "талдаушы" },
    { "reviewer", "проверяющий", "тексеруші" },
    { "supervisor", "руководитель", "жетекші" },
    { "auditor", "аудитор", "аудитор" },
    { "admin", "администратор", "әкімші" },
    /* errors */
    { "Not allowed", "Нет доступа", "Рұқсат жоқ" },
    { "Not found", "Не найдено", "Табылмады" },
    { "There is no page at this address.", "По этому адресу страницы нет.",
      "Бұл мекенжайда бет жоқ." },
    { "Something went wrong", "Что-то пошло не так", "Қате орын алды" },
    { "This page is not for your role.", "Эта страница недоступна для вашей роли.",
      "Бұл бет сіздің рөліңізге арналмаған." },
    { "The form was refused: it did not come from this site's own page. Reload the page and try again.",
      "Форма отклонена: она отправлена не со страницы этого сайта. Обновите страницу и повторите.",
      "Пішін қабылданбады: ол осы сайттың бетінен жіберілмеген. Бетті жаңартып, қайталаңыз." },
    { "Back to the dashboard", "Вернуться к обзору", "Шолуға оралу" },
    /* log-in, account */
    { "Log in", "Войти", "Кіру" },
    { "Name", "Имя", "Аты" },
    { "Password", "Пароль", "Құпиясөз" },
    { "Wrong name or password.", "Неверное имя или пароль.", "Аты немесе құпиясөзі қате." },
    { "Too many failed log-ins: wait a little and try again.",
      "Слишком много неудачных попыток: подождите и попробуйте снова.",
      "Сәтсіз кіру әрекеттері тым көп: біраз күтіп, қайталаңыз." },
    { "You are logged out.", "Вы вышли.", "Сіз шықтыңыз." },
    { "Your password was changed: log in with the new one.",
      "Пароль изменён: войдите с новым паролем.",
      "Құпиясөз өзгертілді: жаңасымен кіріңіз." },
    { "Your session ended: log in again.", "Сеанс завершён: войдите снова.",
      "Сеанс аяқталды: қайта кіріңіз." },
    { "Role", "Роль", "Рөл" },
    { "Change password", "Сменить пароль", "Құпиясөзді өзгерту" },
    { "New password", "Новый пароль", "Жаңа құпиясөз" },
    { "New password again", "Новый пароль ещё раз", "Жаңа құпиясөз қайтадан" },
    { "The two passwords differ.", "Пароли не совпадают.", "Құпиясөздер сәйкес емес." },
    { "At least 12 characters. Every session of your account ends when it changes.",
      "Не менее 12 символов. После смены все сеансы вашей учётной записи завершаются.",
      "Кемінде 12 таңба. Өзгергенде есептік жазбаңыздың барлық сеанстары аяқталады." },
    { "Save", "Сохранить", "Сақтау" },
    /* dashboard */
    { "Open cases by category and age", "Открытые дела по категориям и возрасту",
      "Санат пен жас бойынша ашық істер" },
    { "Category", "Категория", "Санат" },
    { "under 1 day", "до 1 дня", "1 күнге дейін" },
    { "1-7 days", "1–7 дней", "1–7 күн" },
    { "over 7 days", "более 7 дней", "7 күннен артық" },
    { "Total", "Всего", "Барлығы" },
    { "Notices near or past their deadline", "Уведомления со сроком на исходе или истёкшим",
      "Мерзімі таяу немесе өткен хабарламалар" },
    { "Deadline", "Срок", "Мерзім" },
    { "Platform", "Платформа", "Платформа" },
    { "overdue", "просрочено", "мерзімі өтті" },
    { "Appeals waiting", "Ожидающие обжалования", "Күтудегі шағымдар" },
    { "Blocks waiting for a second person", "Блокировки, ожидающие второго лица",
      "Екінші адамды күтетін бұғаттаулар" },
    { "Flagged items per day", "Отмеченные материалы по дням", "Күн сайын белгіленген материалдар" },
    { "Each reviewer's volume", "Нагрузка проверяющих", "Тексерушілердің жүктемесі" },
    { "In review", "На проверке", "Тексеруде" },
    { "Decided (7 days)", "Решено (7 дней)", "Шешілді (7 күн)" },
    { "Held now", "Удерживается сейчас", "Қазір ұсталуда" },
    { "Nothing here.", "Здесь пусто.", "Мұнда ештеңе жоқ." },
    { "Filed", "Подано", "Берілді" },
    { "By", "Кем", "Кім" },
    { "Case", "Дело", "Іс" },
    { "Measure", "Мера", "Шара" },
    { "Proposed by", "Предложил(а)", "Ұсынған" },
    { "Day", "День", "Күн" },
    { "Items", "Материалы", "Материалдар" },
    /* queue */
    { "Next case", "Следующее дело", "Келесі іс" },
    { "No case is waiting for you.", "Для вас нет ожидающих дел.", "Сізді күтіп тұрған іс жоқ." },
    { "Cases wait in this order: the shortest notice deadline of their category, then the oldest, then the highest score. The case you open is held for you for 15 minutes, renewed while you work, so nobody else gets it.",
      "Дела идут в порядке: кратчайший срок уведомления их категории, затем самые старые, затем наибольший балл. Открытое вами дело удерживается за вами 15 минут и продлевается, пока вы работаете, — никто другой его не получит.",
      "Істер мына ретпен: санатының ең қысқа хабарлама мерзімі, содан кейін ең ескісі, содан кейін ең жоғары балл. Сіз ашқан іс 15 минутқа сізге бекітіледі және жұмыс істеген кезде ұзартылады — оны басқа ешкім алмайды." },
    { "Held for you until", "Закреплено за вами до", "Сізге бекітілген уақыт" },
    { "Held by", "Удерживает", "Ұстап тұрған" },
    { "until", "до", "дейін" },
    { "Release", "Отпустить", "Босату" },
    { "Keep holding", "Продлить удержание", "Ұстауды ұзарту" },
    /* case page */
    { "State", "Состояние", "Күйі" },
    { "Score", "Балл", "Балл" },
    { "Assigned to", "Назначено", "Тағайындалған" },
    { "nobody", "никому", "ешкімге" },
    { "Opened", "Открыто", "Ашылды" },
    { "Text as written", "Текст в исходном виде", "Мәтін жазылған күйінде" },
    { "Matches", "Совпадения", "Сәйкестіктер" },
    { "Rule", "Правило", "Ереже" },
    { "Evidence", "Доказательство", "Дәлел" },
    { "Normalized form", "Нормализованная форма", "Қалыпқа келтірілген түрі" },
    { "The whole text is not stored; the excerpt is shown.",
      "Полный текст не сохранён; показан фрагмент.",
      "Толық мәтін сақталмаған; үзінді көрсетілген." },
    { "The evidence was purged under the retention rule.",
      "Доказательства удалены по правилу хранения.",
      "Дәлелдер сақтау ережесі бойынша жойылды." },
    { "Images", "Изображения", "Суреттер" },
    { "Hash-bank matches", "Совпадения с банками хешей", "Хэш банктерімен сәйкестіктер" },
    { "Earlier decision", "Прежнее решение", "Бұрынғы шешім" },
    { "Same or near-same content", "Такое же или почти такое же содержимое",
      "Бірдей немесе ұқсас мазмұн" },
    { "History", "История", "Тарих" },
    { "When", "Когда", "Қашан" },
    { "Who", "Кто", "Кім" },
    { "Action", "Действие", "Әрекет" },
    { "Before", "До", "Бұрын" },
    { "After", "После", "Кейін" },
    { "Decision", "Решение", "Шешім" },
    { "Decisions", "Решения", "Шешімдер" },
    { "Assign to me", "Назначить мне", "Маған тағайындау" },
    { "Decide", "Решить", "Шешу" },
    { "No action", "Без мер", "Шарасыз" },
    { "Legal basis", "Правовое основание", "Құқықтық негіз" },
    { "Facts and reasons", "Факты и мотивы", "Фактілер мен себептер" },
    { "Territorial scope", "Территориальный охват", "Аумақтық қамту" },
    { "Days in force", "Срок действия (дней)", "Күшінде болу мерзімі (күн)" },
    { "Until (date)", "До (дата)", "Дейін (күні)" },
    { "removal_request", "запрос на удаление", "жою туралы сұрау" },
    { "geo_restriction", "геоограничение", "гео-шектеу" },
    { "url_block", "блокировка URL", "URL бұғаттау" },
    { "domain_block", "блокировка домена", "доменді бұғаттау" },
    { "no_action", "без мер", "шарасыз" },
    { "Approve", "Утвердить", "Бекіту" },
    { "Reject", "Отклонить", "Қабылдамау" },
    { "Resolve the appeal", "Рассмотреть обжалование", "Шағымды қарау" },
    { "Outcome", "Итог", "Нәтиже" },
    { "upheld", "оставлено в силе", "күшінде қалды" },
    { "reversed", "отменено", "жойылды" },
    { "Grounds", "Основания", "Негіздер" },
    { "Reasons", "Мотивы", "Себептер" },
    { "The decision was refused:", "Решение отклонено:", "Шешім қабылданбады:" },
    { "Done.", "Готово.", "Дайын." },
    { "Keyboard: n next case, a assign to me, d decide, x no action.",
      "Клавиши: n — следующее дело, a — назначить мне, d — решить, x — без мер.",
      "Пернелер: n — келесі іс, a — маған тағайындау, d — шешу, x — шарасыз." },
    { "Item", "Материал", "Материал" },
    { "Address", "Адрес", "Мекенжай" },
    { "First seen", "Впервые замечено", "Алғаш байқалды" },
    { "Show", "Показать", "Көрсету" },
    /* case states */
    { "detected", "обнаружено", "анықталды" },
    { "in_review", "на проверке", "тексеруде" },
    { "awaiting_approval", "ждёт утверждения", "бекітуді күтуде" },
    { "decided", "решено", "шешілді" },
    { "notified", "уведомлено", "хабарланды" },
    { "complied", "исполнено", "орындалды" },
    { "verified", "проверено", "тексерілді" },
    { "reopened", "открыто снова", "қайта ашылды" },
    { "appealed", "обжаловано", "шағымданды" },
    { "content_owner", "владелец материала", "материал иесі" },
    { "platform", "платформа", "платформа" },
    { "Older", "Более ранние", "Ертеректегілер" },
};

/* Every catalogue.  Add your table here (one line). */
static const kz_msg_table core_table = { core, KZ_ARRAY_LEN(core) };
extern const kz_msg_table kz_i18n_webpub;        /* web_public.c */
extern const kz_msg_table kz_i18n_pages;          /* serve/routes_pages.c */
extern const kz_msg_table kz_i18n_media;          /* serve/routes_media.c */
extern const kz_msg_table kz_i18n_users;          /* serve/routes_users.c */
extern const kz_msg_table kz_i18n_status;         /* serve/routes_status.c */
static const kz_msg_table *const kz_i18n_tables[] = {
    &core_table,
    &kz_i18n_webpub,
    &kz_i18n_pages,
    &kz_i18n_media,
    &kz_i18n_users,
    &kz_i18n_status,
    NULL,
};

/* ---- the hash table ------------------------------------------------------ */

static kz_hset table;                    /* English text -> its row */
static kz_hset code_words;              /* a code with '_' -> its English words */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static kz_lang default_lang = KZ_LANG_EN;

static int en_eq(uint64_t v, const void *key, void *ctx)
{
    (void)ctx;
    return !strcmp(((const kz_msg *)(uintptr_t)v)->en, key);
}

static int code_eq(uint64_t v, const void *key, void *ctx)
{
    (void)ctx;
    const char *w = (const char *)(uintptr_t)v;
    return !strcmp(w + strlen(w) + 1, key);
}

/* A code of the data ("content_owner", "awaiting_approval": lowercase
 * letters joined by '_') is shown in English as words ("content owner"):
 * each such text of the catalogues gets a copy with spaces, kept for the
 * process's life as "words\0code". */
static void add_code(const char *en)
{
    size_t n = strlen(en);
    if (!strchr(en, '_') || strspn(en, "abcdefghijklmnopqrstuvwxyz_") != n)
        return;
    char *w = malloc(2 * n + 2);
    if (!w)
        return;
    for (size_t i = 0; i < n; i++)
        w[i] = en[i] == '_' ? ' ' : en[i];
    w[n] = '\0';
    memcpy(w + n + 1, en, n + 1);
    if (kz_hset_add(&code_words, kz_hset_hash(en, n), (uint64_t)(uintptr_t)w, code_eq, en, NULL,
                    NULL) != 1)
        free(w);
}

/* Out of memory, the table stays empty and every text is shown in English. */
static void build(void)
{
    if (kz_hset_init(&table, 2048) || kz_hset_init(&code_words, 64))
        return;
    for (const kz_msg_table *const *t = kz_i18n_tables; *t; t++)
        for (size_t i = 0; i < (*t)->n; i++) {
            const kz_msg *m = &(*t)->rows[i];
            /* the first row for a text wins */
            kz_hset_add(&table, kz_hset_hash(m->en, strlen(m->en)), (uint64_t)(uintptr_t)m, en_eq,
                        m->en, NULL, NULL);
            add_code(m->en);
        }
}

const char *kz_tr(kz_lang lang, const char *en)
{
    if (!en)
        return en;
    if (lang == KZ_LANG_EN) {
        if (!strchr(en, '_'))
            return en;
        pthread_once(&once, build);
        const kz_hslot *c = kz_hset_find(&code_words, kz_hset_hash(en, strlen(en)), code_eq, en, NULL);
        return c ? (const char *)(uintptr_t)c->v : en;
    }
    pthread_once(&once, build);
    const kz_hslot *sl = kz_hset_find(&table, kz_hset_hash(en, strlen(en)), en_eq, en, NULL);
    if (!sl)
        return en;
    const kz_msg *m = (const kz_msg *)(uintptr_t)sl->v;
    const char *t = lang == KZ_LANG_RU ? m->ru : m->kk;
    return t ? t : en;
}

static const char *const codes[KZ_LANG_N] = { "kk", "ru", "en" };
static const char *const names[KZ_LANG_N] = { "Қазақша", "Русский", "English" };

const char *kz_lang_code(kz_lang l) { return (unsigned)l < KZ_LANG_N ? codes[l] : "en"; }
const char *kz_lang_name(kz_lang l) { return (unsigned)l < KZ_LANG_N ? names[l] : "English"; }

int kz_lang_parse(const char *code)
{
    for (int i = 0; code && i < KZ_LANG_N; i++)
        if (!strcmp(code, codes[i]))
            return i;
    return -1;
}

void kz_lang_set_default(kz_lang l) { default_lang = l; }
kz_lang kz_lang_default(void) { return default_lang; }

/* q-value "q=0.8" -> 800; a bad one -> -1 */
static int qvalue(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    if (n < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
        return -1;
    p += 2, n -= 2;
    int v = 0, digits = 0;
    if (n && (*p == '0' || *p == '1')) {
        v = (*p - '0') * 1000;
        p++, n--;
    } else {
        return -1;
    }
    if (n && *p == '.') {
        p++, n--;
        for (int scale = 100; n && isdigit((unsigned char)*p) && digits < 3; scale /= 10) {
            v += (*p - '0') * scale;
            p++, n--, digits++;
        }
    }
    return v > 1000 ? 1000 : v;
}

int kz_lang_accept(const char *h)
{
    int best = -1, bestq = 0;
    while (h && *h) {
        size_t n = strcspn(h, ",");
        const char *tag = h;
        while (n && (*tag == ' ' || *tag == '\t'))
            tag++, n--;
        size_t tl = strcspn(tag, ";,");
        if (tl > n)
            tl = n;
        while (tl && (tag[tl - 1] == ' ' || tag[tl - 1] == '\t'))
            tl--;
        int q = 1000;
        const char *semi = memchr(tag, ';', n);
        if (semi)
            q = qvalue(semi + 1, (size_t)(tag + n - semi - 1));
        size_t primary = strcspn(tag, "-;, \t");
        if (primary > tl)
            primary = tl;
        for (int i = 0; i < KZ_LANG_N && q > 0; i++)
            if (primary == 2 && !strncasecmp(tag, codes[i], 2) && q > bestq) {
                best = i;
                bestq = q;
            }
        h = tag + n;
        if (*h == ',')
            h++;
    }
    return best;
}
