/* Durable file I/O for the state directory: a file is either the old
 * version or the new one, never half written, and a bad file is kept for a
 * post-mortem rather than deleted. All functions return 0 or -errno. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

/* Replaces dir/name with data: a temporary file in the same directory,
 * written in full, fsync'd, renamed over name, then the directory fsync'd.
 * On any failure (-ENOSPC, -EROFS, -EACCES, -EFBIG, ...) the old file is
 * untouched and no temporary file is left behind. */
int atomic_write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode);

/* Reads a whole regular file of at most max bytes into a NUL-terminated
 * buffer the caller frees. -EFBIG when larger, -EISDIR/-EINVAL when not a
 * regular file, -ENOENT when missing. */
int read_file_limited(const char *path, size_t max, char **ret, size_t *ret_len);

/* Renames dir/name to dir/name.corrupt-<UTC timestamp>[-N], never replacing
 * an earlier one, so the daemon can start fresh and nothing is lost. */
int move_aside(const char *dir, const char *name);
/* The same for a file and its companions: each dir/name<suffix> there is
 * goes to dir/name.corrupt-<timestamp>[-N]<suffix>, with the one stamp
 * (SQLite finds a database's -wal and -shm by the database's name). moved
 * (if not NULL) gets the new name of name. */
int move_aside_with(const char *dir, const char *name, const char *const *suffixes, size_t n, char *moved,
                    size_t size);

/* Creates path and any missing parents (parents 0755, path itself mode);
 * an existing directory is left as it is. -ENOTDIR when something on the
 * way is not a directory. */
int ensure_directory(const char *path, mode_t mode);
