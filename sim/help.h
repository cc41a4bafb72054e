/* mida-sim --help text. */
#pragma once
#include <stdio.h>

void help_print(FILE *out);
