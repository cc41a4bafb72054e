/* One daemon per state directory: two would both send every alert and
 * could both act. The lock is an flock(2) on <dir>/.lock, released by the
 * kernel when the process ends however it ends, so a kill -9 never leaves
 * a stale lock. Holding it also makes it safe to remove the temporary files
 * a killed writer left behind. */
#pragma once

/* Takes the lock (creating dir if needed) and removes stale ".NAME.tmp-*"
 * files in dir and dir/outbox. Returns the lock's fd (keep it open), or
 * -EBUSY when another process holds it, or another -errno. */
int state_directory_lock(const char *dir);
