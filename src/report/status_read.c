#include "status_read.h"

#include "store/db.h"

int status_read(struct store *store, const struct statistics_settings *settings, struct watchlist *w,
                struct daemon_summary *s, struct status_report *report, const char **what)
{
        int r = store_read_begin(store);   /* one snapshot: the tables agree */

        *what = "the database";
        if (r >= 0 && (r = store_watchlist_load(store, w, settings)) < 0)
                *what = "the watch list";
        if (r >= 0 && (r = store_summary_load(store, s)) < 0)
                *what = "the daemon summary";
        if (r >= 0)
                r = status_report_read(store, report, what);
        store_read_end(store);
        return r;
}
