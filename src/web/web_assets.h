/* The pages' own stylesheet and script, built into the binary: their
 * sources are src/web/assets/style.css and app.js, and web_assets.c is
 * generated from them by the rule in src/local.mk (each file a C string). */
#pragma once
#include <stddef.h>

extern const char web_asset_style_css[];
extern const size_t web_asset_style_css_size;
extern const char web_asset_app_js[];
extern const size_t web_asset_app_js_size;
