# libFuzzer harnesses (tests/fuzz/fuzz_*.c): `make fuzz` builds them with
# clang and runs each for FUZZ_SECONDS against its seed corpus in
# tests/fuzz/corpus/<harness>/; it is not part of `make check`. The library
# code is compiled again with clang and coverage instrumentation into
# tests/fuzz-build/ (libmida.a is built by $(CC) without it). New inputs
# and crashes go to tests/fuzz-build/work/, never to the source tree.
FUZZ_HARNESSES = result list config expr state outbox
FUZZ_SECONDS = 60
FUZZ_OUT = tests/fuzz-build
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SANITIZE) \
	-Wall -Wextra -Wno-unused-parameter \
	$(DEFS) -I$(top_srcdir)/src -DSYSCONFDIR='"$(sysconfdir)"' \
	$(CURL_CFLAGS) $(JSONC_CFLAGS) $(LIBCONFIG_CFLAGS) $(SYSTEMD_CFLAGS) $(CRYPTO_CFLAGS) $(SQLITE_CFLAGS) \
	$(MHD_CFLAGS) $(LIBCRYPT_CFLAGS)
FUZZ_LIBS = $(CURL_LIBS) $(JSONC_LIBS) $(LIBCONFIG_LIBS) $(SYSTEMD_LIBS) $(CRYPTO_LIBS) $(SQLITE_LIBS) \
	$(MHD_LIBS) $(LIBCRYPT_LIBS) -lm
FUZZ_LIB_OBJS = $(patsubst src/%.c,$(FUZZ_OUT)/obj/%.o,$(filter %.c,$(src_libmida_a_SOURCES)))
FUZZ_LIB_HDRS = $(addprefix $(top_srcdir)/,$(filter %.h,$(src_libmida_a_SOURCES)))
FUZZ_BINS = $(patsubst %,$(FUZZ_OUT)/fuzz-%,$(FUZZ_HARNESSES))

EXTRA_DIST += tests/fuzz

if HAVE_FUZZER
# Any header change rebuilds every object: simple, and the build is quick.
$(FUZZ_OUT)/obj/%.o: $(top_srcdir)/src/%.c $(FUZZ_LIB_HDRS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_OUT)/libmida-fuzz.a: $(FUZZ_LIB_OBJS)
	$(AM_V_AR)rm -f $@ && $(AR) cr $@ $(FUZZ_LIB_OBJS) && $(RANLIB) $@

$(FUZZ_OUT)/fuzz-%: $(top_srcdir)/tests/fuzz/fuzz_%.c $(top_srcdir)/tests/fuzz/fuzz.h \
		$(FUZZ_OUT)/libmida-fuzz.a
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OUT)/libmida-fuzz.a $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@$(SHELL) $(top_srcdir)/tests/fuzz/run.sh $(FUZZ_OUT) $(top_srcdir)/tests/fuzz/corpus \
		$(FUZZ_SECONDS) $(FUZZ_HARNESSES)
else
fuzz-build fuzz:
	@echo "make fuzz: skipped, fuzzing needs clang: apt-get install clang libclang-rt-14-dev"
endif

fuzz-clean:
	-rm -rf $(FUZZ_OUT)
clean-local: fuzz-clean
.PHONY: fuzz fuzz-build fuzz-clean
