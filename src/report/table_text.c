#include "table_text.h"

size_t text_columns(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char) *s & 0xC0) != 0x80;
        return n;
}

void table_cell(FILE *out, const char *text, size_t width, bool right)
{
        size_t n = text_columns(text), pad = n < width ? width - n : 0;

        fprintf(out, "%*s%s%*s ", right ? (int) pad : 0, "", text, right ? 0 : (int) pad, "");
}
