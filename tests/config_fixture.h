/* What the config tests share: a config loaded from text (written to a
 * temporary file, removed after the load), and a check that one of its
 * diagnostics is exactly FILE:LINE: text. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

/* config_load of text; path (size bytes) gets the file's name, which the
 * diagnostics start with. Returns config_load's result. */
int config_fixture_load(const char *text, struct config **c, struct config_diag *d, char *path, size_t size);

/* Whether d has "PATH:LINE: text"; logs every diagnostic when not. */
bool config_fixture_has_error(const struct config_diag *d, const char *path, unsigned line, const char *text);
