/* The migrations that build state.db's schema (schema.c). */
#pragma once
#include <stddef.h>

/* How many migrations there are: the schema version they lead to. */
size_t schema_migration_count(void);
/* The SQL that takes user_version from_version to from_version + 1, or
 * NULL past the last. */
const char *schema_migration(size_t from_version);
