# Makefile - builds kuzet, its test runner, fuzz targets and benchmarks.
#
#   make            build build/release/kuzet
#   make test       install what is missing, build, run the whole suite
#                   twice: as built for users (-O2), then under ASan+UBSan
#   make demo       install what is missing, build, scan a generated sample
#   make bench      the benchmarks under bench/ (not run by CI)
#   make fuzz       libFuzzer builds of every fuzz/fuzz_*.c (clang)
#
# Every library comes from pkg-config; the sources of each stage are found
# by folder, so adding a file needs no edit here.

PKGS    := libhs libutf8proc yaml-0.1 json-c libxxhash sqlite3 libidn2 libpsl libjpeg libpng libwebp libsodium libpq libcurl libxml-2.0 libmagic libcrypto libmicrohttpd zlib uchardet
MODE    ?= release
BUILD   := build/$(MODE)
CC      ?= cc

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
  WARN += -Werror
endif
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARN) -Isrc $(PKG_CFLAGS) -MMD -MP
ifeq ($(MODE),asan)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
  OPT := -O2 -g
endif
ALL_CFLAGS  := $(BASE_CFLAGS) $(OPT) $(CFLAGS)
ALL_LDFLAGS := $(OPT) -pthread $(LDFLAGS)
LIBS        := $(PKG_LIBS) -lgif -lm
# the test runner also writes PNG chunks itself (tests/imggen.c)
TEST_LIBS   := $(shell pkg-config --libs zlib 2>/dev/null)

STAGES   := util url text detect ingest store act case report pipeline jobs
LIB_SRC  := $(sort $(foreach d,$(STAGES),$(wildcard src/$(d)/*.c)))
CLI_SRC  := $(sort $(wildcard src/cli/*.c) $(wildcard src/worker/*.c))
# the HTTP front end (kuzet serve): not in libkuzet.a; the test runner links
# it too, for the fuzz targets of its parsers
SERVE_SRC := $(sort $(wildcard src/serve/*.c))
TEST_SRC := $(sort $(wildcard tests/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
SERVE_OBJ := $(SERVE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/web_static.o
# the web app's static files (web/static/), compiled in as byte arrays
WEB_STATIC := $(sort $(wildcard web/static/*))
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o) $(FUZZ_SRC:%.c=$(BUILD)/%.o)

.PHONY: all setup test check demo bench fuzz clean
all: $(BUILD)/kuzet

$(BUILD)/libkuzet.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libkzserve.a: $(SERVE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/kuzet: $(CLI_OBJ) $(BUILD)/libkzserve.a $(BUILD)/libkuzet.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/kt: $(TEST_OBJ) $(BUILD)/libkzserve.a $(BUILD)/libkuzet.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -Ifuzz -c -o $@ $<

$(BUILD)/gen/web_static.c: $(WEB_STATIC) scripts/embed-static
	@mkdir -p $(@D)
	scripts/embed-static $(WEB_STATIC) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/web_static.o: $(BUILD)/gen/web_static.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

setup:
	@scripts/setup

# check: build and run the suite in one mode (MODE=release or MODE=asan).
check: $(BUILD)/kuzet $(BUILD)/kt
	$(BUILD)/kt --bin $(BUILD)/kuzet

test: setup
	@scripts/test

demo: setup
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench: setup
	@scripts/setup --bench
	@$(MAKE) --no-print-directory all
	@bench/run

fuzz: setup
	@scripts/setup --fuzz
	@$(MAKE) --no-print-directory -f fuzz/Makefile PKGS="$(PKGS)" STAGES="$(STAGES)"

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SERVE_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
