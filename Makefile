# regel — a rules engine for a small policy language.
#
#   make            build/regel, build/libregel.a, build/libregel.so
#   make demo       run the shipped policies on the bundled sample exports
#   make test       unit tests, golden tests, policy tests
#   make test SANITIZE=1   the same under AddressSanitizer + UBSan
#   make bench      the benchmark against jq, Lua and LuaJIT
#   make deps       install the Debian packages the build needs
#
# Every build flavour has its own folder under build/, so switching flavours
# never mixes objects.

.DEFAULT_GOAL := all
SHELL := /bin/bash

# Debian packages: the build, the tests, and the benchmark's peers.
DEB_BUILD := flex bison pkg-config libgc-dev libcriterion-dev libcsv-dev \
             libutf8proc-dev libicu-dev libedit-dev python3
DEB_BENCH := jq lua5.4 luajit lua-cjson

SANITIZE ?=
ifeq ($(SANITIZE),1)
  BUILD ?= build/san
  FLAVOUR_CFLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
                    -fno-sanitize-recover=all -DREGEL_MALLOC_ALLOC
  FLAVOUR_LDFLAGS := -fsanitize=address,undefined
else
  BUILD ?= build
  FLAVOUR_CFLAGS := -O2
  FLAVOUR_LDFLAGS :=
endif

VERSION := 0.1.0
SOVERSION := 0

CC := gcc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wno-unused-parameter
# Generated scanner and parser: their code is not ours to tidy.
GEN_WARN := -Wall -Werror -Wno-unused-function -Wno-unused-but-set-variable -Wno-sign-compare

PKGS := bdw-gc icu-uc icu-i18n libutf8proc

ifeq ($(filter clean deps,$(MAKECMDGOALS)),)
-include $(BUILD)/config.mk
endif

CPPFLAGS := -Isrc -I$(BUILD)/gen -D_GNU_SOURCE -DREGEL_VERSION='"$(VERSION)"'
CFLAGS := -std=gnu11 -g -fPIC -fvisibility=hidden $(FLAVOUR_CFLAGS) $(PKG_CFLAGS) -MMD -MP
LDLIBS := $(PKG_LIBS) -lcsv -lm -lpthread
LDFLAGS := $(FLAVOUR_LDFLAGS)

GEN := $(BUILD)/gen
LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/parser.o \
           $(BUILD)/obj/scanner.o $(BUILD)/obj/stdlib_data.o
STDLIB := $(sort $(wildcard stdlib/*.regel))

REGEL := $(BUILD)/regel
LIBA := $(BUILD)/libregel.a
LIBSO := $(BUILD)/libregel.so

.PHONY: all deps demo test unit golden policy-test bench clean check-format
all: $(REGEL) $(LIBA) $(LIBSO)

# ---------------------------------------------------------------- deps
# Installs what is missing when run as root; otherwise prints the command.
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_EXTRA); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	else \
	  echo "make deps: missing Debian packages. Run:"; \
	  echo "  sudo apt-get install -y$$missing"; exit 1; \
	fi

# Compiler and linker flags of the libraries, found once after deps.
$(BUILD)/config.mk: Makefile
	@$(MAKE) --no-print-directory deps
	@mkdir -p $(BUILD)
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; \
	   echo "CRITERION_LIBS := $$(pkg-config --libs criterion)"; } > $@

# ---------------------------------------------------------------- build
$(GEN)/parser.c $(GEN)/parser.h: grammar/regel.y
	@mkdir -p $(GEN)
	bison -Wall -Werror --defines=$(GEN)/parser.h -o $(GEN)/parser.c $<

$(GEN)/scanner.c $(GEN)/scanner.h: grammar/regel.l
	@mkdir -p $(GEN)
	flex --header-file=$(GEN)/scanner.h -o $(GEN)/scanner.c $<

# The stdlib is compiled into the binary so regel works from any folder.
$(GEN)/stdlib_data.c: $(STDLIB) Makefile
	@mkdir -p $(GEN)
	@{ echo '/* generated from stdlib/*.regel by the Makefile */'; \
	   echo '#include "stdlib_data.h"'; \
	   for f in $(STDLIB); do \
	     n=$$(basename $$f .regel | tr -c 'A-Za-z0-9_\n' '_'); \
	     echo "static const char src_$$n[] = {"; \
	     od -An -v -tx1 $$f | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	     echo '0x00};'; \
	   done; \
	   echo 'const StdlibFile stdlib_files[] = {'; \
	   for f in $(STDLIB); do \
	     n=$$(basename $$f .regel | tr -c 'A-Za-z0-9_\n' '_'); \
	     echo "  {\"$$(basename $$f .regel)\", src_$$n, sizeof src_$$n - 1},"; \
	   done; \
	   echo '  {0, 0, 0}};'; } > $@

$(BUILD)/obj/parser.o: $(GEN)/parser.c $(GEN)/scanner.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(GEN_WARN) -c $< -o $@

$(BUILD)/obj/scanner.o: $(GEN)/scanner.c $(GEN)/parser.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(GEN_WARN) -c $< -o $@

$(BUILD)/obj/stdlib_data.o: $(GEN)/stdlib_data.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

# Every object may include the generated headers.
$(BUILD)/obj/%.o: src/%.c | $(GEN)/parser.h $(GEN)/scanner.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBSO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libregel.so.$(SOVERSION) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(REGEL): $(BUILD)/obj/main.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d)

# ---------------------------------------------------------------- tests
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.o)
UNIT := $(BUILD)/tests/unit_tests

$(BUILD)/tests/%.o: tests/unit/%.c | $(GEN)/parser.h $(GEN)/scanner.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DSOURCE_ROOT='"$(CURDIR)"' $(CFLAGS) $(WARN) -Wno-missing-prototypes -c $< -o $@

$(UNIT): $(UNIT_OBJ) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(CRITERION_LIBS)

# libgc and ASan both watch the stack; the collector's own blocks are not
# collected in sanitizer builds, so leak reports would be noise.
export ASAN_OPTIONS := detect_stack_use_after_return=0:detect_leaks=0:abort_on_error=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

unit: $(UNIT)
	$(UNIT) --jobs 2

golden: $(REGEL)
	tests/golden/run $(REGEL)

policy-test: $(REGEL)
	tests/policies/run $(REGEL)

test: all unit golden policy-test

# ---------------------------------------------------------------- demo
TODAY_DEMO := 2026-11-22
demo: $(REGEL)
	@$(REGEL) run policies/ --data policies/exports --today $(TODAY_DEMO) --format table

# ---------------------------------------------------------------- bench
bench: $(REGEL)
	@$(MAKE) --no-print-directory deps DEB_EXTRA="$(DEB_BENCH)"
	tests/bench/run $(REGEL)

clean:
	rm -rf build
