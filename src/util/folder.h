/*
 * util/folder.h - read files named by untrusted input, confined to one folder.
 *
 * A JSON Lines post may name its images ("images": ["media/p1.jpg"]); the
 * names come from whoever wrote the file, so they are read only from inside
 * one folder, the way a web server serves a document root:
 *
 *   - a name is relative; an absolute one, or ".." climbing above the
 *     folder, is refused before anything is opened;
 *   - the name is resolved beneath the folder's descriptor, never as text:
 *     openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) where the kernel has
 *     it (Linux 5.6), else a walk one component at a time with
 *     openat(O_NOFOLLOW), each directory held open;
 *   - symbolic links inside the folder are followed when they are relative
 *     and what they lead to stays inside (a media folder linked in from
 *     elsewhere in the export); an absolute link, one whose ".." leads out,
 *     and /proc "magic" links are refused.  Both resolutions give the same
 *     answer (tests/t_folder.c runs every case through both);
 *   - the file is opened with O_NONBLOCK | O_NOCTTY, so a FIFO cannot block
 *     and a terminal is not taken, and fstat must show a regular file: a
 *     FIFO, socket, device or directory is refused before a byte is read;
 *   - at most the caller's limit is read, by the file's size and by what
 *     reading gives (a file that grows meanwhile).
 *
 * The confinement holds against the names; someone who can rename
 * directories inside the folder while it is read can, with the walk (no
 * openat2), move a directory already entered out from under it.
 */
#ifndef KZ_FOLDER_H
#define KZ_FOLDER_H

#include "kz.h"

typedef struct kz_folder kz_folder;

/* Flags of kz_folder_open. */
enum {
    KZ_FOLDER_WALK = 1,     /* always resolve by the walk, even where openat2 exists */
};

/* Longest name kz_folder_read takes, and deepest folder nesting it walks. */
#define KZ_FOLDER_MAX_NAME 4095
#define KZ_FOLDER_MAX_DEPTH 64

/* Open the folder path for kz_folder_read (path itself may be a symbolic
 * link: the caller chose it).  Returns 0; KZ_ENOMEM (*out is NULL); or
 * KZ_ENOTFOUND / KZ_EIO when the folder cannot be opened: *out is still
 * set, kz_folder_errmsg says why, and every kz_folder_read on it fails the
 * same way, so a caller can report it per file.  Free *out either way. */
int kz_folder_open(kz_folder **out, const char *path, unsigned flags);

/* NULL-safe; sets *fp = NULL. */
void kz_folder_free(kz_folder **fp);

/* Read the regular file name[0..n) inside the folder into *data (malloc'd,
 * NUL-terminated after *len bytes; the caller frees), refusing more than
 * max bytes.  Returns 0, or (with *data NULL and kz_folder_errmsg saying
 * why, in words that can follow "NAME: "):
 *   KZ_EPERM      absolute name, ".." above the folder, or a symbolic link
 *                 that leads outside it (or is a /proc magic link);
 *   KZ_EINVAL     not a regular file (FIFO, socket, device, directory);
 *                 empty name, a NUL in it, longer than KZ_FOLDER_MAX_NAME,
 *                 deeper than KZ_FOLDER_MAX_DEPTH, more than 40 links;
 *   KZ_ENOTFOUND  no such file (or a component is not a directory);
 *   KZ_ETOOBIG    over max bytes;
 *   KZ_EIO        cannot be opened (permission...) or read, or the folder
 *                 itself could not be opened;
 *   KZ_ENOMEM.
 * One thread at a time per handle (the message is kept on it). */
int kz_folder_read(kz_folder *f, const char *name, size_t n, size_t max, uint8_t **data,
                   size_t *len);

/* Why the last call on f failed ("" after a success); lent, valid until the
 * next call on f.  Never NULL. */
const char *kz_folder_errmsg(const kz_folder *f);

#endif
