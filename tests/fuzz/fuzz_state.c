/* libFuzzer harness: the state directory loaders. The input is written as
 * state.json, alerts.json and actions.json of a private directory and read
 * with state_read, rules_state_load_json and actions_ledger_load_json (which move a
 * corrupt file aside; the directory is emptied after each input). What
 * loads must save and load back to the same JSON. */
#include <errno.h>

#include "actions/actions.h"
#include "fuzz.h"
#include "rules/rules.h"
#include "store/state.h"
#include "store/watchlist.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        fuzz_quiet_log();
        (void) fuzz_tmpdir();
        return 0;
}

/* to_json(from_json(a)) is a itself. */
static void check_same(json_object *a, json_object *b)
{
        if (a && b)
                FUZZ_CHECK(strcmp(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN),
                                  json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN)) == 0);
        json_object_put(a);
        json_object_put(b);
}

static void fuzz_state_file(const char *dir)
{
        struct watchlist w = { 0 }, w2 = { 0 };
        struct daemon_summary s, s2;
        json_object *o, *o2 = NULL;
        int r = state_read(dir, &w, &s);

        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM || r == -ENOENT);
        if (r != 0) {
                FUZZ_CHECK(w.n == 0);
                return;
        }
        o = state_to_json(&w, &s);
        if (o && state_from_json(o, &w2, &s2) == 0)
                o2 = state_to_json(&w2, &s2);
        else
                FUZZ_CHECK(!o);
        check_same(o, o2);
        watchlist_clear(&w);
        watchlist_clear(&w2);
}

static void fuzz_alerts_file(const char *dir)
{
        struct rules_state s = { 0 }, s2 = { 0 };
        json_object *o, *o2 = NULL;
        char *error = NULL;
        int r = rules_state_load_json(dir, &s);

        FUZZ_CHECK(r == 0 || r == -ENOMEM);
        o = rules_state_to_json(&s);
        if (o) {
                FUZZ_CHECK(rules_state_from_json(o, &s2, &error) == 0);
                o2 = rules_state_to_json(&s2);
        }
        check_same(o, o2);
        free(error);
        rules_state_clear(&s);
        rules_state_clear(&s2);
}

static void fuzz_actions_file(const char *dir)
{
        struct action_ledger l = { 0 }, l2 = { 0 };
        json_object *o, *o2 = NULL;
        char *error = NULL;
        int r = actions_ledger_load_json(dir, &l);

        FUZZ_CHECK(r == 0 || r == -ENOMEM);
        (void) actions_count(&l, ACTION_STATE_DONE);
        o = actions_ledger_to_json(&l);
        if (o) {
                FUZZ_CHECK(actions_ledger_from_json(o, &l2, &error) == 0);
                o2 = actions_ledger_to_json(&l2);
        }
        check_same(o, o2);
        free(error);
        actions_ledger_clear(&l);
        actions_ledger_clear(&l2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *dir = fuzz_tmpdir();

        fuzz_write_file(dir, STATE_FILE, data, size);
        fuzz_write_file(dir, RULES_STATE_FILE, data, size);
        fuzz_write_file(dir, ACTIONS_LEDGER_FILE, data, size);
        fuzz_state_file(dir);
        fuzz_alerts_file(dir);
        fuzz_actions_file(dir);
        fuzz_empty_dir(dir);
        return 0;
}
