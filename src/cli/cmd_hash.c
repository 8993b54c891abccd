/*
 * cli/cmd_hash.c - kuzet hash: image and content hashes of files.
 *
 *   kuzet hash pdq [--dihedral] [--no-orient] [--exact] [--full-res] FILE...
 *       HASH,QUALITY,FILE per image (the PDQ reference hasher's format);
 *       with --dihedral 8 lines per image, in the reference's order
 *       (original, rotate90, rotate180, rotate270, flipx, flipy,
 *       flipplus1, flipminus1).
 *   kuzet hash sha256 FILE...
 *   kuzet hash md5 FILE...
 *       HASH,FILE (lowercase hex); MD5 through OpenSSL's EVP interface.
 *   kuzet hash text FILE...
 *       SIMHASH,FILE: the 64-bit SimHash of the UTF-8 text (16 hex digits).
 *
 * A file that fails is reported on stderr as "kuzet: FILE: reason"; the
 * others are still hashed and the exit status is 1 at the end.
 */
#include "cli.h"
#include "util/sha256.h"
#include "detect/pdq.h"
#include "detect/simhash.h"
#include "text/norm.h"
#include "ingest/image.h"
#include <sodium.h>
#include <openssl/evp.h>
#include <getopt.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

/* Unless --exact: JPEGs are decoded as luminance only (the file's Y
 * channel), at 1/2, 1/4 or 1/8 scale while both sides stay at least this
 * large.  docs/hashing.md: within 8 bits of the reference on its test
 * photos, and about 30% faster. */
#ifndef PDQ_JPEG_MIN_SIDE
#define PDQ_JPEG_MIN_SIDE 256
#endif

static const char usage_text[] =
    "usage: kuzet hash pdq [--dihedral] [--no-orient] [--exact] [--full-res] FILE...\n"
    "       kuzet hash sha256 FILE...\n"
    "       kuzet hash md5 FILE...\n"
    "       kuzet hash text FILE...\n"
    "\n"
    "pdq     PDQ perceptual hash of each image (JPEG, PNG, WebP, GIF; the\n"
    "        format is found from the content): HASH,QUALITY,FILE\n"
    "  --dihedral   8 lines per image: the hashes of its rotations and flips\n"
    "               (original, rotate90, rotate180, rotate270, flipx, flipy,\n"
    "               flipplus1, flipminus1)\n"
    "  --no-orient  ignore the JPEG EXIF orientation (as the reference does)\n"
    "  --exact      decode JPEGs at full size in RGB: the same bits as the\n"
    "               reference hasher given the same pixels (slower)\n"
    "  --full-res   decode and filter at full size instead of the reference's\n"
    "               512x512 pre-resize\n"
    "sha256  SHA-256 of each file's bytes: HASH,FILE\n"
    "md5     MD5 of each file's bytes: HASH,FILE (for MD5 hash lists)\n"
    "text    64-bit SimHash of each UTF-8 text file (normalized words, shingles\n"
    "        of 3): SIMHASH,FILE; near duplicates differ in few bits\n"
    "\n"
    "'-' reads standard input.  A file that fails is reported on stderr and\n"
    "the others are still hashed; the exit status is then 1.\n";


static int hash_pdq_file(const char *path, int dihedral, const kz_image_opts *io, unsigned flags)
{
    char why[KZ_IMAGE_ERRLEN + 32] = "";
    uint8_t *data = NULL;
    size_t n = 0;
    kz_image *im = NULL;
    kz_pdq_hash h[KZ_PDQ_NXFORMS];
    int quality = 0, nh = dihedral ? KZ_PDQ_NXFORMS : 1;
    int rc = kz_cli_read_file(path, KZ_IMAGE_MAX_BYTES, &data, &n, why, sizeof why);
    if (rc)
        goto out;
    if ((rc = kz_image_decode(data, n, io, &im, why)) != 0)
        goto out;
    uint32_t w = kz_image_width(im);
    int ch = kz_image_channels(im);
    rc = kz_pdq_hash_pixels(kz_image_pixels(im), w, kz_image_height(im), ch,
                            (size_t)w * (size_t)ch, flags, h, nh, &quality);
    if (rc) {
        snprintf(why, sizeof why, "%s", kz_strerror(rc));
        goto out;
    }
    for (int i = 0; i < nh; i++) {
        char hex[KZ_PDQ_HEXLEN + 1];
        kz_pdq_to_hex(&h[i], hex);
        printf("%s,%d,%s\n", hex, quality, path);
    }
out:
    if (rc)
        kz_cli_err("%s: %s", path, why[0] ? why : kz_strerror(rc));
    kz_image_free(&im);
    free(data);
    return rc;
}

static int hash_text_file(kz_simhash *sh, const char *path)
{
    char why[128] = "";
    uint8_t *data = NULL;
    size_t n = 0;
    uint64_t h = 0;
    int rc = kz_cli_read_file(path, KZ_NORM_MAX, &data, &n, why, sizeof why);
    if (rc)
        goto out;
    if ((rc = kz_simhash_text(sh, (const char *)data, n, &h)) != 0)
        goto out;
    char hex[KZ_SIMHASH_HEXLEN + 1];
    kz_simhash_to_hex(h, hex);
    printf("%s,%s\n", hex, path);
out:
    if (rc)
        kz_cli_err("%s: %s", path, why[0] ? why : kz_strerror(rc));
    free(data);
    return rc;
}

/* SHA-256 (util/sha256.h) or MD5 (libcrypto EVP) of a file, streamed. */
static int hash_digest_file(const char *path, int md5)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) {
        kz_cli_err("%s: cannot open: %s", path, strerror(errno));
        return KZ_EIO;
    }
    kz_sha256_ctx st;
    EVP_MD_CTX *ctx = NULL;
    if (md5 && (!(ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(ctx, EVP_md5(), NULL))) {
        kz_cli_err("%s: MD5: libcrypto failed", path);
        EVP_MD_CTX_free(ctx);
        if (fd > 0)
            close(fd);
        return KZ_EINTERNAL;
    }
    if (!md5)
        kz_sha256_init(&st);
    static uint8_t buf[1 << 16];
    int rc = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            kz_cli_err("%s: read error: %s", path, strerror(errno));
            rc = KZ_EIO;
            break;
        }
        if (r == 0)
            break;
        if (md5 && !EVP_DigestUpdate(ctx, buf, (size_t)r)) {
            kz_cli_err("%s: MD5: libcrypto failed", path);
            rc = KZ_EINTERNAL;
            break;
        }
        if (!md5)
            kz_sha256_update(&st, buf, (size_t)r);
    }
    if (fd > 0)
        close(fd);
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int n = KZ_SHA256_LEN;
    char hex[EVP_MAX_MD_SIZE * 2 + 1];
    if (!rc && md5 && !EVP_DigestFinal_ex(ctx, md, &n)) {
        kz_cli_err("%s: MD5: libcrypto failed", path);
        rc = KZ_EINTERNAL;
    }
    EVP_MD_CTX_free(ctx);
    if (rc)
        return rc;
    if (!md5)
        kz_sha256_final(&st, md);
    kz_hex(md, n, hex);
    printf("%s,%s\n", hex, path);
    return 0;
}

int cmd_hash(int argc, char **argv)
{
    static const struct option opts[] = {
        { "dihedral", no_argument, NULL, 'd' },
        { "no-orient", no_argument, NULL, 'O' },
        { "full-res", no_argument, NULL, 'F' },
        { "exact", no_argument, NULL, 'E' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int dihedral = 0, no_orient = 0, full_res = 0, exact = 0, c;
    if (argc < 2) {
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_text, stdout);
        return KZ_EXIT_OK;
    }
    const char *algo = argv[1];
    int is_pdq = !strcmp(algo, "pdq"), is_sha = !strcmp(algo, "sha256");
    int is_text = !strcmp(algo, "text"), is_md5 = !strcmp(algo, "md5");
    if (!is_pdq && !is_sha && !is_text && !is_md5) {
        kz_cli_err("hash: unknown algorithm '%s' (pdq, sha256, md5, text)", algo);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    argc--;
    argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dihedral = 1; break;
        case 'O': no_orient = 1; break;
        case 'F': full_res = 1; break;
        case 'E': exact = 1; break;
        case 'h': fputs(usage_text, stdout); return KZ_EXIT_OK;
        default: fputs(usage_text, stderr); return KZ_EXIT_USAGE;
        }
    }
    if (!is_pdq && (dihedral || no_orient || full_res || exact)) {
        kz_cli_err("hash %s: --dihedral, --no-orient, --full-res and --exact are for pdq", algo);
        return KZ_EXIT_USAGE;
    }
    if (optind >= argc) {
        kz_cli_err("hash %s: no FILE given", algo);
        fputs(usage_text, stderr);
        return KZ_EXIT_USAGE;
    }
    if (is_sha && sodium_init() < 0) {
        kz_cli_err("hash: libsodium failed to initialise");
        return KZ_EXIT_FAIL;
    }
    kz_image_opts io = { .no_orient = no_orient != 0,
                         .min_side = full_res || exact ? 0 : PDQ_JPEG_MIN_SIDE,
                         .jpeg_luma = !exact };
    unsigned flags = full_res ? KZ_PDQ_FULLRES : 0;
    int status = KZ_EXIT_OK;
    kz_simhash *sh = NULL;
    if (is_text && !(sh = kz_simhash_new())) {
        kz_cli_err("hash text: %s", kz_strerror(KZ_ENOMEM));
        return KZ_EXIT_FAIL;
    }
    for (int i = optind; i < argc; i++) {
        int rc = is_pdq    ? hash_pdq_file(argv[i], dihedral, &io, flags)
                 : is_text ? hash_text_file(sh, argv[i])
                           : hash_digest_file(argv[i], is_md5);
        if (rc)
            status = KZ_EXIT_FAIL;
        fflush(stdout);
    }
    kz_simhash_free(sh);
    return status;
}
